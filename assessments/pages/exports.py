"""The rows of the status and history exports: one row per task force and
milestone (not started included), and one row per change (statuses,
evidence and the partner register, merged newest first). The import reads
the same status layout back."""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from assessments.access import export_scope
from assessments.common.downloads import table_download
from assessments.core.models import MilestoneStatus, Status, StatusChange, TaskForce
from assessments.core.progress import is_listed
from assessments.evidence.models import EvidenceChange
from assessments.help.models import HelpRequestChange
from assessments.pages import history
from assessments.register.models import RegisterChange
from stages.models import Milestone
from taskforce_site.security import log_event

STATUS_COLUMNS = [
    "task_force",
    "task_force_name",
    "stage",
    "milestone",
    "milestone_name",
    "status",
    "lead_partner",
    "target_date",
    "notes",
    "status_since",
    "updated_at",
    "updated_by",
]
HISTORY_COLUMNS = [
    "changed_at",
    "task_force",
    "stage",
    "milestone",
    "old_status",
    "new_status",
    "changed_fields",
    "changed_by",
    "source",
    # What changed: "status", "evidence", "help" or "register"; for evidence
    # and the register, its title or agency name and what was done to it;
    # for a help request, its number (never its subject or messages).
    "record",
    "subject",
    "action",
]


def status_rows(task_forces: QuerySet[TaskForce]) -> Iterator[dict]:
    """Every task force x every active milestone, plus retired milestones that
    have a status recorded. Three queries, whatever the number of rows."""
    milestones = list(Milestone.objects.select_related("stage"))
    records = {
        (record.task_force_id, record.milestone_id): record
        for record in MilestoneStatus.objects.filter(task_force__in=task_forces).select_related(
            "updated_by"
        )
    }
    for task_force in task_forces.order_by("name"):
        for milestone in milestones:
            record = records.get((task_force.pk, milestone.pk))
            if not is_listed(milestone, record):
                continue
            row = {
                "task_force": task_force.slug,
                "task_force_name": task_force.name,
                "stage": milestone.stage.name,
                "milestone": milestone.slug,
                "milestone_name": milestone.name,
                "status": Status.NOT_STARTED.value,
            }
            if record is not None:
                row.update(
                    status=record.status,
                    lead_partner=record.lead_partner,
                    target_date=record.target_date,
                    notes=record.notes,
                    status_since=record.status_since,
                    updated_at=record.updated_at,
                    updated_by=record.updated_by.get_username() if record.updated_by else "",
                )
            yield row


def history_rows(changes: QuerySet[StatusChange]) -> Iterator[dict]:
    for change in changes.iterator(chunk_size=2000):
        yield {
            "changed_at": change.changed_at,
            "task_force": change.task_force.slug,
            "stage": change.milestone.stage.name,
            "milestone": change.milestone.slug,
            "old_status": change.old_status,
            "new_status": change.new_status,
            "changed_fields": " ".join(sorted(change.changes)),
            "changed_by": change.changed_by_name,
            "source": change.source,
            "record": "status",
        }


def evidence_history_rows(changes: QuerySet[EvidenceChange]) -> Iterator[dict]:
    """Evidence additions, removals, checks and the rest: the title and what
    was done, never the file or its note."""
    changes = changes.select_related("task_force", "milestone__stage").order_by(
        "-changed_at", "-pk"
    )
    for change in changes.iterator(chunk_size=2000):
        yield {
            "changed_at": change.changed_at,
            "task_force": change.task_force.slug,
            "stage": change.milestone.stage.name,
            "milestone": change.milestone.slug,
            "changed_by": change.changed_by_name,
            "record": "evidence",
            "subject": change.evidence_title,
            "action": change.action,
        }


def register_history_rows(changes: QuerySet[RegisterChange]) -> Iterator[dict]:
    """Partner register changes: which fields changed, not their values (the
    register export has those)."""
    changes = changes.select_related("task_force").order_by("-changed_at", "-pk")
    for change in changes.iterator(chunk_size=2000):
        yield {
            "changed_at": change.changed_at,
            "task_force": change.task_force.slug,
            "changed_fields": " ".join(sorted(change.changes)),
            "changed_by": change.changed_by_name,
            "source": change.source,
            "record": "register",
            "subject": change.agency_name,
            "action": change.action,
        }


def help_history_rows(changes: QuerySet[HelpRequestChange]) -> Iterator[dict]:
    """Help request events: which request and what happened (assigned to
    whom), never its subject or a message, which may name a person."""
    changes = changes.select_related("task_force", "milestone__stage").order_by(
        "-changed_at", "-pk"
    )
    for change in changes.iterator(chunk_size=2000):
        yield {
            "changed_at": change.changed_at,
            "task_force": change.task_force.slug,
            "stage": change.milestone.stage.name if change.milestone_id else "",
            "milestone": change.milestone.slug if change.milestone_id else "",
            "changed_by": change.changed_by_name,
            "record": "help",
            "subject": f"Help request {change.request_id}"
            + (f", assigned to {change.assigned_to_name}" if change.assigned_to_name else ""),
            "action": change.action,
        }


def timeline_rows(task_forces: QuerySet[TaskForce]) -> Iterator[dict]:
    """Every change of `task_forces` (statuses, evidence, help requests, the
    partner register), newest first, as the history page shows them: four queries,
    streamed and merged, whatever the number of rows."""
    return heapq.merge(
        history_rows(history.history_for(task_forces)),
        evidence_history_rows(EvidenceChange.objects.filter(task_force__in=task_forces)),
        register_history_rows(RegisterChange.objects.filter(task_force__in=task_forces)),
        help_history_rows(HelpRequestChange.objects.filter(task_force__in=task_forces)),
        key=lambda row: row["changed_at"],
        reverse=True,
    )


@require_safe
def export_statuses(request: HttpRequest, fmt: str, slug: str | None = None) -> HttpResponse:
    name, scope = export_scope(request, slug)
    log_event("export.statuses", request, scope=name, format=fmt)
    return table_download(STATUS_COLUMNS, status_rows(scope), fmt, f"{name}-statuses")


@require_safe
def export_history(request: HttpRequest, fmt: str, slug: str | None = None) -> HttpResponse:
    name, scope = export_scope(request, slug)
    log_event("export.history", request, scope=name, format=fmt)
    return table_download(HISTORY_COLUMNS, timeline_rows(scope), fmt, f"{name}-history")
