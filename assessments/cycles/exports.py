"""A submission's plan for the next cycle, as XLSX and PDF, for grant
applications and sustainability plans: each target milestone with its owner
and due date, its status when submitted and today, and, once the task force
has handed in to a later cycle, whether it was met there.

Met means achieved in the task force's latest version handed in (submitted
or accepted) to the next cycle by due date; until there is one, the plan
shows today's status and "met" stays blank."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from assessments.common import sheets
from assessments.common.sheets import Column
from assessments.core.models import Status
from assessments.cycles.compare import snapshot_label, today_statuses
from assessments.cycles.models import HANDED_IN, PlanItem, Snapshot
from stages.models import Milestone

# The rows' keys, and the XLSX's labels, widths and kinds (common/sheets.py).
PLAN_SHEET = [
    Column("task_force", "Task force", 28),
    Column("cycle", "Review cycle", 28),
    Column("version", "Version", 9, sheets.NUMBER),
    Column("stage", "Stage", 22),
    Column("milestone", "Milestone code", 20),
    Column("milestone_name", "Milestone", 40),
    Column("owner", "Owner", 26),
    Column("due_on", "Due", 13, sheets.DATE),
    Column("status_when_submitted", "Status when submitted", 15),
    Column("status_today", "Status today", 13),
    Column("next_cycle", "Next cycle", 28),
    Column("met_at_next_cycle", "Met at the next cycle", 13),
]
PLAN_COLUMNS = sheets.keys(PLAN_SHEET)

MET_RULE = (
    "Met: achieved in the task force's latest version handed in to the next "
    "review cycle. Until it hands one in, only today's status is shown."
)


def next_cycle_snapshot(snapshot: Snapshot) -> Snapshot | None:
    """The task force's latest version handed in to the first cycle due
    after this snapshot's. One query."""
    cycle = snapshot.submission.cycle
    return (
        Snapshot.objects.filter(
            submission__task_force_id=snapshot.submission.task_force_id,
            submission__state__in=HANDED_IN,
            submission__cycle__due_on__gt=cycle.due_on,
        )
        .select_related("submission__cycle")
        .order_by("submission__cycle__due_on", "submission__cycle_id", "-number")
        .first()
    )


@dataclass(frozen=True)
class PlanLine:
    item: PlanItem
    submitted_status: str
    today_status: str
    next_status: str | None

    @property
    def milestone(self) -> Milestone:
        return self.item.milestone

    @property
    def met(self) -> bool | None:
        """None until the next cycle has a version handed in."""
        return None if self.next_status is None else self.next_status == Status.ACHIEVED

    @property
    def submitted_label(self) -> str:
        return Status(self.submitted_status).label

    @property
    def today_label(self) -> str:
        return Status(self.today_status).label


@dataclass(frozen=True)
class Plan:
    snapshot: Snapshot
    label: str
    lines: list[PlanLine]
    next_snapshot: Snapshot | None

    @property
    def next_label(self) -> str:
        return snapshot_label(self.next_snapshot) if self.next_snapshot else ""


def plan_for(snapshot: Snapshot) -> Plan:
    """The plan of `snapshot` (its submission, cycle and task force loaded)
    with the outcomes: five queries."""
    submitted = snapshot.statuses()
    today = today_statuses(snapshot.submission.task_force)
    later = next_cycle_snapshot(snapshot)
    next_statuses = later.statuses() if later is not None else None
    lines = [
        PlanLine(
            item=item,
            submitted_status=submitted.get(item.milestone_id, Status.NOT_STARTED),
            today_status=today.get(item.milestone_id, Status.NOT_STARTED),
            next_status=(
                next_statuses.get(item.milestone_id, Status.NOT_STARTED)
                if next_statuses is not None
                else None
            ),
        )
        for item in snapshot.plan()
    ]
    return Plan(snapshot=snapshot, label=snapshot_label(snapshot), lines=lines, next_snapshot=later)


def plan_rows(plan: Plan) -> Iterator[dict]:
    task_force = plan.snapshot.submission.task_force
    for line in plan.lines:
        met = line.met
        yield {
            "task_force": task_force.name,
            "cycle": plan.snapshot.submission.cycle.title,
            "version": plan.snapshot.number,
            "stage": line.milestone.stage.name,
            "milestone": line.milestone.slug,
            "milestone_name": line.milestone.name,
            "owner": line.item.owner,
            "due_on": line.item.due_on,
            "status_when_submitted": line.submitted_label,
            "status_today": line.today_label,
            "next_cycle": plan.next_label,
            "met_at_next_cycle": "" if met is None else ("met" if met else "not met"),
        }


def plan_context(plan: Plan) -> dict:
    return {
        "plan": plan,
        "task_force": plan.snapshot.submission.task_force,
        "today": timezone.localdate(),
        "met_rule": MET_RULE,
    }
