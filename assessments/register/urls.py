"""The partner register: a task force's agencies, the statewide register
pages, exports and import."""

from django.urls import path

import assessments.core.converters  # noqa: F401  (registers fmt and planfmt)
from assessments.register import io_views, overview_views, views

urlpatterns = [
    path("task-forces/<slug:slug>/partners/", views.partner_register, name="register"),
    path(
        "task-forces/<slug:slug>/partners/add/",
        views.partner_agency_add,
        name="partner_agency_add",
    ),
    path(
        "task-forces/<slug:slug>/partners/<int:agency_id>/",
        views.partner_agency_edit,
        name="partner_agency_edit",
    ),
    path(
        "task-forces/<slug:slug>/partners/<int:agency_id>/leave/",
        views.partner_agency_leave,
        name="partner_agency_leave",
    ),
    path("overview/partners/", overview_views.sector_matrix, name="sector_matrix"),
    path("overview/partners/mous/", overview_views.mous_due, name="mous_due"),
    path("overview/partners/sectors/", overview_views.sector_gaps, name="sector_gaps"),
    path("export/partners.<fmt:fmt>", io_views.export_register, name="export_register"),
    path(
        "task-forces/<slug:slug>/export/partners.<fmt:fmt>",
        io_views.export_register,
        name="task_force_export_register",
    ),
    path("import/partners/", io_views.import_upload, name="register_import"),
    path(
        "import/partners/<int:pk>/",
        io_views.import_preview,
        name="register_import_preview",
    ),
    path(
        "import/partners/<int:pk>/progress/",
        io_views.import_progress,
        name="register_import_progress",
    ),
    path(
        "import/partners/<int:pk>/changes.csv",
        io_views.import_changes,
        name="register_import_changes",
    ),
    path(
        "import/partners/<int:pk>/apply/",
        io_views.import_apply,
        name="register_import_apply",
    ),
]
