"""Evidence: a milestone's documents and links, checks, downloads and exports."""

from django.urls import path

import assessments.core.converters  # noqa: F401  (registers fmt and planfmt)
from assessments.evidence import io_views, views

urlpatterns = [
    path(
        "p/<str:token>/evidence/<int:evidence_id>/",
        views.partner_evidence_download,
        name="partner_evidence_download",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/",
        views.evidence_list,
        name="evidence",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/upload/",
        views.evidence_upload,
        name="evidence_upload",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/link/",
        views.evidence_link_add,
        name="evidence_link_add",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/download/",
        views.evidence_download,
        name="evidence_download",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/remove/",
        views.evidence_remove,
        name="evidence_remove",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/restore/",
        views.evidence_restore,
        name="evidence_restore",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/check/",
        views.evidence_check,
        name="evidence_check",
    ),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/share/",
        views.evidence_share,
        name="evidence_share",
    ),
    path("export/evidence.<fmt:fmt>", io_views.export_evidence, name="export_evidence"),
    path(
        "task-forces/<slug:slug>/export/evidence.<fmt:fmt>",
        io_views.export_evidence,
        name="task_force_export_evidence",
    ),
]
