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
from assessments.activity.models import ActivityChange
from assessments.common import sheets
from assessments.common.downloads import BuiltFile, built_response, table_file
from assessments.common.sheets import Column, person
from assessments.core import prepared_downloads
from assessments.core.importing import STATUS_SHEET
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
STATUS_LABELS = sheets.choices_of(Status)
RECORD_LABELS = {
    "status": "Status",
    "evidence": "Evidence",
    "help": "Help request",
    "register": "Partner register",
}
STATUS_FIELD_LABELS = {"status": "Status", **StatusChange.DETAIL_LABELS}
# The CSV's keys; the XLSX's labels, widths and kinds are in STATUS_SHEET
# (core/importing.py, which reads both back).
STATUS_COLUMNS = sheets.keys(STATUS_SHEET)
# "record": what changed, "status", "evidence", "help" or "register"; for
# evidence and the register, "subject" and "action" say its title or agency
# name and what was done to it; for a help request, its number (never its
# subject or messages). The XLSX says the action, source and fields in words.
HISTORY_SHEET = [
    Column("changed_at", "Changed at", 17, sheets.DATETIME),
    Column("task_force", "Task force code", 18),
    Column("stage", "Stage", 22),
    Column("milestone", "Milestone code", 20),
    Column("old_status", "Old status", 13, choices=STATUS_LABELS),
    Column("new_status", "New status", 13, choices=STATUS_LABELS),
    Column("changed_fields", "Changed fields", 24, source="changed_fields_words"),
    Column("changed_by", "Changed by", 22, source="changed_by_person"),
    Column("source", "Source", 20, source="source_label"),
    Column("record", "Record", 11, choices=RECORD_LABELS),
    Column("subject", "Subject", 32),
    Column("action", "Action", 28, source="action_label"),
]
HISTORY_COLUMNS = sheets.keys(HISTORY_SHEET)
TITLES = {PreparedDownload.Kind.STATUSES: "Statuses", PreparedDownload.Kind.HISTORY: "History"}


def _words(names, labels: dict[str, str]) -> str:
    return ", ".join(labels.get(name, name) for name in sorted(names))


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
                    updated_by_name=person(record.updated_by),
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
            "changed_fields_words": _words(change.changes, STATUS_FIELD_LABELS),
            "changed_by": change.changed_by_name,
            "changed_by_person": person(change.changed_by, change.changed_by_name),
            "source": change.source,
            "source_label": change.get_source_display(),
            "record": "status",
        }


def evidence_history_rows(changes: QuerySet[EvidenceChange]) -> Iterator[dict]:
    """Evidence additions, removals, checks and the rest: the title and what
    was done, never the file or its note."""
    changes = changes.select_related("task_force", "milestone__stage", "changed_by").order_by(
        "-changed_at", "-pk"
    )
    for change in changes.iterator(chunk_size=2000):
        yield {
            "changed_at": change.changed_at,
            "task_force": change.task_force.slug,
            "stage": change.milestone.stage.name,
            "milestone": change.milestone.slug,
            "changed_by": change.changed_by_name,
            "changed_by_person": person(change.changed_by, change.changed_by_name),
            "record": "evidence",
            "subject": change.evidence_title,
            "action": change.action,
            "action_label": change.get_action_display(),
        }


def register_history_rows(changes: QuerySet[RegisterChange]) -> Iterator[dict]:
    """Partner register changes: which fields changed, not their values (the
    register export has those)."""
    changes = changes.select_related("task_force", "changed_by").order_by("-changed_at", "-pk")
    for change in changes.iterator(chunk_size=2000):
        yield {
            "changed_at": change.changed_at,
            "task_force": change.task_force.slug,
            "changed_fields": " ".join(sorted(change.changes)),
            "changed_fields_words": _words(change.changes, RegisterChange.LABELS),
            "changed_by": change.changed_by_name,
            "changed_by_person": person(change.changed_by, change.changed_by_name),
            "source": change.source,
            "source_label": change.get_source_display(),
            "record": "register",
            "subject": change.agency_name,
            "action": change.action,
            "action_label": change.get_action_display(),
        }


def activity_history_rows(changes: QuerySet[ActivityChange]) -> Iterator[dict]:
    """Activity log changes: which fields changed, not their values (the
    activity export has those)."""
    changes = changes.select_related("task_force").order_by("-changed_at", "-pk")
    for change in changes.iterator(chunk_size=2000):
        yield {
            "changed_at": change.changed_at,
            "task_force": change.task_force.slug,
            "changed_fields": " ".join(sorted(change.changes)),
            "changed_by": change.changed_by_name,
            "source": change.source,
            "record": "activity",
            "subject": change.entry_title,
            "action": change.action,
        }


def help_history_rows(changes: QuerySet[HelpRequestChange]) -> Iterator[dict]:
    """Help request events: which request and what happened (assigned to
    whom), never its subject or a message, which may name a person."""
    changes = changes.select_related("task_force", "milestone__stage", "changed_by").order_by(
        "-changed_at", "-pk"
    )
    for change in changes.iterator(chunk_size=2000):
        yield {
            "changed_at": change.changed_at,
            "task_force": change.task_force.slug,
            "stage": change.milestone.stage.name if change.milestone_id else "",
            "milestone": change.milestone.slug if change.milestone_id else "",
            "changed_by": change.changed_by_name,
            "changed_by_person": person(change.changed_by, change.changed_by_name),
            "record": "help",
            "action_label": change.get_action_display(),
            "subject": f"Help request {change.request_id}"
            + (f", assigned to {change.assigned_to_name}" if change.assigned_to_name else ""),
            "action": change.action,
        }


def timeline_rows(task_forces: QuerySet[TaskForce]) -> Iterator[dict]:
    """Every change of `task_forces` (statuses, evidence, help requests, the
    partner register, the activity log), newest first, as the history page
    shows them: five queries,
    streamed and merged, whatever the number of rows."""
    return heapq.merge(
        history_rows(history.history_for(task_forces)),
        evidence_history_rows(EvidenceChange.objects.filter(task_force__in=task_forces)),
        register_history_rows(RegisterChange.objects.filter(task_force__in=task_forces)),
        help_history_rows(HelpRequestChange.objects.filter(task_force__in=task_forces)),
        activity_history_rows(ActivityChange.objects.filter(task_force__in=task_forces)),
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
        spec, rows = STATUS_SHEET, status_rows(scope)
    else:
        spec, rows = HISTORY_SHEET, timeline_rows(scope)
    return table_file(
        spec,
        prepared_downloads.counted_rows(rows, progress),
        fmt,
        f"{name}-{kind}",
        title=TITLES[kind],
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
