"""Reads of the activity log: a task force's log, its last 90 days for the
task force page, and its recent changes. Each a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from assessments.activity.models import ActivityChange, ActivityEntry, ActivityKind, Measure
from assessments.core.models import Sector, TaskForce
from stages.models import Milestone

RECENT_DAYS = 90
CHANGES_SHOWN = 10


def log_entries(task_force: TaskForce) -> QuerySet[ActivityEntry]:
    """The task force's entries, newest first, each with its totals
    (ActivityEntryQuerySet.with_totals) and milestones: two queries a page."""
    return (
        ActivityEntry.objects.for_task_force(task_force)
        .with_totals()
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.only("pk", "name", "slug"))
        )
        .order_by("-date", "-pk")
    )


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class RecentActivity:
    start: datetime.date
    end: datetime.date
    kinds: list[KindCount]  # only kinds with entries, in the kinds' order

    @property
    def total(self) -> int:
        return sum(k.count for k in self.kinds)


def recent_activity(
    task_force: TaskForce, today: datetime.date, *, days: int = RECENT_DAYS
) -> RecentActivity:
    """Entries per kind over the last `days` days, today included: one query.
    Unsuppressed: the task force page shows the task force its own numbers."""
    start = today - datetime.timedelta(days=days - 1)
    counts = ActivityEntry.objects.for_task_force(task_force).between(start, today).count_by_kind()
    kinds = [
        KindCount(kind, label, counts[kind])
        for kind, label in ActivityKind.choices
        if kind in counts
    ]
    return RecentActivity(start=start, end=today, kinds=kinds)


def recent_changes(task_force: TaskForce, limit: int = CHANGES_SHOWN) -> list[ActivityChange]:
    return list(
        ActivityChange.objects.filter(task_force=task_force)
        .select_related("changed_by")  # who, by name (progress_tags.changer)
        .order_by("-changed_at", "-pk")[:limit]
    )


def sectors() -> list[Sector]:
    """The rows of the counts grid, in order."""
    return list(Sector.objects.order_by("order", "name"))


def milestone_choices() -> QuerySet[Milestone]:
    return Milestone.objects.filter(is_active=True).select_related("stage")


def measure_labels() -> list[tuple[str, str]]:
    return list(Measure.choices)
