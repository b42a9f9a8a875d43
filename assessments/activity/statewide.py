"""The statewide activity view: entries and people by region and kind, for a
calendar half-year, for those who read every task force.

These numbers leave the task forces, so they are suppressed by the one rule
in assessments/common/suppression.py (the report pack's): the half-year's
tables with their whole calendar family (quarters, halves, year), so that
this view and the pack hide alike and cannot be subtracted from each other.
Two queries whatever the number of task forces or entries.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import ExtractQuarter

from assessments.activity.models import ActivityCount, ActivityEntry, ActivityKind, Measure
from assessments.common.suppression import Link, suppress_linked
from assessments.common.suppression import suppress_table as common_suppress_table

NO_REGION = "No region"
PERIOD_PATTERN = re.compile(r"^(\d{4})-H([12])$")


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime.date
    end: datetime.date


def half_year(day: datetime.date) -> Period:
    first_half = day.month <= 6
    start = datetime.date(day.year, 1 if first_half else 7, 1)
    end = datetime.date(day.year, 6, 30) if first_half else datetime.date(day.year, 12, 31)
    return Period(f"{day.year}-H{1 if first_half else 2}", start, end)


def period_choices(today: datetime.date, count: int = 4) -> list[Period]:
    """The current half-year and the `count - 1` before it, newest first."""
    periods = [half_year(today)]
    while len(periods) < count:
        periods.append(half_year(periods[-1].start - datetime.timedelta(days=1)))
    return periods


def parse_period(value: str | None, today: datetime.date) -> Period:
    """A period named as 2026-H2; the current half-year when none or invalid."""
    match = PERIOD_PATTERN.match(value or "")
    if not match:
        return half_year(today)
    year, half = int(match[1]), int(match[2])
    if not 1 <= year <= 9999:
        return half_year(today)
    return half_year(datetime.date(year, 1 if half == 1 else 7, 1))


@dataclass
class SuppressedTable:
    """Rows, columns and totals as published: each cell an int or the marker."""

    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[int | str]]
    row_totals: list[int | str]
    column_totals: list[int | str]
    total: int | str

    @property
    def rows(self) -> list[tuple[str, list[int | str], int | str]]:
        return list(zip(self.row_labels, self.cells, self.row_totals, strict=True))

    def only(self, row_label: str) -> SuppressedTable:
        """The one row as published in the whole table (none if it is not
        there), with the whole table's totals."""
        keep = [i for i, label in enumerate(self.row_labels) if label == row_label]
        return SuppressedTable(
            row_labels=[self.row_labels[i] for i in keep],
            column_labels=self.column_labels,
            cells=[self.cells[i] for i in keep],
            row_totals=[self.row_totals[i] for i in keep],
            column_totals=self.column_totals,
            total=self.total,
        )


def _published(result, row_labels, column_labels) -> SuppressedTable:
    shown = [[result.shown(r, c) for c in result.all_columns] for r in result.all_rows]
    m = len(result.columns)
    return SuppressedTable(
        row_labels=row_labels,
        column_labels=column_labels,
        cells=[row[:m] for row in shown[:-1]],
        row_totals=[row[m] for row in shown[:-1]],
        column_totals=shown[-1][:m],
        total=shown[-1][m],
    )


def suppress_table(
    values: list[list[int]], row_labels: list[str], column_labels: list[str], threshold: int
) -> SuppressedTable:
    """One table with its totals, by the one rule every count that leaves a
    task force follows (assessments/common/suppression.py): the report pack
    and this view must not hide differently, or one could be subtracted from
    the other."""
    rows = {r: dict(enumerate(row)) for r, row in enumerate(values)}
    result = common_suppress_table(rows, threshold, columns=list(range(len(column_labels))))
    return _published(result, row_labels, column_labels)


def _suppress_family(
    by_quarter: dict[int, list[list[int]]], half: int, row_labels, column_labels, threshold
) -> SuppressedTable:
    """The half-year's table, suppressed with its whole calendar family (the
    four quarters, both halves, the year; the report pack's family), so that
    a quarter, a half and the year published anywhere cannot be subtracted
    from each other to reveal a hidden count."""
    columns = list(range(len(column_labels)))

    def table(quarters) -> dict:
        return {
            r: {c: sum(by_quarter[q][r][c] for q in quarters) for c in columns}
            for r in range(len(row_labels))
        }

    tables = {f"Q{q}": table([q]) for q in range(1, 5)}
    tables |= {"H1": table([1, 2]), "H2": table([3, 4]), "Y": table([1, 2, 3, 4])}
    links = [
        Link.tables("H1", ["Q1", "Q2"]),
        Link.tables("H2", ["Q3", "Q4"]),
        Link.tables("Y", ["H1", "H2"]),
    ]
    result = suppress_linked(tables, links, threshold, columns=columns)
    return _published(result[f"H{half}"], row_labels, column_labels)


@dataclass
class ActivityByRegion:
    period: Period
    threshold: int
    entries: SuppressedTable
    people: SuppressedTable


def activity_by_region(period: Period, threshold: int, *, region: str = "") -> ActivityByRegion:
    """Entries, and people (attending and trained), by region and kind: two
    queries over the period's year, by quarter. With `region`, that region's
    row of the tables suppressed over every region: suppressed on its own,
    a region's table could hide other cells than the whole one, and the two
    published side by side could be subtracted to reveal a hidden count."""
    year = period.start.year
    half = 1 if period.start.month <= 6 else 2
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    # Two aggregates, each over its own rows: counting entries beside the
    # sum of their counts would need COUNT(DISTINCT) over the join, a sort
    # of every count of the year (3.4x slower at 3,143 task forces than 36).
    entry_rows = (
        ActivityEntry.objects.between(first, last)
        .order_by()
        .annotate(quarter=ExtractQuarter("date"))
        .values("task_force__region", "kind", "quarter")
        .annotate(n=Count("pk"))
    )
    people_rows = (
        ActivityCount.objects.filter(
            entry__date__gte=first, entry__date__lte=last, measure__in=Measure.people()
        )
        .order_by()
        .annotate(quarter=ExtractQuarter("entry__date"))
        .values("entry__task_force__region", "entry__kind", "quarter")
        .annotate(n=Sum("count"))
    )
    by_cell: dict[tuple[int, str, str], list[int]] = {}
    for row in entry_rows:
        key = (row["quarter"], row["task_force__region"] or NO_REGION, row["kind"])
        by_cell.setdefault(key, [0, 0])[0] = row["n"]
    for row in people_rows:
        key = (row["quarter"], row["entry__task_force__region"] or NO_REGION, row["entry__kind"])
        by_cell.setdefault(key, [0, 0])[1] = row["n"] or 0
    # Every table of the family has the same rows: the regions with entries
    # in the year (a region may show a row of zeros for the half-year).
    regions = sorted({key[1] for key in by_cell}, key=lambda r: (r == NO_REGION, r))
    kinds = ActivityKind.values
    labels = [ActivityKind(kind).label for kind in kinds]

    def table(index: int) -> SuppressedTable:
        by_quarter = {
            q: [[by_cell.get((q, r, k), (0, 0))[index] for k in kinds] for r in regions]
            for q in range(1, 5)
        }
        return _suppress_family(by_quarter, half, regions, labels, threshold)

    entries_table, people_table = table(0), table(1)
    if region:
        entries_table, people_table = entries_table.only(region), people_table.only(region)
    return ActivityByRegion(
        period=period, threshold=threshold, entries=entries_table, people=people_table
    )
