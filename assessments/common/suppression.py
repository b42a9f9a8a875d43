"""Small-number suppression for counts that leave a task force.

Primary: a count from 1 to threshold - 1 is hidden behind a marker (`<11`);
zero is shown as 0, since "nobody" is not a small group of people.

Secondary: no suppressed count may be worked out from what is published. A
table's totals, a half-year and its quarters, a region and its task forces
are all sums, and every sum is an equation a reader can solve. Each equation
here is `whole = part + part + ...`. A reader knows every published value
and that a hidden cell is not 0 (zeros are shown); every hidden cell shows
the same marker, so nothing tells a small count from one hidden to protect
it. The rule, repeated until nothing changes:

1. an equation in which a suppressed cell's range, worked out from that
   equation and the other cells' ranges, is a single value (exactly one
   suppressed cell beside a published total is the common case) gets one
   more cell suppressed: the smallest published non-zero cell of that
   equation that leaves no single value, else the largest;
2. a suppressed cell that a combination of equations fixes (linear algebra
   over the suppressed cells) gets one more cell suppressed in an equation
   that holds it, or, if that did not set it free, in an equation of the
   combination that fixes it;
3. last, the exact check: one linear program finds the suppressed cells
   that cannot be more than 1 (two hidden cells that a combination of sums
   says add up to 2), and the linear algebra of rule 2, with those set to
   1, every cell they fix. Rules 1 and 2 are quick and protect most; this
   one makes sure. What a reader knows is exactly the equations and "1 or
   more", so a cell the program leaves free can take more than one value.

A published zero is exact, so suppressing one protects nothing: zeros are
never chosen. Published cells keep their true values, and running the rule
on its own output changes nothing.

No Django (the linear program is SciPy's HiGHS): `suppress_cells` for any
cells and equations, `suppress_table` for one table with a Total row and
column, `suppress_linked` for tables that share totals (`Link.tables` for a
period and its parts, `Link.rows` for a region and its task forces).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assessments.common.equations import PRIMARY, PUBLISHED, SECONDARY
from assessments.common.solver import Solver

TOTAL = "Total"
DEFAULT_THRESHOLD = 11


def default_threshold() -> int:
    """settings.SMALL_COUNT_THRESHOLD, else 11 (the CMS rule)."""
    try:
        from django.conf import settings

        return int(getattr(settings, "SMALL_COUNT_THRESHOLD", DEFAULT_THRESHOLD))
    except Exception:  # noqa: BLE001 - outside Django (a script): the default
        return DEFAULT_THRESHOLD


def marker(threshold: int) -> str:
    """What a hidden count shows, `<11`, for both kinds (the legend says a
    `<11` may also be a larger count hidden to protect a small one): a reader
    who could tell a small count from one hidden to protect it would know the
    first is below the threshold and the second at least the threshold,
    enough to pin a count (1 and a hidden 11 beside a total of 12)."""
    return f"<{threshold}"


def suppress_count(value: int, threshold: int | None = None) -> int | str:
    """One count alone, with no sums published beside it: the marker for 1
    to threshold - 1, anything else (0 included) as it is."""
    threshold = _check_threshold(threshold)
    return marker(threshold) if 0 < value < threshold else value


@dataclass(frozen=True)
class Cell:
    value: int
    status: str = PUBLISHED

    @property
    def suppressed(self) -> bool:
        return self.status != PUBLISHED

    def shown(self, threshold: int) -> int | str:
        """The published value, or the marker in its place."""
        return marker(threshold) if self.suppressed else self.value


@dataclass(frozen=True)
class Equation:
    """`whole` = the sum of `parts`."""

    whole: Hashable
    parts: tuple

    @property
    def members(self) -> tuple:
        return (self.whole, *self.parts)


def suppress_cells(
    values: Mapping[Hashable, int],
    equations: Iterable[Equation],
    threshold: int | None = None,
    *,
    suppressed: Iterable[Hashable] = (),
) -> dict[Hashable, Cell]:
    """Every cell of `values` with its status. A key an equation names but
    `values` lacks counts as 0. `suppressed`: cells withheld already (by an
    earlier run, say); running again on a run's own output changes nothing."""
    threshold = _check_threshold(threshold)
    equations = [eq for eq in equations if eq.parts]
    values = dict(values)
    for eq in equations:
        for key in eq.members:
            values.setdefault(key, 0)
    for key, value in values.items():
        if value < 0:
            raise ValueError(f"A count cannot be negative ({key!r}: {value}).")
    # The rule reasons from the sums: one that does not hold (a count of
    # things in place linked as if it added up over quarters) would make it
    # protect the wrong cells, or none.
    for eq in equations:
        if values[eq.whole] != sum(values[part] for part in eq.parts):
            raise ValueError(f"{eq.whole!r} is not the sum of its parts.")
    status = {
        key: (PRIMARY if 0 < value < threshold else PUBLISHED) for key, value in values.items()
    }
    for key in suppressed:
        if status[key] == PUBLISHED and values[key] > 0:
            status[key] = SECONDARY
    Solver(values, status, equations, threshold).run()
    return {key: Cell(values[key], status[key]) for key in values}


def _check_threshold(threshold: int | None) -> int:
    threshold = default_threshold() if threshold is None else threshold
    if not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"The threshold must be a whole number of 1 or more, not {threshold!r}.")
    return threshold


# -- tables ---------------------------------------------------------------


