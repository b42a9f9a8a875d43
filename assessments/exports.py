"""The rows of the status and history exports: one row per task force and
milestone (not started included), and one row per change. The import reads
the same status layout back."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from assessments.models import MilestoneStatus, Status, StatusChange, TaskForce
from assessments.progress import is_listed
from stages.models import Milestone

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
        }
