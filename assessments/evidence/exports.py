"""The evidence export: one row per piece of evidence (not removed) of the
task forces a user may read, metadata only. The files themselves never leave
through an export: they are downloaded one by one, under the task force's
access rules (assessments/evidence/views.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from assessments.core.models import TaskForce
from assessments.evidence.models import Evidence

EVIDENCE_COLUMNS = [
    "task_force",
    "task_force_name",
    "stage",
    "milestone",
    "milestone_name",
    "title",
    "kind",
    "file_name",
    "content_type",
    "size_bytes",
    "link",
    "note",
    "added_at",
    "added_by",
    "checked_at",
    "checked_by",
    "shared_with_partners",
]


def evidence_rows(task_forces: QuerySet[TaskForce]) -> Iterator[dict]:
    """By task force, then the guidance's order, newest first. One query,
    whatever the number of rows."""
    pieces = (
        Evidence.objects.present()
        .filter(task_force__in=task_forces)
        .select_related("task_force", "milestone__stage")
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
            "checked_at": piece.checked_at,
            "checked_by": piece.checked_by_name,
            "shared_with_partners": "yes" if piece.shared_with_partners else "no",
        }
