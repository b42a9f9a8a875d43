"""Reads for the statewide partner register pages: the sector x task force
matrix, the MOUs expiring (and recently expired) across the state, and the
sectors most task forces lack. Each is a fixed number of aggregate queries,
whatever the number of task forces (tests/register/test_register_overview.py pins
them). The MOU state of an agency always comes from
PartnerAgencyQuerySet.with_mou_state, the register's one rule."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from assessments.core.models import TaskForce
from assessments.core.selectors import MATRIX_PAGE_SIZE
from assessments.register.models import MouState, MouStatus, PartnerAgency, Sector

EXPIRY_PAGE_SIZE = 100


@dataclass(frozen=True)
class Presence:
    """One cell of the sector matrix. Letter and colour class both say it,
    so it reads without colour (and the class is the milestone matrix's)."""

    value: str
    letter: str
    label: str
    css: str


MOU_IN_FORCE = Presence("mou", "M", "Active partner with a signed MOU in force", "status-achieved")
ACTIVE_NO_MOU = Presence("active", "A", "Active partner, no MOU in force", "status-in_progress")
NO_PARTNER = Presence("none", "–", "No active partner", "status-not_started")
PRESENCES = (MOU_IN_FORCE, ACTIVE_NO_MOU, NO_PARTNER)


@dataclass(frozen=True)
class SectorMatrixRow:
    task_force: TaskForce
    cells: list[Presence]

    @property
    def covered(self) -> int:
        return sum(1 for cell in self.cells if cell is not NO_PARTNER)

    @property
    def with_mou(self) -> int:
        return sum(1 for cell in self.cells if cell is MOU_IN_FORCE)


@dataclass(frozen=True)
class SectorMatrix:
    sectors: list[Sector]
    rows: list[SectorMatrixRow]
    page: Page


def sector_matrix(
    task_forces: QuerySet[TaskForce],
    *,
    region: str = "",
    page_number=None,
    today: datetime.date | None = None,
) -> SectorMatrix:
    """A page of task forces (by name) against every sector: whether the task
    force has an active agency in the sector, and whether one of them has an
    MOU in force (current or expiring: it still holds). Four queries: the
    sectors, the paginator's count, the page, and one aggregate of the page's
    agencies by task force and sector."""
    sectors = list(Sector.objects.all())
    rows = task_forces.filter(region=region) if region else task_forces
    page = Paginator(rows.order_by("name"), MATRIX_PAGE_SIZE).get_page(page_number)
    ids = [task_force.pk for task_force in page.object_list]
    in_force: dict[tuple[int, int], bool] = {}
    for task_force_id, sector_id, holding in (
        PartnerAgency.objects.active()
        .with_mou_state(today)
        .filter(task_force_id__in=ids)
        .order_by()
        .values("task_force_id", "sector_id")
        .annotate(holding=Count("pk", filter=Q(mou_state__in=MouState.in_force())))
        .values_list("task_force_id", "sector_id", "holding")
    ):
        in_force[task_force_id, sector_id] = holding > 0
    return SectorMatrix(
        sectors=sectors,
        rows=[
            SectorMatrixRow(
                task_force=task_force,
                cells=[_presence(in_force.get((task_force.pk, sector.pk))) for sector in sectors],
            )
            for task_force in page.object_list
        ],
        page=page,
    )


def _presence(in_force: bool | None) -> Presence:
    if in_force is None:
        return NO_PARTNER
    return MOU_IN_FORCE if in_force else ACTIVE_NO_MOU


@dataclass(frozen=True)
class MouDue:
    """An active agency's MOU that expires soon or expired lately: plain
    values, so a list of them caches small."""

    task_force_name: str
    task_force_slug: str
    region: str
    agency_name: str
    sector_name: str
    renews_on: datetime.date
    # Days from today to the renewal date: 0 is today, negative is past.
    days: int
    covers_data_sharing: bool

    @property
    def days_ago(self) -> int:
        return -self.days


@dataclass(frozen=True)
class MouDueLists:
    today: datetime.date
    window_days: int
    # Soonest first.
    expiring: list[MouDue]
    # Most recently expired first.
    expired: list[MouDue]


def mous_due(*, region: str = "", today: datetime.date | None = None) -> MouDueLists:
    """Every active agency's MOU, across the state (or a region), that is
    expiring (renewal date from today to today + the window, both included)
    or expired with a renewal date no more than the window's days ago. One
    query; both lists together are bounded by the agencies whose renewal
    date falls within the window on either side of today."""
    today = today or timezone.localdate()
    window = settings.REGISTER_EXPIRY_WINDOW_DAYS
    span = datetime.timedelta(days=window)
    agencies = (
        PartnerAgency.objects.active()
        .filter(
            mou_status__in=[MouStatus.SIGNED, MouStatus.EXPIRED],
            mou_renews_on__gte=today - span,
            mou_renews_on__lte=today + span,
        )
        .with_mou_state(today)
        .filter(mou_state__in=[MouState.EXPIRING, MouState.EXPIRED])
        .select_related("task_force", "sector")
        .order_by("mou_renews_on", "task_force__name", "name")
    )
    if region:
        agencies = agencies.filter(task_force__region=region)
    expiring, expired = [], []
    for agency in agencies:
        due = MouDue(
            task_force_name=agency.task_force.name,
            task_force_slug=agency.task_force.slug,
            region=agency.task_force.region,
            agency_name=agency.name,
            sector_name=agency.sector.name,
            renews_on=agency.mou_renews_on,
            days=(agency.mou_renews_on - today).days,
            covers_data_sharing=agency.mou_covers_data_sharing,
        )
        (expiring if agency.mou_state == MouState.EXPIRING else expired).append(due)
    expired.reverse()
    return MouDueLists(today=today, window_days=window, expiring=expiring, expired=expired)


def page_of(items: list, page_number) -> Page:
    return Paginator(items, EXPIRY_PAGE_SIZE).get_page(page_number)


@dataclass(frozen=True)
class SectorGap:
    sector: Sector
    # Task forces with at least one active agency in the sector.
    covered: int
    lacking: int
    # Of the task forces counted, in percent, rounded.
    lacking_percent: int


def sector_gaps(*, region: str = "") -> tuple[int, list[SectorGap]]:
    """For each sector: how many task forces (of the state or a region) have
    an active agency in it and how many lack one; the sectors most lack
    first, ties in the sectors' order. Three queries."""
    task_forces = TaskForce.objects.filter(region=region) if region else TaskForce.objects.all()
    count = task_forces.count()
    agencies = PartnerAgency.objects.active()
    if region:
        agencies = agencies.filter(task_force__region=region)
    covered = dict(
        agencies.order_by()
        .values("sector_id")
        .annotate(n=Count("task_force_id", distinct=True))
        .values_list("sector_id", "n")
    )
    gaps = []
    for sector in Sector.objects.all():
        has = covered.get(sector.pk, 0)
        lacking = count - has
        percent = round(100 * lacking / count) if count else 0
        gaps.append(SectorGap(sector, has, lacking, percent))
    # sorted() is stable: ties stay in the sectors' order.
    return count, sorted(gaps, key=lambda gap: -gap.lacking)
