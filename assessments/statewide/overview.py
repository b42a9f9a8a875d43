"""Reads for the statewide pages: the matrix of every task force against
every milestone, and the gaps. Query counts do not depend on the number of
task forces (tests/statewide/test_overview.py pins them)."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from assessments.core import hooks
from assessments.core.models import Area, MilestoneStatus, Status, TaskForce
from assessments.core.progress import Progress, compute_progress
from assessments.core.selectors import MATRIX_PAGE_SIZE, regions  # noqa: F401  (overview.regions)
from stages.models import Milestone, Stage


@dataclass(frozen=True)
class MatrixRow:
    task_force: TaskForce
    statuses: list[str]
    # Over the stages shown, by the one progress rule (assessments.core.progress).
    progress: Progress
    # Per milestone: achieved with at least one checked piece of evidence.
    evidence_checked: list[bool] = field(default_factory=list)

    @property
    def achieved(self) -> int:
        return self.progress.achieved

    @property
    def total(self) -> int:
        return self.progress.total


@dataclass(frozen=True)
class Matrix:
    stages: list[Stage]
    milestones: list[Milestone]
    rows: list[MatrixRow]
    page: Page


def matrix(
    task_forces: QuerySet[TaskForce],
    *,
    region: str = "",
    stage_slug: str = "",
    sort: str = "name",
    page_number=None,
) -> Matrix:
    """Task forces (a page of them) against the active milestones, optionally
    one region and one stage; sorted by name or by overall progress."""
    stages = list(Stage.objects.with_active_totals())
    shown_stages = [s for s in stages if s.slug == stage_slug] or stages
    milestones = list(
        Milestone.objects.active().filter(stage__in=shown_stages).select_related("stage")
    )
    rows = task_forces.filter(region=region) if region else task_forces
    if sort == "progress":
        # One query for the page: the achieved count is a correlated subquery,
        # so the paginator's COUNT stays a plain count of task forces. Every
        # row shares one total (the active milestones shown), so most achieved
        # first is also highest Progress.percent first, as the rows show it.
        achieved_here = (
            MilestoneStatus.objects.filter(
                task_force=OuterRef("pk"), status=Status.ACHIEVED, milestone__in=milestones
            )
            .order_by()
            .values("task_force")
            .annotate(n=Count("pk"))
            .values("n")
        )
        ordered = rows.alias(achieved=Coalesce(Subquery(achieved_here), 0)).order_by(
            "-achieved", "name"
        )
    else:
        ordered = rows.order_by("name")
    page = Paginator(ordered, MATRIX_PAGE_SIZE).get_page(page_number)
    stage_of = {m.pk: m.stage_id for m in milestones}
    cells: dict[tuple[int, int], str] = {}
    achieved: dict[int, Counter[int]] = defaultdict(Counter)
    for tf_id, m_id, status in (
        MilestoneStatus.objects.filter(
            task_force__in=[tf.pk for tf in page.object_list], milestone__in=milestones
        )
        .order_by()
        .values_list("task_force_id", "milestone_id", "status")
    ):
        cells[tf_id, m_id] = status
        if status == Status.ACHIEVED:
            achieved[tf_id][stage_of[m_id]] += 1
    checked = hooks.checked_cells([tf.pk for tf in page.object_list], [m.pk for m in milestones])
    return Matrix(
        stages=shown_stages,
        milestones=milestones,
        rows=[
            MatrixRow(
                task_force=tf,
                statuses=[cells.get((tf.pk, m.pk), Status.NOT_STARTED) for m in milestones],
                progress=compute_progress(shown_stages, achieved[tf.pk]),
                evidence_checked=[
                    cells.get((tf.pk, m.pk)) == Status.ACHIEVED and (tf.pk, m.pk) in checked
                    for m in milestones
                ],
            )
            for tf in page.object_list
        ],
        page=page,
    )


@dataclass(frozen=True)
class Gap:
    milestone: Milestone
    achieved: int
    working: int
    lapsed: int
    not_started: int
    # Achieved, with no evidence at all: a claim nothing backs yet.
    achieved_without_evidence: int = 0

    @property
    def lacking(self) -> int:
        return self.working + self.lapsed + self.not_started


def gaps(task_forces: QuerySet[TaskForce], *, region: str = "") -> tuple[int, list[Gap]]:
    """For each active milestone: how many task forces have achieved it, are
    working on it (planning or in progress), have lapsed, have not started.
    The milestones most task forces lack come first."""
    scope = task_forces.filter(region=region) if region else task_forces
    count = scope.count()
    statuses = MilestoneStatus.objects.filter(milestone__is_active=True)
    if region or scope.query.where:
        # Only narrow by task force when the scope is narrower than all:
        # the IN (subquery) costs a join over every status.
        statuses = statuses.filter(task_force__in=scope)
    tally: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for milestone_id, status, n in (
        statuses.order_by().values_list("milestone_id", "status").annotate(n=Count("pk"))
    ):
        tally[milestone_id][status] = n
    unbacked = hooks.achieved_without_evidence(statuses)
    result = []
    for milestone in Milestone.objects.active().select_related("stage"):
        counts = tally[milestone.pk]
        achieved = counts[Status.ACHIEVED]
        working = counts[Status.PLANNING] + counts[Status.IN_PROGRESS]
        lapsed = counts[Status.LAPSED]
        result.append(
            Gap(
                milestone,
                achieved,
                working,
                lapsed,
                count - achieved - working - lapsed,
                unbacked.get(milestone.pk, 0),
            )
        )
    # sorted() is stable: ties stay in the guidance's order.
    return count, sorted(result, key=lambda gap: -gap.lacking)


def uncovered_counties() -> dict[str, list[Area]]:
    """Counties no task force serves, by state: where help could start one."""
    by_state: dict[str, list[Area]] = defaultdict(list)
    for area in Area.objects.filter(kind=Area.Kind.COUNTY, task_forces__isnull=True).order_by(
        "state", "name"
    ):
        by_state[area.state].append(area)
    return dict(by_state)


@dataclass(frozen=True)
class CountyList:
    """How many of a state's counties the county list holds."""

    state: str
    loaded: int
    # How many the Census lists for the state; None for a state it does not know.
    in_census: int | None

    @property
    def complete(self) -> bool:
        return self.in_census is not None and self.loaded >= self.in_census


@functools.cache
def census_county_counts() -> dict[str, int]:
    """State postal code -> its number of counties in the Census file shipped
    in fixtures/census (read once per process: it changes only with a deploy)."""
    from assessments.common import census

    states = census.read_states(census.CENSUS_DIR / census.STATES_FILE)
    counties = census.read_counties(census.CENSUS_DIR / census.COUNTIES_FILE)
    return {postal: len(counties.get(statefp, [])) for postal, statefp in states.items()}


def county_list() -> list[CountyList]:
    """Which states' counties are in the county list, and how completely: the
    coverage gaps are only as good as the list."""
    census = census_county_counts()
    loaded = (
        Area.objects.filter(kind=Area.Kind.COUNTY)
        .order_by("state")
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    return [CountyList(state, n, census.get(state)) for state, n in loaded]
