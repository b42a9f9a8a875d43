"""The rows of the activity log export: one row per entry, its counts in a
column per measure and sector (`agencies:law-enforcement`, ...). The
activity import reads the same layout back (assessments/activity/importing.py),
so an export imports back unchanged.

Unsuppressed: an export goes to those who read the task force's log anyway
(its coordinators, program managers and staff), never to partner links.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from assessments.activity.models import ActivityCount, ActivityEntry, Measure
from assessments.core.models import Sector, TaskForce
from stages.models import Milestone

# The import's key and fields, then what only an export says.
BASE_COLUMNS = ["task_force", "entry", "date", "kind", "title", "milestones"]
TRAILING_COLUMNS = ["task_force_name", "updated_at", "updated_by"]


def count_column(measure: str, sector_slug: str) -> str:
    return f"{measure}:{sector_slug}"


def count_columns(sectors: list[Sector]) -> list[str]:
    return [count_column(measure, sector.slug) for measure in Measure.values for sector in sectors]


def activity_columns(sectors: list[Sector]) -> list[str]:
    return [*BASE_COLUMNS, *count_columns(sectors), *TRAILING_COLUMNS]


def activity_rows(task_forces: QuerySet[TaskForce], sectors: list[Sector]) -> Iterator[dict]:
    """Every entry of `task_forces`, by task force and date: three queries,
    whatever the number of rows."""
    entries = (
        ActivityEntry.objects.filter(task_force__in=task_forces)
        .select_related("task_force", "updated_by")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.only("pk", "slug")),
            Prefetch("counts", queryset=ActivityCount.objects.select_related("sector")),
        )
        .order_by("task_force__name", "date", "pk")
    )
    for entry in entries.iterator(chunk_size=2000):
        row = {
            "task_force": entry.task_force.slug,
            "entry": entry.pk,
            "date": entry.date,
            "kind": entry.kind,
            "title": entry.title,
            "milestones": "; ".join(sorted(m.slug for m in entry.milestones.all())),
            "task_force_name": entry.task_force.name,
            "updated_at": entry.updated_at,
            "updated_by": entry.updated_by.get_username() if entry.updated_by else "",
        }
        for column in count_columns(sectors):
            row[column] = 0
        for count in entry.counts.all():
            row[count_column(count.measure, count.sector.slug)] = count.count
        yield row
