"""Comparing where a task force stood at two moments: two snapshots of its
review cycle submissions, or a snapshot and today. One comparison serves the
compare page, its CSV and the PDF report's "Compared with" section; the
statewide compare (assessments/cycles/statewide.py) uses the same rules.

The rules, in words the pages repeat:
- Progress at each moment is counted by the one rule of
  assessments/core/progress.py (compute_progress): active milestones achieved, out
  of all active milestones, per stage.
- Statuses are ordered: not started < lapsed < planning < in progress <
  achieved. Lapsed ranks just above not started: it was achieved once and no
  longer holds, so achieved -> lapsed is a move back, and planning or working
  on a lapsed milestone again is a move forward.
- "Newly started": not started before, anything else after. It is counted
  there only, not as a move forward as well.
- A retired milestone is listed only if a status was recorded for it at
  either moment (progress.is_listed); it never counts towards progress.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.formats import date_format

from assessments.core.models import MilestoneStatus, Status, TaskForce
from assessments.core.progress import Progress, StageProgress, compute_progress
from assessments.cycles.models import Snapshot, SubmissionReview
from stages.models import Milestone, Stage

ORDER_RULE = (
    "Statuses are ordered not started < lapsed < planning < in progress < achieved: "
    "a move up that order is forward, a move down is back (achieved to lapsed is back). "
    "Newly started means not started before and anything else after."
)

STATUS_ORDER = {
    Status.NOT_STARTED: 0,
    Status.LAPSED: 1,
    Status.PLANNING: 2,
    Status.IN_PROGRESS: 3,
    Status.ACHIEVED: 4,
}


class Move(TextChoices):
    FORWARD = "forward", "Moved forward"
    BACK = "back", "Moved back"
    STARTED = "started", "Newly started"


def move_of(before: str, after: str) -> Move | None:
    """How a milestone moved from `before` to `after`; None if it did not."""
    if before == after:
        return None
    if before == Status.NOT_STARTED:
        return Move.STARTED
    return Move.FORWARD if STATUS_ORDER[after] > STATUS_ORDER[before] else Move.BACK


@dataclass(frozen=True)
class MilestoneMove:
    milestone: Milestone
    before: str
    after: str
    move: Move | None

    @property
    def before_label(self) -> str:
        return Status(self.before).label

    @property
    def after_label(self) -> str:
        return Status(self.after).label


@dataclass(frozen=True)
class StageComparison:
    before: StageProgress
    after: StageProgress
    rows: tuple[MilestoneMove, ...]

    @property
    def stage(self) -> Stage:
        return self.before.stage

    @property
    def change(self) -> int:
        """Percentage points, after minus before."""
        return self.after.percent - self.before.percent

    def _moved(self, move: Move) -> list[MilestoneMove]:
        return [row for row in self.rows if row.move == move]

    @property
    def forward(self) -> list[MilestoneMove]:
        return self._moved(Move.FORWARD)

    @property
    def back(self) -> list[MilestoneMove]:
        return self._moved(Move.BACK)

    @property
    def started(self) -> list[MilestoneMove]:
        return self._moved(Move.STARTED)


@dataclass(frozen=True)
class Comparison:
    before_label: str
    after_label: str
    before: Progress
    after: Progress
    stages: tuple[StageComparison, ...]

    @property
    def change(self) -> int:
        return self.after.percent - self.before.percent

    @property
    def moved(self) -> list[MilestoneMove]:
        return [row for stage in self.stages for row in stage.rows if row.move is not None]


def progress_of(statuses: dict[int, str], milestones: Iterable[Milestone], stages) -> Progress:
    """Progress from {milestone_id: status}, by compute_progress: `stages`
    annotated with active_total (Stage.objects.with_active_totals()). No query."""
    achieved: dict[int, int] = defaultdict(int)
    for milestone in milestones:
        if milestone.is_active and statuses.get(milestone.pk) == Status.ACHIEVED:
            achieved[milestone.stage_id] += 1
    return compute_progress(stages, achieved)


def compare_statuses(
    before: dict[int, str],
    after: dict[int, str],
    *,
    milestones: list[Milestone],
    stages: list[Stage],
    before_label: str = "",
    after_label: str = "",
) -> Comparison:
    """The comparison of two {milestone_id: status} maps (a milestone missing
    from a map is not started there). `milestones` in the guidance's order,
    `stages` with active_total. No query."""
    before_progress = progress_of(before, milestones, stages)
    after_progress = progress_of(after, milestones, stages)
    rows: dict[int, list[MilestoneMove]] = defaultdict(list)
    for milestone in milestones:
        # A retired milestone only if something was recorded for it at either moment.
        if not (milestone.is_active or milestone.pk in before or milestone.pk in after):
            continue
        old = before.get(milestone.pk, Status.NOT_STARTED)
        new = after.get(milestone.pk, Status.NOT_STARTED)
        rows[milestone.stage_id].append(MilestoneMove(milestone, old, new, move_of(old, new)))
    return Comparison(
        before_label=before_label,
        after_label=after_label,
        before=before_progress,
        after=after_progress,
        stages=tuple(
            StageComparison(before=old, after=new, rows=tuple(rows[old.stage.pk]))
            for old, new in zip(before_progress.stages, after_progress.stages, strict=True)
        ),
    )


def guidance() -> tuple[list[Milestone], list[Stage]]:
    """Every milestone (with its stage, in the guidance's order) and the
    stages with their active totals: two queries."""
    milestones = list(
        Milestone.objects.select_related("stage").order_by("stage__order", "stage__name", "order")
    )
    return milestones, list(Stage.objects.with_active_totals())


def snapshot_label(snapshot: Snapshot) -> str:
    """ "2026 annual self-assessment, version 2, submitted 3 March 2026"."""
    submitted = timezone.localtime(snapshot.changed_at).date()
    return (
        f"{snapshot.submission.cycle.title}, version {snapshot.number}, "
        f"submitted {date_format(submitted)}"
    )


def today_statuses(task_force: TaskForce) -> dict[int, str]:
    """The task force's current statuses (no row: not started). One query."""
    return dict(
        MilestoneStatus.objects.filter(task_force=task_force)
        .order_by()
        .values_list("milestone_id", "status")
    )


def compare(task_force: TaskForce, before: Snapshot, after: Snapshot | None) -> Comparison:
    """`before` against `after`, or against today when `after` is None.
    The snapshots must be the task force's (the views check it)."""
    milestones, stages = guidance()
    return compare_statuses(
        before.statuses(),
        after.statuses() if after is not None else today_statuses(task_force),
        milestones=milestones,
        stages=stages,
        before_label=snapshot_label(before),
        after_label=snapshot_label(after) if after is not None else "Today",
    )


def snapshot_for_report(task_force: TaskForce) -> Snapshot | None:
    """What the PDF report compares today with: the latest accepted
    snapshot, else the latest submitted one that was not returned."""
    return (
        Snapshot.objects.latest_accepted_for(task_force)
        or Snapshot.objects.for_task_force(task_force)
        .exclude(reviews__decision=SubmissionReview.Decision.RETURNED)
        .first()
    )


def report_comparison(task_force: TaskForce) -> Comparison | None:
    snapshot = snapshot_for_report(task_force)
    return compare(task_force, snapshot, None) if snapshot is not None else None


COMPARE_COLUMNS = [
    "stage",
    "stage_progress_before",
    "stage_progress_after",
    "stage_change_points",
    "milestone",
    "milestone_name",
    "status_before",
    "status_after",
    "change",
]


def compare_rows(comparison: Comparison) -> Iterator[dict]:
    """One row per listed milestone, its stage's progress beside it; the
    change column is blank for a milestone that did not move."""
    for stage in comparison.stages:
        for row in stage.rows:
            yield {
                "stage": stage.stage.name,
                "stage_progress_before": stage.before.percent,
                "stage_progress_after": stage.after.percent,
                "stage_change_points": stage.change,
                "milestone": row.milestone.slug,
                "milestone_name": row.milestone.name,
                "status_before": row.before,
                "status_after": row.after,
                "change": row.move.label if row.move else "",
            }
