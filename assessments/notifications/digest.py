"""The weekly statewide digest for program managers: what changed in the
seven days before the run day, in a constant number of queries.

- milestones achieved and lapsed (status changes into those statuses, from
  the history), with the task forces' names;
- task forces whose working stage changed: the working stage (the one rule,
  assessments.core.progress) at the start of the week against today's. Only task
  forces with a status change in the week can have moved; a milestone
  retired or added in the week is counted as it is now;
- help requests open now (not closed), by state, with the task forces' names.

Names and counts only: no notes, no help-request text.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from assessments.core import hooks
from assessments.core.models import MilestoneStatus, Status, StatusChange
from assessments.core.progress import compute_progress
from assessments.core.reminders import NAMES_LISTED, Names, names_of  # noqa: F401  (digest.Names)
from stages.models import Stage

DAYS = 7


@dataclass(frozen=True)
class StageMove:
    task_force_name: str
    before: str
    after: str


@dataclass
class Digest:
    start: datetime.date
    end: datetime.date
    achieved: Names
    lapsed: Names
    stage_moves: list[StageMove]
    stage_moves_more: int
    overview_path: str
    # Open help requests statewide (help/selectors.py, through core.hooks).
    help_requests: object


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def weekly_digest(today: datetime.date) -> Digest:
    """The week is the DAYS days before `today` (today excluded: the run of
    the configured weekday covers the week that ended the night before)."""
    start = today - datetime.timedelta(days=DAYS)
    changes = list(
        StatusChange.objects.filter(
            changed_at__gte=_local_midnight(start), changed_at__lt=_local_midnight(today)
        )
        .order_by("changed_at", "pk")
        .values("task_force_id", "task_force__name", "milestone_id", "old_status", "new_status")
    )
    achieved_count = lapsed_count = 0
    achieved_names: set[str] = set()
    lapsed_names: set[str] = set()
    # Each milestone's status at the start of the week: its first change's old status.
    at_start: dict[tuple[int, int], str] = {}
    names: dict[int, str] = {}
    for change in changes:
        names[change["task_force_id"]] = change["task_force__name"]
        at_start.setdefault((change["task_force_id"], change["milestone_id"]), change["old_status"])
        if change["old_status"] == change["new_status"]:
            continue
        if change["new_status"] == Status.ACHIEVED:
            achieved_count += 1
            achieved_names.add(change["task_force__name"])
        elif change["new_status"] == Status.LAPSED:
            lapsed_count += 1
            lapsed_names.add(change["task_force__name"])

    moves = _stage_moves(names, at_start) if changes else []
    return Digest(
        start=start,
        end=today - datetime.timedelta(days=1),
        achieved=names_of(achieved_count, achieved_names),
        lapsed=names_of(lapsed_count, lapsed_names),
        stage_moves=moves[:NAMES_LISTED],
        stage_moves_more=max(0, len(moves) - NAMES_LISTED),
        overview_path=reverse("assessments:overview"),
        help_requests=hooks.open_help_summary(),
    )


def _stage_moves(names: dict[int, str], at_start: dict[tuple[int, int], str]) -> list[StageMove]:
    """Working stage then and now of the task forces in `names`: two queries."""
    stages = list(Stage.objects.with_active_totals())
    now: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    then: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = MilestoneStatus.objects.filter(
        task_force_id__in=list(names), milestone__is_active=True
    ).values_list("task_force_id", "milestone_id", "milestone__stage_id", "status")
    for task_force_id, milestone_id, stage_id, status in rows:
        if status == Status.ACHIEVED:
            now[task_force_id][stage_id] += 1
        if at_start.get((task_force_id, milestone_id), status) == Status.ACHIEVED:
            then[task_force_id][stage_id] += 1
    moves = []
    for task_force_id, name in names.items():
        before = compute_progress(stages, then[task_force_id]).working_stage
        after = compute_progress(stages, now[task_force_id]).working_stage
        if before != after and before is not None and after is not None:
            moves.append(StageMove(task_force_name=name, before=before.name, after=after.name))
    return sorted(moves, key=lambda move: move.task_force_name)
