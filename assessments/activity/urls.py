"""The activity log: a task force's log and its entries, the statewide
view, exports and import."""

from django.urls import path

import assessments.core.converters  # noqa: F401  (registers fmt)
from assessments.activity import io_views, views

urlpatterns = [
    path("task-forces/<slug:slug>/activity/", views.activity_log, name="activity_log"),
    path("task-forces/<slug:slug>/activity/add/", views.activity_add, name="activity_add"),
    path(
        "task-forces/<slug:slug>/activity/<int:entry_id>/",
        views.activity_edit,
        name="activity_edit",
    ),
    path(
        "task-forces/<slug:slug>/activity/<int:entry_id>/remove/",
        views.activity_remove,
        name="activity_remove",
    ),
    path("overview/activity/", views.activity_statewide_view, name="activity_statewide"),
    path("export/activity.<fmt:fmt>", io_views.export_activity, name="export_activity"),
    path(
        "task-forces/<slug:slug>/export/activity.<fmt:fmt>",
        io_views.export_activity,
        name="task_force_export_activity",
    ),
    path("import/activity/", io_views.import_upload, name="activity_import"),
    path("import/activity/<int:pk>/", io_views.import_preview, name="activity_import_preview"),
    path(
        "import/activity/<int:pk>/progress/",
        io_views.import_progress,
        name="activity_import_progress",
    ),
    path(
        "import/activity/<int:pk>/changes.csv",
        io_views.import_changes,
        name="activity_import_changes",
    ),
    path(
        "import/activity/<int:pk>/apply/",
        io_views.import_apply,
        name="activity_import_apply",
    ),
]
