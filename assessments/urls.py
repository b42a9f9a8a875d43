from django.urls import path, register_converter

from assessments import (
    cycle_compare_views,
    cycle_views,
    evidence_io_views,
    evidence_views,
    help_views,
    io_views,
    notification_views,
    overview_views,
    register_io_views,
    register_overview_views,
    register_views,
    team_views,
    views,
)


class FormatConverter:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")


class PlanFormatConverter(FormatConverter):
    regex = "xlsx|pdf"


register_converter(PlanFormatConverter, "planfmt")

app_name = "assessments"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("task-forces/<slug:slug>/", views.task_force_detail, name="task_force"),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/",
        views.milestone_edit,
        name="milestone_edit",
    ),
    path("trend/", views.trend, name="trend"),
    path("overview/", overview_views.matrix, name="overview"),
    path("overview/gaps/", overview_views.gaps, name="gaps"),
    path("overview/report/", overview_views.statewide_report, name="statewide_report"),
    path("task-forces/<slug:slug>/report/", overview_views.task_force_report, name="report"),
    path("task-forces/<slug:slug>/trend/", views.trend, name="task_force_trend"),
    path("task-forces/<slug:slug>/history/", views.task_force_history, name="history"),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/history/",
        views.task_force_history,
        name="milestone_history",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/confirm/",
        views.milestone_confirm,
        name="milestone_confirm",
    ),
    path(
        "task-forces/<slug:slug>/review/confirm/",
        views.milestones_confirm,
        name="milestones_confirm",
    ),
    path("task-forces/<slug:slug>/sharing/", views.sharing, name="sharing"),
    path(
        "task-forces/<slug:slug>/sharing/<int:pk>/revoke/",
        views.partner_link_revoke,
        name="partner_link_revoke",
    ),
    path("p/<str:token>/", views.partner, name="partner"),
    path("help/", help_views.queue, name="help_queue"),
    path("help/statewide/", help_views.statewide, name="help_statewide"),
    path("task-forces/<slug:slug>/help/", help_views.task_force_help, name="help"),
    path("task-forces/<slug:slug>/help/new/", help_views.help_request_new, name="help_new"),
    path(
        "task-forces/<slug:slug>/help/<int:request_id>/",
        help_views.help_request_detail,
        name="help_request",
    ),
    path(
        "task-forces/<slug:slug>/help/<int:request_id>/reply/",
        help_views.help_request_reply,
        name="help_reply",
    ),
    path(
        "task-forces/<slug:slug>/help/<int:request_id>/assign/",
        help_views.help_request_assign,
        name="help_assign",
    ),
    path(
        "task-forces/<slug:slug>/help/<int:request_id>/close/",
        help_views.help_request_close,
        name="help_close",
    ),
    path(
        "task-forces/<slug:slug>/help/<int:request_id>/reopen/",
        help_views.help_request_reopen,
        name="help_reopen",
    ),
    path(
        "p/<str:token>/evidence/<int:evidence_id>/",
        evidence_views.partner_evidence_download,
        name="partner_evidence_download",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/",
        evidence_views.evidence_list,
        name="evidence",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/upload/",
        evidence_views.evidence_upload,
        name="evidence_upload",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/link/",
        evidence_views.evidence_link_add,
        name="evidence_link_add",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/download/",
        evidence_views.evidence_download,
        name="evidence_download",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/remove/",
        evidence_views.evidence_remove,
        name="evidence_remove",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/restore/",
        evidence_views.evidence_restore,
        name="evidence_restore",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/check/",
        evidence_views.evidence_check,
        name="evidence_check",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/share/",
        evidence_views.evidence_share,
        name="evidence_share",
    ),
    path("task-forces/<slug:slug>/partners/", register_views.partner_register, name="register"),
    path(
        "task-forces/<slug:slug>/partners/add/",
        register_views.partner_agency_add,
        name="partner_agency_add",
    ),
    path(
        "task-forces/<slug:slug>/partners/<int:agency_id>/",
        register_views.partner_agency_edit,
        name="partner_agency_edit",
    ),
    path(
        "task-forces/<slug:slug>/partners/<int:agency_id>/leave/",
        register_views.partner_agency_leave,
        name="partner_agency_leave",
    ),
    path("task-forces/<slug:slug>/team/", team_views.team, name="team"),
    path(
        "task-forces/<slug:slug>/team/<int:user_id>/remove/",
        team_views.coordinator_remove,
        name="coordinator_remove",
    ),
    path("invitations/", team_views.invitation_list, name="invitations"),
    path("invitations/<int:pk>/resend/", team_views.invitation_resend, name="invitation_resend"),
    path(
        "invitations/<int:pk>/withdraw/", team_views.invitation_withdraw, name="invitation_withdraw"
    ),
    path("invitations/accept/<str:token>/", team_views.invitation_accept, name="invitation_accept"),
    path("invitations/<int:pk>/answer/", team_views.invitation_answer, name="invitation_answer"),
    path("export/statuses.<fmt:fmt>", io_views.export_statuses, name="export_statuses"),
    path("export/history.<fmt:fmt>", io_views.export_history, name="export_history"),
    path(
        "task-forces/<slug:slug>/export/statuses.<fmt:fmt>",
        io_views.export_statuses,
        name="task_force_export_statuses",
    ),
    path(
        "task-forces/<slug:slug>/export/history.<fmt:fmt>",
        io_views.export_history,
        name="task_force_export_history",
    ),
    path("export/evidence.<fmt:fmt>", evidence_io_views.export_evidence, name="export_evidence"),
    path(
        "task-forces/<slug:slug>/export/evidence.<fmt:fmt>",
        evidence_io_views.export_evidence,
        name="task_force_export_evidence",
    ),
    path("overview/partners/", register_overview_views.sector_matrix, name="sector_matrix"),
    path("overview/partners/mous/", register_overview_views.mous_due, name="mous_due"),
    path("overview/partners/sectors/", register_overview_views.sector_gaps, name="sector_gaps"),
    path("export/partners.<fmt:fmt>", register_io_views.export_register, name="export_register"),
    path(
        "task-forces/<slug:slug>/export/partners.<fmt:fmt>",
        register_io_views.export_register,
        name="task_force_export_register",
    ),
    path("import/partners/", register_io_views.import_upload, name="register_import"),
    path(
        "import/partners/<int:pk>/",
        register_io_views.import_preview,
        name="register_import_preview",
    ),
    path(
        "import/partners/<int:pk>/apply/",
        register_io_views.import_apply,
        name="register_import_apply",
    ),
    path("cycles/", cycle_views.cycle_list, name="cycles"),
    path("cycles/open/", cycle_views.cycle_open, name="cycle_open"),
    path("cycles/<int:pk>/", cycle_views.cycle_detail, name="cycle"),
    path(
        "cycles/<int:pk>/task-forces/<slug:slug>/",
        cycle_views.submission_page,
        name="cycle_submission",
    ),
    path(
        "cycles/<int:pk>/task-forces/<slug:slug>/save/",
        cycle_views.submission_save,
        name="cycle_submission_save",
    ),
    path(
        "cycles/<int:pk>/task-forces/<slug:slug>/decide/",
        cycle_views.submission_decide,
        name="cycle_submission_decide",
    ),
    path(
        "cycles/<int:pk>/task-forces/<slug:slug>/milestones/confirm/",
        cycle_views.milestones_review,
        name="cycle_milestones_review",
    ),
    path(
        "cycles/<int:pk>/task-forces/<slug:slug>/milestones/<slug:milestone_slug>/confirm/",
        cycle_views.milestone_review,
        name="cycle_milestone_review",
    ),
    path("task-forces/<slug:slug>/compare/", cycle_compare_views.compare_page, name="compare"),
    path(
        "task-forces/<slug:slug>/compare.csv", cycle_compare_views.compare_csv, name="compare_csv"
    ),
    path(
        "task-forces/<slug:slug>/plans/<int:snapshot_id>.<planfmt:fmt>",
        cycle_compare_views.plan_export,
        name="plan_export",
    ),
    path("cycles/compare/", cycle_compare_views.statewide_compare, name="cycles_compare"),
    path(
        "account/notifications/",
        notification_views.notification_preferences,
        name="notification_preferences",
    ),
    path("unsubscribe/<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
    path("reminders/sent/", notification_views.sent_notifications, name="sent_notifications"),
    path("import/", io_views.import_upload, name="import"),
    path("import/<int:pk>/", io_views.import_preview, name="import_preview"),
    path("import/<int:pk>/apply/", io_views.import_apply, name="import_apply"),
]
