"""Progress through the stages: the one place it is computed.

Every page that shows progress (dashboard, task force page, partner page)
gets it from `progress_for`, so they can never disagree.

How it is derived, in words the UI repeats:
- A stage's progress is its active milestones that are achieved, out of all
  its active milestones. Retired milestones do not count either way.
- Lapsed is not achieved: losing a milestone lowers progress again.
- Achieving a later-stage milestone early counts in that stage at once;
  stages are never gates.
- The working stage is the first stage, in the guidance's order, that still
  has milestones not achieved. When all are achieved it is the last stage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count

from assessments.core.models import MilestoneStatus, TaskForce
from stages.models import Milestone, Stage

WORKING_STAGE_RULE = (
    "The working stage is the first stage, in the guidance's order, that still "
    "has milestones not achieved. Milestones achieved early in a later stage "
    "count there straight away, and a lapsed milestone counts as not achieved."
)


def _percent(achieved: int, total: int) -> int:
    return round(100 * achieved / total) if total else 0


@dataclass(frozen=True)
class StageProgress:
    stage: Stage
    achieved: int
    total: int

    @property
    def percent(self) -> int:
        return _percent(self.achieved, self.total)

    @property
    def is_complete(self) -> bool:
        return self.achieved >= self.total


@dataclass(frozen=True)
class Progress:
    stages: tuple[StageProgress, ...]

    @property
    def achieved(self) -> int:
        return sum(s.achieved for s in self.stages)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.stages)

    @property
    def percent(self) -> int:
        return _percent(self.achieved, self.total)

    @property
    def working_stage(self) -> Stage | None:
        counted = [s for s in self.stages if s.total]
        for stage_progress in counted:
            if not stage_progress.is_complete:
                return stage_progress.stage
        return counted[-1].stage if counted else None


def compute_progress(stages: Iterable[Stage], achieved_by_stage: dict[int, int]) -> Progress:
    """Progress from stages annotated with `active_total` (see
    StageQuerySet.with_active_totals) and achieved counts keyed by stage id."""
    return Progress(
        stages=tuple(
            StageProgress(
                stage=stage,
                achieved=achieved_by_stage.get(stage.pk, 0),
                total=stage.active_total,
            )
            for stage in stages
        )
    )


def progress_for(task_forces: Iterable[TaskForce]) -> dict[int, Progress]:
    """Progress of each task force, keyed by its id, in two queries whatever
    their number."""
    ids = [tf.pk for tf in task_forces]
    stages = list(Stage.objects.with_active_totals())
    achieved: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (
        MilestoneStatus.objects.filter(
            task_force_id__in=ids,
            status=MilestoneStatus.Status.ACHIEVED,
            milestone__is_active=True,
        )
        .order_by()  # no model ordering in the GROUP BY
        .values_list("task_force_id", "milestone__stage_id")
        .annotate(n=Count("pk"))
    )
    for task_force_id, stage_id, n in rows:
        achieved[task_force_id][stage_id] = n
    return {pk: compute_progress(stages, achieved[pk]) for pk in ids}


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    record: MilestoneStatus | None

    @property
    def status(self) -> str:
        return self.record.status if self.record else MilestoneStatus.Status.NOT_STARTED

    @property
    def status_label(self) -> str:
        return MilestoneStatus.Status(self.status).label


@dataclass(frozen=True)
class StageSection:
    progress: StageProgress
    rows: tuple[MilestoneRow, ...]

    @property
    def stage(self) -> Stage:
        return self.progress.stage


def is_listed(milestone: Milestone, record: MilestoneStatus | None) -> bool:
    """Active milestones are always listed; a retired one only if the task
    force has a status recorded for it, so nothing recorded is hidden. The
    one rule for the boards and the exports."""
    return milestone.is_active or record is not None


def _sections(
    progress: Progress,
    milestones: Iterable[Milestone],
    records: dict[int, MilestoneStatus],
) -> list[StageSection]:
    rows_by_stage: dict[int, list[MilestoneRow]] = defaultdict(list)
    for milestone in milestones:
        record = records.get(milestone.pk)
        if is_listed(milestone, record):
            rows_by_stage[milestone.stage_id].append(MilestoneRow(milestone, record))
    return [
        StageSection(progress=stage_progress, rows=tuple(rows_by_stage[stage_progress.stage.pk]))
        for stage_progress in progress.stages
    ]


def board_for(task_force: TaskForce) -> tuple[Progress, list[StageSection]]:
    """Progress and the milestones of one task force, grouped by stage
    (retired milestones as is_listed says)."""
    return boards_for([task_force])[task_force.pk]


def boards_for(
    task_forces: Iterable[TaskForce],
) -> dict[int, tuple[Progress, list[StageSection]]]:
    """board_for of each task force, keyed by its id, in four queries
    whatever their number (the statewide report's appendix)."""
    task_forces = list(task_forces)
    progress = progress_for(task_forces)
    records: dict[int, dict[int, MilestoneStatus]] = defaultdict(dict)
    for record in (
        MilestoneStatus.objects.filter(task_force__in=[tf.pk for tf in task_forces])
        .select_related("updated_by")
        .order_by()
    ):
        records[record.task_force_id][record.milestone_id] = record
    milestones = list(Milestone.objects.select_related("stage").prefetch_related("resources"))
    return {
        tf.pk: (progress[tf.pk], _sections(progress[tf.pk], milestones, records[tf.pk]))
        for tf in task_forces
    }


def board_from(
    milestones: list[Milestone], records: dict[int, MilestoneStatus]
) -> tuple[Progress, list[StageSection]]:
    """The same board as board_for, from what a caller already holds: every
    milestone with its stage, in the guidance's order, and one task force's
    records by milestone id. No query: the reply to an in-place save has both.

    It counts by the rule above (active milestones, achieved ones of them);
    tests/core/test_progress.py holds it equal to board_for.
    """
    stages: dict[int, Stage] = {}
    totals: dict[int, int] = defaultdict(int)
    achieved: dict[int, int] = defaultdict(int)
    for milestone in milestones:
        stages.setdefault(milestone.stage_id, milestone.stage)
        if milestone.is_active:
            totals[milestone.stage_id] += 1
            record = records.get(milestone.pk)
            if record is not None and record.status == MilestoneStatus.Status.ACHIEVED:
                achieved[milestone.stage_id] += 1
    for stage in stages.values():
        stage.active_total = totals[stage.pk]
    ordered = sorted(stages.values(), key=lambda stage: (stage.order, stage.name))
    progress = compute_progress(ordered, achieved)
    return progress, _sections(progress, milestones, records)
