"""What waits for one person: the pieces of the dashboard's "Needs your
attention" list and of the menu's counts.

Each feature gives its own items through a selector in its own package
(cycles, help, register) and core gives its own here; the dashboard
(assessments/pages/attention.py) puts them together, so no feature imports
another. Every selector is one query, whatever the number of task forces
or items: a list is cut at ATTENTION_LIMIT items, read as one more than it
shows so the page knows there are more.

A coordinator's items are those of the task forces they coordinate (not
those they may only read); the state program's (program managers and
staff) are statewide.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.urls import reverse

from assessments.core.models import MilestoneStatus, TaskForce

ATTENTION_LIMIT = 10
# A review cycle is on the coordinator's list from this many days before it is due.
CYCLE_DUE_WITHIN_DAYS = 30


@dataclass(frozen=True)
class AttentionItem:
    """One line: what waits (`text`), where it is done (`url`), and a detail
    such as the due date or how long it has waited."""

    text: str
    url: str
    detail: str = ""
    # For the screen reader and the eye alike: "Late", "Returned", "New reply".
    flag: str = ""


@dataclass(frozen=True)
class AttentionGroup:
    """Items of one kind, at most ATTENTION_LIMIT of them; `more_url` lists
    them all when there were more."""

    key: str
    title: str
    items: tuple[AttentionItem, ...]
    more: bool = False
    more_url: str = ""


def group(
    key: str, title: str, items: list[AttentionItem], *, more_url: str = ""
) -> AttentionGroup:
    """A group from up to ATTENTION_LIMIT + 1 items (the extra one says there are more)."""
    return AttentionGroup(
        key=key,
        title=title,
        items=tuple(items[:ATTENTION_LIMIT]),
        more=len(items) > ATTENTION_LIMIT,
        more_url=more_url,
    )


def coordinated_by(user) -> QuerySet[TaskForce]:
    """The task forces `user` coordinates, as a subquery (no query of its own)."""
    return TaskForce.objects.filter(coordinators=user).values("pk")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def review_due_group(user, today: datetime.date) -> AttentionGroup:
    """Per task force the user coordinates, how many achieved milestones are
    due for review (MilestoneStatusQuerySet.review_due): one line each."""
    rows = list(
        MilestoneStatus.objects.filter(
            task_force__in=coordinated_by(user), milestone__is_active=True
        )
        .review_due(today)
        .order_by()
        .values("task_force__slug", "task_force__name")
        .annotate(n=Count("pk"))
        .order_by("task_force__name")[: ATTENTION_LIMIT + 1]
    )
    return group(
        "review_due",
        "Milestones due for review",
        [
            AttentionItem(
                text=f"{row['task_force__name']}: "
                + _plural(row["n"], "milestone due for review", "milestones due for review"),
                url=reverse("assessments:task_force", args=[row["task_force__slug"]])
                + "#review-heading",
                detail="Achieved, not confirmed for a year",
            )
            for row in rows
        ],
    )


def without_coordinator() -> QuerySet[TaskForce]:
    """Task forces with no active coordinator: nobody keeps their record."""
    active = get_user_model().objects.filter(coordinated_task_forces=OuterRef("pk"), is_active=True)
    return TaskForce.objects.filter(~Exists(active))


def without_coordinator_group(*, can_invite: bool) -> AttentionGroup:
    """For the state program: where to find someone. Staff are sent to the
    team page (they invite); program managers to the task force's page."""
    task_forces = list(
        without_coordinator().order_by("name").values("slug", "name")[: ATTENTION_LIMIT + 1]
    )
    target = "assessments:team" if can_invite else "assessments:task_force"
    return group(
        "no_coordinator",
        "Task forces with no coordinator",
        [
            AttentionItem(
                text=f"{row['name']} has no coordinator",
                url=reverse(target, args=[row["slug"]]),
                detail="Invite one from its team page" if can_invite else "",
            )
            for row in task_forces
        ],
        more_url=reverse("assessments:overview"),
    )
