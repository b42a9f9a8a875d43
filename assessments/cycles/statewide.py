"""The statewide compare of two review cycles: which task forces moved
forward or back, the milestones gained and lost across the state, and each
task force's working stage then and now. Counted by the rules of
assessments/cycles/compare.py and assessments/core/progress.py, in four queries
whatever the number of task forces."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from assessments.core.models import Status, TaskForce
from assessments.core.progress import Progress
from assessments.cycles.compare import guidance, progress_of
from assessments.cycles.models import HANDED_IN, ReviewCycle, Snapshot, SnapshotMilestone
from stages.models import Milestone, Stage

SNAPSHOT_RULE = (
    "Each task force is compared by its latest version handed in to each cycle "
    "(submitted or accepted; a returned version is not counted). Task forces "
    "without one in both cycles are left out."
)


@dataclass(frozen=True)
class TaskForceMove:
    task_force: TaskForce
    before: Progress
    after: Progress
    before_snapshot: Snapshot
    after_snapshot: Snapshot

    @property
    def change(self) -> int:
        """Percentage points of all milestones, after minus before."""
        return self.after.percent - self.before.percent

    @property
    def direction(self) -> str:
        if self.change > 0:
            return "forward"
        return "back" if self.change < 0 else ""

    @property
    def stage_then(self) -> Stage | None:
        return self.before.working_stage

    @property
    def stage_now(self) -> Stage | None:
        return self.after.working_stage


@dataclass(frozen=True)
class MilestoneTally:
    """How many task forces achieved a milestone by the later cycle that had
    not by the earlier one (gained), and the other way round (lost: lapsed,
    or set back)."""

    milestone: Milestone
    gained: int
    lost: int

    @property
    def net(self) -> int:
        return self.gained - self.lost


@dataclass(frozen=True)
class StageTally:
    stage: Stage
    then: int
    now: int


@dataclass(frozen=True)
class StatewideComparison:
    from_cycle: ReviewCycle
    to_cycle: ReviewCycle
    rows: list[TaskForceMove]
    milestones: list[MilestoneTally]
    stages: list[StageTally]
    # Task forces handed in to one of the two cycles only (left out above).
    in_one_only: int

    def _count(self, direction: str) -> int:
        return sum(1 for row in self.rows if row.direction == direction)

    @property
    def forward(self) -> int:
        return self._count("forward")

    @property
    def back(self) -> int:
        return self._count("back")

    @property
    def unchanged(self) -> int:
        return self._count("")


def latest_handed_in(cycles: list[ReviewCycle]) -> dict[tuple[int, int], Snapshot]:
    """{(cycle id, task force id): snapshot}: the latest version of each
    submission handed in (submitted or accepted). One query."""
    latest: dict[tuple[int, int], Snapshot] = {}
    snapshots = (
        Snapshot.objects.filter(
            submission__cycle__in=[cycle.pk for cycle in cycles], submission__state__in=HANDED_IN
        )
        .select_related("submission__task_force")
        .order_by("submission_id", "-number")
    )
    for snapshot in snapshots:
        key = (snapshot.submission.cycle_id, snapshot.submission.task_force_id)
        latest.setdefault(key, snapshot)
    return latest


def compare_cycles(from_cycle: ReviewCycle, to_cycle: ReviewCycle) -> StatewideComparison:
    latest = latest_handed_in([from_cycle, to_cycle])
    before = {tf: s for (cycle, tf), s in latest.items() if cycle == from_cycle.pk}
    after = {tf: s for (cycle, tf), s in latest.items() if cycle == to_cycle.pk}
    both = before.keys() & after.keys()
    statuses: dict[int, dict[int, str]] = defaultdict(dict)
    wanted = [before[tf].pk for tf in both] + [after[tf].pk for tf in both]
    for snapshot_id, milestone_id, status in (
        SnapshotMilestone.objects.filter(snapshot_id__in=wanted)
        .order_by()
        .values_list("snapshot_id", "milestone_id", "status")
    ):
        statuses[snapshot_id][milestone_id] = status
    milestones, stages = guidance()
    rows = []
    gained: dict[int, int] = defaultdict(int)
    lost: dict[int, int] = defaultdict(int)
    for tf in both:
        old, new = statuses[before[tf].pk], statuses[after[tf].pk]
        rows.append(
            TaskForceMove(
                task_force=after[tf].submission.task_force,
                before=progress_of(old, milestones, stages),
                after=progress_of(new, milestones, stages),
                before_snapshot=before[tf],
                after_snapshot=after[tf],
            )
        )
        for milestone in milestones:
            was = old.get(milestone.pk) == Status.ACHIEVED
            is_now = new.get(milestone.pk) == Status.ACHIEVED
            if is_now and not was:
                gained[milestone.pk] += 1
            elif was and not is_now:
                lost[milestone.pk] += 1
    # Biggest moves forward first, then back last; by name within a change.
    rows.sort(key=lambda row: (-row.change, row.task_force.name))
    then: dict[int, int] = defaultdict(int)
    now: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.stage_then is not None:
            then[row.stage_then.pk] += 1
        if row.stage_now is not None:
            now[row.stage_now.pk] += 1
    return StatewideComparison(
        from_cycle=from_cycle,
        to_cycle=to_cycle,
        rows=rows,
        milestones=[
            MilestoneTally(milestone, gained[milestone.pk], lost[milestone.pk])
            for milestone in milestones
            if milestone.is_active or gained[milestone.pk] or lost[milestone.pk]
        ],
        stages=[StageTally(stage, then[stage.pk], now[stage.pk]) for stage in stages],
        in_one_only=len(before.keys() ^ after.keys()),
    )