@dataclass
class SuppressedTable:
    """A table after suppression: `cells[(row, column)]`, with the `TOTAL`
    row and column when `with_totals`."""

    rows: list
    columns: list
    cells: dict
    threshold: int
    with_totals: bool = True

    @property
    def all_rows(self) -> list:
        return [*self.rows, TOTAL] if self.with_totals else list(self.rows)

    @property
    def all_columns(self) -> list:
        return [*self.columns, TOTAL] if self.with_totals else list(self.columns)

    def cell(self, row, column) -> Cell:
        return self.cells[(row, column)]

    def shown(self, row, column) -> int | str:
        return self.cells[(row, column)].shown(self.threshold)

    def shown_rows(self) -> list[list]:
        """[row, shown values..., ] per row, the Total row last."""
        return [[row, *(self.shown(row, c) for c in self.all_columns)] for row in self.all_rows]

    @property
    def any_suppressed(self) -> bool:
        return any(cell.suppressed for cell in self.cells.values())


@dataclass(frozen=True)
class Link:
    """`whole` is the sum of `parts`, cell by cell: whole tables (a half-year
    and its quarters) or rows of tables (a region and its task forces)."""

    whole: tuple
    parts: tuple = field(default_factory=tuple)

    @classmethod
    def tables(cls, whole: Hashable, parts: Sequence[Hashable]) -> Link:
        return cls((whole,), tuple((part,) for part in parts))

    @classmethod
    def rows(cls, whole: tuple, parts: Sequence[tuple]) -> Link:
        return cls(tuple(whole), tuple(tuple(part) for part in parts))


def _table_keys(name, rows, columns, with_totals):
    all_rows = [*rows, TOTAL] if with_totals else rows
    all_columns = [*columns, TOTAL] if with_totals else columns
    return [(name, r, c) for r in all_rows for c in all_columns]


def _table_equations(name, rows, columns) -> list[Equation]:
    equations = []
    for row in [*rows, TOTAL]:
        equations.append(Equation((name, row, TOTAL), tuple((name, row, c) for c in columns)))
    for column in [*columns, TOTAL]:
        equations.append(Equation((name, TOTAL, column), tuple((name, r, column) for r in rows)))
    return equations


def _columns_of(rows: Mapping, columns: Sequence | None) -> list:
    if columns is not None:
        return list(columns)
    seen = {}
    for values in rows.values():
        for column in values:
            seen.setdefault(column, None)
    return list(seen)


def suppress_linked(
    tables: Mapping[Hashable, Mapping[Hashable, Mapping[Hashable, int]]],
    links: Iterable[Link] = (),
    threshold: int | None = None,
    *,
    columns: Sequence | None = None,
    with_totals: bool = True,
) -> dict[Hashable, SuppressedTable]:
    """Suppress tables together, so that no suppressed cell of one can be
    worked out through another. Tables are {row: {column: count}}; all
    share `columns` (default: every column any of them names)."""
    threshold = _check_threshold(threshold)
    columns = _columns_of({(n, r): v for n, t in tables.items() for r, v in t.items()}, columns)
    for name, table in tables.items():
        for row in table:
            if row == TOTAL:
                raise ValueError(f"Table {name!r}: {TOTAL!r} is the name of the totals row.")
    if TOTAL in columns:
        raise ValueError(f"{TOTAL!r} is the name of the totals column.")
    values: dict = {}
    equations: list[Equation] = []
    for name, table in tables.items():
        rows = list(table)
        for key in _table_keys(name, rows, columns, with_totals):
            values[key] = 0
        for row, counts in table.items():
            for column in columns:
                values[(name, row, column)] = int(counts.get(column, 0))
        if with_totals:
            for row in rows:
                values[(name, row, TOTAL)] = sum(values[(name, row, c)] for c in columns)
            for column in [*columns, TOTAL]:
                values[(name, TOTAL, column)] = sum(values[(name, r, column)] for r in rows)
            equations.extend(_table_equations(name, rows, columns))
    for link in links:
        equations.extend(_link_equations(link, tables, columns, with_totals))
    for eq in equations:
        for key in eq.members:
            if key not in values:
                raise ValueError(f"A link names a cell no table has: {key!r}.")
    cells = suppress_cells(values, equations, threshold)
    result = {}
    for name, table in tables.items():
        rows = list(table)
        table_cells = {
            (r, c): cells[(name, r, c)]
            for (_n, r, c) in _table_keys(name, rows, columns, with_totals)
        }
        result[name] = SuppressedTable(rows, list(columns), table_cells, threshold, with_totals)
    return result


def _link_equations(link: Link, tables, columns, with_totals) -> list[Equation]:
    all_columns = [*columns, TOTAL] if with_totals else list(columns)
    if len(link.whole) == 1:
        name = link.whole[0]
        all_rows = [*tables[name], TOTAL] if with_totals else list(tables[name])
        return [
            Equation((name, r, c), tuple((part[0], r, c) for part in link.parts))
            for r in all_rows
            for c in all_columns
        ]
    return [
        Equation((*link.whole, c), tuple((*part, c) for part in link.parts)) for c in all_columns
    ]


def suppress_table(
    rows: Mapping[Hashable, Mapping[Hashable, int]],
    threshold: int | None = None,
    *,
    columns: Sequence | None = None,
    with_totals: bool = True,
) -> SuppressedTable:
    """One table, {row: {column: count}}, with a Total row and column."""
    return suppress_linked(
        {None: rows}, threshold=threshold, columns=columns, with_totals=with_totals
    )[None]
