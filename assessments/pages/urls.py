"""The task force pages: the dashboard, a task force, its milestones,
history, sharing, partner page and exports."""

from django.urls import path

import assessments.core.converters  # noqa: F401  (registers fmt and planfmt)
from assessments.pages import dashboard, exports, report_pack_views, sharing, task_force

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("task-forces/<slug:slug>/", task_force.task_force_detail, name="task_force"),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/",
        task_force.milestone_edit,
        name="milestone_edit",
    ),
    path("trend/", task_force.trend, name="trend"),
    path("report-pack/", report_pack_views.statewide_pack, name="report_pack"),
    path(
        "task-forces/<slug:slug>/report-pack/",
        report_pack_views.task_force_pack,
        name="task_force_report_pack",
    ),
    path("task-forces/<slug:slug>/trend/", task_force.trend, name="task_force_trend"),
    path("task-forces/<slug:slug>/history/", task_force.task_force_history, name="history"),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/history/",
        task_force.task_force_history,
        name="milestone_history",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/confirm/",
        task_force.milestone_confirm,
        name="milestone_confirm",
    ),
    path(
        "task-forces/<slug:slug>/review/confirm/",
        task_force.milestones_confirm,
        name="milestones_confirm",
    ),
    path("task-forces/<slug:slug>/sharing/", sharing.sharing, name="sharing"),
    path(
        "task-forces/<slug:slug>/sharing/contact/",
        sharing.public_contact,
        name="public_contact",
    ),
    path(
        "task-forces/<slug:slug>/sharing/<int:pk>/revoke/",
        sharing.partner_link_revoke,
        name="partner_link_revoke",
    ),
    path("p/<str:token>/", task_force.partner, name="partner"),
    path("export/statuses.<fmt:fmt>", exports.export_statuses, name="export_statuses"),
    path("export/history.<fmt:fmt>", exports.export_history, name="export_history"),
    path(
        "task-forces/<slug:slug>/export/statuses.<fmt:fmt>",
        exports.export_statuses,
        name="task_force_export_statuses",
    ),
    path(
        "task-forces/<slug:slug>/export/history.<fmt:fmt>",
        exports.export_history,
        name="task_force_export_history",
    ),
]
