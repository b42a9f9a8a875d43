"""Reading the change history: the timeline pages and the history export
share this, so they filter the same way."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from assessments.models import StatusChange, TaskForce
from stages.models import Milestone, Stage


def history_for(
    task_forces: QuerySet[TaskForce],
    *,
    milestone: Milestone | None = None,
    stage_slug: str | None = None,
    person_id: int | None = None,
) -> QuerySet[StatusChange]:
    """Changes of the given task forces, newest first, optionally narrowed to
    one milestone, one stage (by slug) or one person (by user id). A stage or
    person with no changes matches nothing rather than everything."""
    changes = StatusChange.objects.filter(task_force__in=task_forces).for_timeline()
    if milestone is not None:
        changes = changes.filter(milestone=milestone)
    if stage_slug:
        changes = changes.filter(milestone__stage__slug=stage_slug)
    if person_id:
        changes = changes.filter(changed_by_id=person_id)
    return changes


def people_who_changed(task_forces: QuerySet[TaskForce]):
    """The accounts that appear in these task forces' history, for the filter."""
    ids = StatusChange.objects.filter(task_force__in=task_forces).values("changed_by_id")
    return get_user_model().objects.filter(pk__in=ids).order_by("username")


def stages() -> QuerySet[Stage]:
    return Stage.objects.order_by("order")
