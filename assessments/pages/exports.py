"""The rows of the status and history exports: one row per task force and
milestone (not started included), and one row per change (statuses,
evidence and the partner register, merged newest first). The import reads
the same status layout back."""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_safe
from django_tasks import task

from assessments.access import export_scope
from assessments.common.downloads import BuiltFile, built_response, table_file
from assessments.core import prepared_downloads
from assessments.core.models import MilestoneStatus, Status, StatusChange, TaskForce
from assessments.core.prepared_downloads import PreparedDownload
from assessments.core.progress import is_listed
from assessments.evidence.models import EvidenceChange
from assessments.help.models import HelpRequestChange
from assessments.pages import history
from assessments.register.models import RegisterChange
from stages.models import Milestone
from taskforce_site.security import log_event

# The name of an export of every task force the person may read.
ALL_NAME = "all-task-forces"
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


def build_export(
    kind: str,
    fmt: str,
    name: str,
    scope: QuerySet[TaskForce],
    progress: prepared_downloads.Progress = prepared_downloads.no_progress,
) -> BuiltFile:
    """The statuses or the history (`kind`) of `scope` as a CSV or XLSX file:
    the one builder, for a download in the request and a prepared one alike."""
    if kind == PreparedDownload.Kind.STATUSES:
        columns, rows = STATUS_COLUMNS, status_rows(scope)
    else:
        columns, rows = HISTORY_COLUMNS, timeline_rows(scope)
    return table_file(
        columns, prepared_downloads.counted_rows(rows, progress), fmt, f"{name}-{kind}"
    )


def _build_prepared(download: PreparedDownload, progress) -> tuple[BuiltFile, list[int]]:
    # What the person may read now, not when they asked: a task force taken
    # from them since is left out. The same scope as export_scope's.
    scope = TaskForce.objects.visible_to(download.user)
    covered = list(scope.values_list("pk", flat=True))
    progress(f"Reading {len(covered):,} task forces…")
    return build_export(download.kind, download.format, ALL_NAME, scope, progress), covered


@task()
def prepare_export(download_id: int) -> None:
    """The job of a large export of every status or every change."""
    prepared_downloads.run(download_id, _build_prepared)


def _export(request: HttpRequest, kind: str, fmt: str, slug: str | None) -> HttpResponse:
    name, scope = export_scope(request, slug)
    log_event(f"export.{kind}", request, scope=name, format=fmt)
    if slug is None:
        count = scope.count()
        if prepared_downloads.is_large(count):
            download = prepared_downloads.prepare(
                user=request.user,
                kind=kind,
                parameters={"format": fmt},
                task_force_count=count,
                task=prepare_export,
            )
            return redirect(download)
    return built_response(build_export(kind, fmt, name, scope))


@require_safe
def export_statuses(request: HttpRequest, fmt: str, slug: str | None = None) -> HttpResponse:
    return _export(request, PreparedDownload.Kind.STATUSES, fmt, slug)


@require_safe
def export_history(request: HttpRequest, fmt: str, slug: str | None = None) -> HttpResponse:
    return _export(request, PreparedDownload.Kind.HISTORY, fmt, slug)
