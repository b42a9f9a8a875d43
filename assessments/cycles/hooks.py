"""The review cycles' answers to core's questions (core/hooks.py), and
their reminder: imported by AssessmentsConfig.ready()."""

from __future__ import annotations

import datetime

from django.dispatch import receiver

from assessments.core import hooks
from assessments.core.reminders import CoordinatorMap, Item, Kind, collector, fan_out, path_template
from assessments.cycles import compare
from assessments.cycles.models import CycleSubmission

CYCLE_DUE_DAYS = 14


@receiver(hooks.statuses_saved, dispatch_uid="cycles.mark_started")
def _statuses_saved(*, task_force_ids, **kwargs) -> None:
    """A status saved is review work: in the saving transaction, the task
    forces' submissions not yet started become in progress."""
    CycleSubmission.objects.mark_started(task_force_ids)


@hooks.report_comparison.provide
def _report_comparison(task_force) -> dict:
    return {
        "comparison": compare.report_comparison(task_force),
        "compare_order_rule": compare.ORDER_RULE,
    }


@collector(Kind.CYCLE_DUE)
def cycle_due_items(today: datetime.date, coordinators: CoordinatorMap) -> list[Item]:
    """Review cycle submissions still waiting on the task force (not handed
    in, cycle not closed) due in the next CYCLE_DUE_DAYS days, and late ones
    (the cycles' one rule, late_q)."""
    rows = (
        CycleSubmission.objects.open_for_work()
        .filter(cycle__due_on__lte=today + datetime.timedelta(days=CYCLE_DUE_DAYS))
        .with_late(today)
        .values(
            "pk",
            "task_force_id",
            "task_force__name",
            "task_force__slug",
            "cycle_id",
            "cycle__title",
            "cycle__due_on",
            "late",
        )
    )
    submission_path = path_template("assessments:cycle_submission", "int", "slug")
    items = []
    for row in rows:
        occasion = "overdue" if row["late"] else "soon"
        items += fan_out(
            coordinators,
            row["task_force_id"],
            kind=Kind.CYCLE_DUE,
            key=f"cycle_due:{row['pk']}:{row['cycle__due_on']}:{occasion}",
            task_force_name=row["task_force__name"],
            name=row["cycle__title"],
            date=row["cycle__due_on"],
            occasion=occasion,
            path=submission_path(row["cycle_id"], row["task_force__slug"]),
        )
    return items
