"""The report pack: what the task forces did in a period, for the twice-yearly
federal report, per task force and statewide.

It reads three features (activity, register, core's status history), so it
lives here, in the top layer. One table per measure, task forces (or
regions) as rows, categories as columns, with totals.

Numbers that leave a task force are suppressed (assessments/common/
suppression.py). So that nothing can be had by subtraction, a calendar
period is suppressed with its whole family, the same whatever period is
asked for: the year's four quarters, two halves and the year, each by task
force and by region, linked (a half-year is its two quarters, the year its
two halves, a region its task forces). A task force's own pack, for those
who may edit it, is not suppressed.

A fixed number of queries, whatever the number of task forces or entries.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum

from assessments.activity.models import ActivityCount, ActivityEntry, ActivityKind, Measure
from assessments.common.suppression import TOTAL, Link, marker, suppress_linked
from assessments.core.models import Sector, Status, StatusChange, TaskForce
from assessments.register.models import MouState, PartnerAgency, PartnershipType

NO_REGION = "No region"
TASK_FORCES = "task_force"
REGIONS = "region"

# -- periods ------------------------------------------------------------------

_HALF = re.compile(r"^(\d{4})-H([12])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
PERIOD_HELP = "2026-H2 (a half-year), 2026-Q3 (a quarter), 2026 (a year) or 2026-07-01..2026-09-30"


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime.date
    end: datetime.date
    # Calendar periods (quarters, halves, years) are suppressed with their
    # year's family; any other range alone.
    calendar: bool = True

    @property
    def months(self) -> range:
        return range(self.start.month, self.end.month + 1)


def _quarter(year: int, q: int) -> Period:
    start = datetime.date(year, 3 * q - 2, 1)
    end = _month_end(year, 3 * q)
    return Period(f"{year}-Q{q}", start, end)


def _half(year: int, h: int) -> Period:
    return Period(f"{year}-H{h}", datetime.date(year, 6 * h - 5, 1), _month_end(year, 6 * h))


def _year(year: int) -> Period:
    return Period(str(year), datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def _month_end(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def half_year_of(day: datetime.date) -> Period:
    return _half(day.year, 1 if day.month <= 6 else 2)


def parse_period(text: str) -> Period:
    """A period as PERIOD_HELP says; ValueError, in words, for anything else."""
    text = (text or "").strip()
    for pattern, build in ((_HALF, _half), (_QUARTER, _quarter)):
        if match := pattern.match(text):
            year = int(match[1])
            if year >= 1:
                return build(year, int(match[2]))
    if (match := _YEAR.match(text)) and int(match[1]) >= 1:
        return _year(int(match[1]))
    if match := _RANGE.match(text):
        try:
            start, end = (datetime.date.fromisoformat(match[i]) for i in (1, 2))
        except ValueError:
            raise ValueError(f"{text!r}: not a real date.") from None
        if end < start:
            raise ValueError(f"{text!r}: the period ends before it starts.")
        if (end - start).days > 366 * 5:
            raise ValueError(f"{text!r}: a period of five years at most.")
        return Period(f"{start.isoformat()} to {end.isoformat()}", start, end, calendar=False)
    raise ValueError(f"{text!r} is not a period. Use {PERIOD_HELP}.")


def period_family(period: Period) -> list[Period]:
    if not period.calendar:
        return [period]
    year = period.start.year
    return [*(_quarter(year, q) for q in range(1, 5)), _half(year, 1), _half(year, 2), _year(year)]


def _family_links(level: str, *, stock: bool = False) -> list[Link]:
    """How a year's periods add up. A count of things done in a period adds
    up (the half-year is its quarters); a count of things in place on its
    last day does not: the half-year's is its last quarter's."""
    if stock:
        return [
            Link.tables(("H1", level), [("Q2", level)]),
            Link.tables(("H2", level), [("Q4", level)]),
            Link.tables(("Y", level), [("H2", level)]),
        ]
    return [
        Link.tables(("H1", level), [("Q1", level), ("Q2", level)]),
        Link.tables(("H2", level), [("Q3", level), ("Q4", level)]),
        Link.tables(("Y", level), [("H1", level), ("H2", level)]),
    ]


def _family_key(period: Period) -> str:
    """Q1..Q4, H1, H2, Y: the table names inside a family."""
    if not period.calendar:
        return "R"
    label = period.label
    return label.split("-")[1] if "-" in label else "Y"


# -- measures -----------------------------------------------------------------


@dataclass(frozen=True)
class MeasureSpec:
    key: str
    title: str
    definition: str
    # Counted on the period's last day, not over the period.
    stock: bool = False


MEETING_KINDS = ActivityKind.meetings()
TRAINING_KINDS = ActivityKind.trainings()

MEASURES = [
    MeasureSpec("meetings", "Meetings by kind", "Entries of a meeting kind dated in the period."),
    MeasureSpec(
        "agencies",
        "Agencies attending, by sector",
        "The agencies present at the period's entries, by the register's sectors: an agency "
        "at two meetings counts twice.",
    ),
    MeasureSpec(
        "trainings", "Trainings by kind", "Trainings delivered and attended in the period."
    ),
    MeasureSpec(
        "trained",
        "People trained, by audience sector",
        "People trained at the period's trainings, by the sector of their audience.",
    ),
    MeasureSpec("outreach", "Outreach and awareness events", "Outreach or awareness events."),
    MeasureSpec("protocols", "Protocols adopted or revised", "Protocols adopted or revised."),
    MeasureSpec(
        "partners_new",
        "Partnerships new in the period, by type",
        "Partner agencies added to the register in the period, by partnership type.",
    ),
    MeasureSpec(
        "partners_active",
        "Partnerships active at the end of the period, by type",
        "Partner agencies on the register on the period's last day (added by then, not left).",
        stock=True,
    ),
    MeasureSpec(
        "mous_new",
        "MOUs signed in the period, by type",
        "MOUs whose signing date falls in the period, by partnership type.",
    ),
    MeasureSpec(
        "mous_active",
        "MOUs in force at the end of the period, by type",
        "Signed MOUs current or expiring (not past renewal) on the period's last day.",
        stock=True,
    ),
    MeasureSpec(
        "milestones",
        "Milestones that changed status, by new status",
        "Status changes recorded in the period, by the status a milestone moved to.",
    ),
]


@dataclass
class PackTable:
    """One measure as shown: `rows` are (label, [cells..., total]), then the
    Total row; a cell is a count or the marker."""

    spec: MeasureSpec
    row_heading: str
    columns: list[str]
    rows: list[tuple[str, list]]
    suppressed: bool


@dataclass
class Pack:
    period: Period
    scope: str
    threshold: int | None
    tables: list[PackTable]
    changes: list = field(default_factory=list)
    generated_on: datetime.date | None = None

    @property
    def marker(self) -> str | None:
        return marker(self.threshold) if self.threshold else None


def _columns(sectors: list[Sector]) -> dict[str, list[tuple[str, str]]]:
    """measure -> [(column key, label)]."""
    by_sector = [(s.pk, s.name) for s in sectors]
    types = list(PartnershipType.choices)
    return {
        "meetings": [(k, ActivityKind(k).label) for k in MEETING_KINDS],
        "agencies": by_sector,
        "trainings": [(k, ActivityKind(k).label) for k in TRAINING_KINDS],
        "trained": by_sector,
        "outreach": [("n", "Events")],
        "protocols": [("n", "Protocols")],
        "partners_new": types,
        "partners_active": types,
        "mous_new": types,
        "mous_active": types,
        "milestones": list(Status.choices),
    }


def _in(periods, day: datetime.date | None) -> list[Period]:
    return [p for p in periods if day is not None and p.start <= day <= p.end]


def collect(task_forces: list[TaskForce], periods: list[Period]) -> dict:
    """{period label: {measure: {task force pk: {column: count}}}}, in a
    fixed number of queries (7, plus one per period for the MOUs in force)."""
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    pks = [tf.pk for tf in task_forces]
    data = {p.label: {m.key: {pk: {} for pk in pks} for m in MEASURES} for p in periods}

    def add(day, measure, pk, column, n):
        for period in _in(periods, day):
            cell = data[period.label][measure][pk]
            cell[column] = cell.get(column, 0) + n

    entries = ActivityEntry.objects.filter(task_force__in=pks, date__gte=start, date__lte=end)
    by_day = entries.order_by().values("task_force", "kind", "date").annotate(n=Count("pk"))
    for row in by_day:
        kind, pk, day = row["kind"], row["task_force"], row["date"]
        if kind in MEETING_KINDS:
            add(day, "meetings", pk, kind, row["n"])
        elif kind in TRAINING_KINDS:
            add(day, "trainings", pk, kind, row["n"])
        elif kind == ActivityKind.OUTREACH:
            add(day, "outreach", pk, "n", row["n"])
        elif kind == ActivityKind.PROTOCOL:
            add(day, "protocols", pk, "n", row["n"])
    counts = (
        ActivityCount.objects.filter(
            entry__task_force__in=pks,
            entry__date__gte=start,
            entry__date__lte=end,
            measure__in=[Measure.AGENCIES, Measure.TRAINED],
        )
        .order_by()
        .values("entry__task_force", "entry__date", "measure", "sector")
        .annotate(n=Sum("count"))
    )
    for row in counts:
        measure = "agencies" if row["measure"] == Measure.AGENCIES else "trained"
        add(row["entry__date"], measure, row["entry__task_force"], row["sector"], row["n"])

    agencies = PartnerAgency.objects.filter(task_force__in=pks).order_by()
    for row in agencies.values("task_force", "partnership_type", "created_at", "mou_signed_on"):
        created = row["created_at"].date()
        add(created, "partners_new", row["task_force"], row["partnership_type"], 1)
        add(row["mou_signed_on"], "mous_new", row["task_force"], row["partnership_type"], 1)
    for period in periods:
        on_register = agencies.filter(created_at__date__lte=period.end).filter(
            Q(left_on__isnull=True) | Q(left_on__gt=period.end)
        )
        # with_mou_state is the one rule for an MOU's state, on the period's last day.
        active = on_register.with_mou_state(period.end)
        rows = active.values("task_force", "partnership_type").annotate(
            n=Count("pk"), in_force=Count("pk", filter=Q(mou_state__in=MouState.in_force()))
        )
        for row in rows:
            pk, kind = row["task_force"], row["partnership_type"]
            data[period.label]["partners_active"][pk][kind] = row["n"]
            data[period.label]["mous_active"][pk][kind] = row["in_force"]

    changes = (
        StatusChange.objects.filter(
            task_force__in=pks, changed_at__date__gte=start, changed_at__date__lte=end
        )
        # A review's "confirm as it stands" is recorded too, but changes nothing.
        .exclude(old_status=F("new_status"))
        .order_by()
        .values("task_force", "new_status", "changed_at__date")
        .annotate(n=Count("pk"))
    )
    for row in changes:
        add(row["changed_at__date"], "milestones", row["task_force"], row["new_status"], row["n"])
    return data


def status_changes(task_force: TaskForce, period: Period) -> list[StatusChange]:
    """The milestones that changed status in the period, as prompts for the
    report's narrative: one query."""
    return list(
        StatusChange.objects.filter(
            task_force=task_force,
            changed_at__date__gte=period.start,
            changed_at__date__lte=period.end,
        )
        .exclude(old_status=F("new_status"))
        .select_related("milestone")
        .order_by("changed_at", "pk")
    )


