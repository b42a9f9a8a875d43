"""The evidence export: one row per piece of evidence (not removed) of the
task forces a user may read, metadata only. The files themselves never leave
through an export: they are downloaded one by one, under the task force's
access rules (assessments/evidence/views.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from assessments.common import sheets
from assessments.common.sheets import Column, person
from assessments.core.models import TaskForce
from assessments.evidence.models import Evidence

# The CSV's keys; the XLSX's labels, widths and kinds (common/sheets.py).
EVIDENCE_SHEET = [
    Column("task_force", "Task force code", 18),
    Column("task_force_name", "Task force", 28),
    Column("stage", "Stage", 22),
    Column("milestone", "Milestone code", 20),
    Column("milestone_name", "Milestone", 40),
    Column("title", "Title", 32),
    Column("kind", "Kind", 11, choices=sheets.choices_of(Evidence.Kind)),
    Column("file_name", "File name", 26),
    Column("content_type", "File type", 18),
    Column("size_bytes", "Size (bytes)", 12, sheets.NUMBER),
    Column("link", "Link", 32),
    Column("note", "Note", 40),
    Column("added_at", "Added at", 17, sheets.DATETIME),
    Column("added_by", "Added by", 22, source="added_by_person"),
    Column("checked_at", "Checked at", 17, sheets.DATETIME),
    Column("checked_by", "Checked by", 22, source="checked_by_person"),
    Column("shared_with_partners", "Shared with partners", 12),
]
EVIDENCE_COLUMNS = sheets.keys(EVIDENCE_SHEET)


def evidence_rows(task_forces: QuerySet[TaskForce]) -> Iterator[dict]:
    """By task force, then the guidance's order, newest first. One query,
    whatever the number of rows."""
    pieces = (
        Evidence.objects.present()
        .filter(task_force__in=task_forces)
        .select_related("task_force", "milestone__stage", "added_by", "checked_by")
        .order_by(
            "task_force__name", "milestone__stage__order", "milestone__order", "-added_at", "-pk"
        )
    )
    for piece in pieces.iterator(chunk_size=2000):
        yield {
            "task_force": piece.task_force.slug,
            "task_force_name": piece.task_force.name,
            "stage": piece.milestone.stage.name,
            "milestone": piece.milestone.slug,
            "milestone_name": piece.milestone.name,
            "title": piece.title,
            "kind": piece.kind,
            "file_name": piece.original_name,
            "content_type": piece.content_type,
            "size_bytes": piece.size if piece.is_file else None,
            "link": piece.url,
            "note": piece.note,
            "added_at": piece.added_at,
            "added_by": piece.added_by_name,
            "added_by_person": person(piece.added_by, piece.added_by_name),
            "checked_at": piece.checked_at,
            "checked_by": piece.checked_by_name,
            "checked_by_person": person(piece.checked_by, piece.checked_by_name),
            "shared_with_partners": "yes" if piece.shared_with_partners else "no",
        }