# -- building the pack --------------------------------------------------------


def _region(task_force: TaskForce) -> str:
    return task_force.region or NO_REGION


def region_names() -> list[str]:
    """The regions rows are named by (NO_REGION for task forces without one)."""
    names = {name or NO_REGION for name in TaskForce.objects.values_list("region", flat=True)}
    return sorted(names, key=lambda r: (r == NO_REGION, r))


def build_pack(
    period: Period,
    *,
    threshold: int | None,
    task_force: TaskForce | None = None,
    region: str | None = None,
    by: str = TASK_FORCES,
    generated_on: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> Pack:
    """The pack for `period`: statewide (rows by task force or `by` region),
    for one `region`'s task forces, or for one `task_force`. `threshold`
    None: unsuppressed (a task force's own pack, for its editors only).
    `progress` hears of each measure as it is suppressed (the suppression
    over every task force is what takes long)."""
    everyone = list(TaskForce.objects.order_by("name", "pk"))
    sectors = list(Sector.objects.order_by("order", "name"))
    columns = _columns(sectors)
    if threshold is None:
        if task_force is None:
            raise ValueError("Only a task force's own pack is shown unsuppressed.")
        listed = [task_force]
        data = collect(listed, [period])[period.label]
        tables = [
            _plain_table(spec, columns[spec.key], data[spec.key], task_force) for spec in MEASURES
        ]
        return Pack(
            period, task_force.name, None, tables, status_changes(task_force, period), generated_on
        )

    family = period_family(period)
    data = collect(everyone, family)
    regions = sorted({_region(tf) for tf in everyone}, key=lambda r: (r == NO_REGION, r))
    key = _family_key(period)
    tables = []
    for done, spec in enumerate(MEASURES):
        if progress is not None:
            progress(f"{spec.title}: suppressing ({done + 1} of {len(MEASURES)})…")
        cols = [c for c, _label in columns[spec.key]]
        result = _suppress_family(spec, data, family, everyone, regions, cols, threshold)
        tables.append(
            _scoped_table(spec, columns[spec.key], result, key, everyone, task_force, region, by)
        )
    scope = task_force.name if task_force else (f"Region {region}" if region else "Statewide")
    changes = status_changes(task_force, period) if task_force else []
    return Pack(period, scope, threshold, tables, changes, generated_on)


def _suppress_family(spec, data, family, everyone, regions, columns, threshold):
    measure = spec.key
    tables, links = {}, []
    for period in family:
        name = _family_key(period)
        by_tf = {tf.pk: data[period.label][measure][tf.pk] for tf in everyone}
        by_region = {r: dict.fromkeys(columns, 0) for r in regions}
        for tf in everyone:
            for c, n in by_tf[tf.pk].items():
                by_region[_region(tf)][c] += n
        tables[(name, TASK_FORCES)] = by_tf
        tables[(name, REGIONS)] = by_region
        for r in regions:
            members = [((name, TASK_FORCES), tf.pk) for tf in everyone if _region(tf) == r]
            links.append(Link.rows(((name, REGIONS), r), members))
        # The two tables' Total rows are one number: hide both or neither.
        links.append(Link.rows(((name, REGIONS), TOTAL), [((name, TASK_FORCES), TOTAL)]))
    if len(family) > 1:
        for level in (TASK_FORCES, REGIONS):
            links += _family_links(level, stock=spec.stock)
    return suppress_linked(tables, links, threshold, columns=columns)


def _scoped_table(spec, columns, result, key, everyone, task_force, region, by) -> PackTable:
    if task_force is not None or region is not None or by == TASK_FORCES:
        table = result[(key, TASK_FORCES)]
        chosen = [
            tf
            for tf in everyone
            if (task_force is None or tf.pk == task_force.pk)
            and (region is None or _region(tf) == region)
        ]
        rows = [(tf.name, _shown(table, tf.pk, columns)) for tf in chosen]
        if task_force is not None:
            total = _shown(table, task_force.pk, columns)
        elif region is not None:
            total = _shown(result[(key, REGIONS)], region, columns)
        else:
            total = _shown(table, TOTAL, columns)
        heading = "Task force"
    else:
        table = result[(key, REGIONS)]
        rows = [(r, _shown(table, r, columns)) for r in table.rows]
        total = _shown(table, TOTAL, columns)
        heading = "Region"
    return PackTable(spec, heading, [label for _c, label in columns], [*rows, (TOTAL, total)], True)


def _shown(table, row, columns) -> list:
    return [table.shown(row, c) for c, _label in columns] + [table.shown(row, TOTAL)]


def _plain_table(spec, columns, counts, task_force) -> PackTable:
    cells = [counts[task_force.pk].get(c, 0) for c, _label in columns]
    row = [*cells, sum(cells)]
    return PackTable(
        spec,
        "Task force",
        [label for _c, label in columns],
        [(task_force.name, row), (TOTAL, row)],
        False,
    )


def legend(threshold: int) -> str:
    return (
        f"{marker(threshold)}: hidden, a count from 1 to {threshold - 1}, or a count hidden "
        "so that such a count cannot be worked out from the totals"
    )


def pack_csv_rows(pack: Pack) -> list[list]:
    """The pack as CSV rows: per measure, a line naming it, the header, the
    rows and the Total row, then a blank line."""
    lines: list[list] = [[f"Report pack: {pack.scope}, {pack.period.label}"]]
    if pack.threshold:
        lines.append([legend(pack.threshold)])
    lines.append([])
    for table in pack.tables:
        lines.append([table.spec.title])
        lines.append([table.row_heading, *table.columns, TOTAL])
        for label, cells in table.rows:
            lines.append([label, *cells])
        lines.append([])
    return lines
