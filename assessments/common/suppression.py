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

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assessments.common.equations import (
    PRIMARY,
    PRIME,
    PUBLISHED,
    SECONDARY,
    at_one,
    combination_of_rows,
    eliminate_keeping_rows,
    pinned_by_ranges,
    random_null_vector,
)

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
    _Solver(values, status, equations, threshold).run()
    return {key: Cell(values[key], status[key]) for key in values}


class _Solver:
    def __init__(self, values, status, equations, threshold):
        self.values = values
        self.status = status
        self.equations = equations
        self.threshold = threshold
        self.holding = defaultdict(list)  # cell -> indexes of equations naming it
        # Equations from which nothing is left to hide (see _protect).
        self.exhausted: set[int] = set()
        for index, eq in enumerate(equations):
            for key in eq.members:
                self.holding[key].append(index)
        # Per equation, kept as cells are hidden (_set): how many of its cells
        # are hidden, and the sum of its published parts. Rule 1 asks after
        # long equations (a column of every task force) over and over.
        self.hidden_count = [0] * len(equations)
        self.published_parts = [0] * len(equations)
        for index, eq in enumerate(equations):
            self.hidden_count[index] = sum(status[key] != PUBLISHED for key in eq.members)
            self.published_parts[index] = sum(
                values[part] for part in eq.parts if status[part] == PUBLISHED
            )

    def _set(self, key, status: str) -> None:
        hidden_before = self.status[key] != PUBLISHED
        self.status[key] = status
        change = int(status != PUBLISHED) - int(hidden_before)
        if not change:
            return
        value = self.values[key]
        for index in self.holding[key]:
            self.hidden_count[index] += change
            if self.equations[index].whole != key:
                self.published_parts[index] -= change * value

    def run(self) -> None:
        # Rule 1 first looks at every equation, then only at those of cells
        # hidden since; the wider checks run once rule 1 is stable.
        dirty = set(range(len(self.equations)))
        tries: dict = defaultdict(int)
        while True:
            self._secure_each_equation(dirty)
            # Protect every determined cell, not just the first. The ranges
            # first: what they pin is mostly protected by one cell beside it,
            # where protecting a linearly determined cell first hides more
            # (the demo's statewide totals, for one).
            pinned = self._pinned_by_ranges()
            linear = not pinned
            if linear:
                pinned = self._linearly_determined()
            if not pinned:
                # The two above are quick but can miss a cell that only a
                # combination of equations and "1 or more" pins (two hidden
                # cells that together must be 2): the exact check, last.
                pinned = self._pinned_exactly()
                linear = False
            protected = []
            for key in pinned:
                tries[key] += 1
                if linear and tries[key] > 1 and self.status[key] != PUBLISHED:
                    # Cells beside it did not set it free: look for what fixes it.
                    protected += self._protect_determined(key)
                    continue
                # A cell still pinned after one more hidden cell beside it
                # gets one in every equation through it: one at a time, a
                # stubborn cell costs a whole pass per cell.
                protected += self._protect(key, wide=tries[key] > 1)
            if not protected:
                return
            dirty = {index for key in protected for index in self.holding[key]}

    # -- rule 1: one equation at a time ---------------------------------

    def _exposed(self, index: int) -> bool:
        """Whether equation `index` alone pins a hidden cell to one value,
        given that a hidden cell is 1 or more: the lone hidden cell of an
        equation, or hidden parts that must add up to as many as there are
        of them (each is then 1). A hidden whole beside hidden parts is never
        pinned: nothing bounds it above."""
        hidden = self.hidden_count[index]
        if hidden <= 1:
            return hidden == 1
        whole = self.equations[index].whole
        if self.status[whole] != PUBLISHED:
            return False
        return self.values[whole] - self.published_parts[index] <= hidden

    def _secure_each_equation(self, dirty: set[int]) -> bool:
        changed = False
        pending = sorted(dirty)
        while pending:
            index = pending.pop()
            if not self._exposed(index):
                continue
            chosen = self._choose(index)
            if chosen is None:
                continue
            self._set(chosen, SECONDARY)
            changed = True
            pending.extend(self.holding[chosen])
        return changed

    def _candidates(self, eq: Equation) -> list:
        # Parts before the whole at equal values; then the order given.
        order = {key: position for position, key in enumerate([*eq.parts, eq.whole])}
        found = [k for k in order if self.status[k] == PUBLISHED and self.values[k] > 0]
        return sorted(found, key=lambda k: (self.values[k], order[k]))

    def _choose(self, index: int):
        """The smallest published non-zero cell that leaves equation `index`
        pinning nothing, else the largest (and the loop goes on). One that
        also sits in another equation pinning a cell comes first: hiding it
        protects both, where the smallest alone would start a chain of its
        own."""
        candidates = self._candidates(self.equations[index])
        protecting = []
        for key in candidates:
            self._set(key, SECONDARY)
            protects = not self._exposed(index)
            self._set(key, PUBLISHED)
            if protects:
                protecting.append(key)
        # The first few are enough: beyond them the cells are larger anyway.
        for key in protecting[:4]:
            if any(self._exposed(other) for other in self.holding[key] if other != index):
                return key
        if protecting:
            return protecting[0]
        return candidates[-1] if candidates else None

    # -- rule 2: combinations of equations -------------------------------

    def _pinned_by_ranges(self) -> list:
        return pinned_by_ranges(self.values, self.status, self.equations, self.holding)

    def _pinned_exactly(self) -> list:
        """Every hidden cell that what a reader knows fixes: the cells that
        cannot be above 1 (one linear program, see _at_one), then those the
        equations fix once those are 1."""
        hidden = [k for k, s in self.status.items() if s != PUBLISHED and self.holding[k]]
        ones = at_one(self.values, self.equations, hidden)
        if not ones:
            return []
        return sorted(set(ones) | set(self._linearly_determined(fixed=ones)), key=repr)

    def _linearly_determined(self, fixed: Iterable = ()) -> list:
        """Suppressed cells that some combination of the equations leaves
        alone, fixing their value: those that are 0 in every solution of the
        equations restricted to suppressed cells (the null space). One
        random solution tells: a cell free to move is 0 in it only by a
        chance of 1 in PRIME, and that chance errs on the safe side (one
        more cell hidden). The seed is fixed, so a run is repeatable."""
        hidden = [k for k, s in self.status.items() if s != PUBLISHED and self.holding[k]]
        column = {key: i for i, key in enumerate(hidden)}
        # How many equations hold each hidden cell: pivoting on the least
        # held one keeps the elimination sparse.
        weight = [len(self.holding[key]) for key in hidden]
        indexed = []
        for index, eq in enumerate(self.equations):
            row: dict[int, int] = {}
            for key, sign in [(eq.whole, 1)] + [(part, -1) for part in eq.parts]:
                if key in column:
                    row[column[key]] = (row.get(column[key], 0) + sign) % PRIME
            row = {c: v for c, v in row.items() if v}
            if row:
                indexed.append((len(row), index, row))
        # A cell known to be 1: an equation of its own.
        indexed += [(1, -1, {column[key]: 1}) for key in fixed]
        # Short equations first (links, then rows, then whole columns).
        indexed.sort(key=lambda item: item[:2])
        rows = [row for _n, _index, row in indexed]
        self.system = (column, weight, rows, [index for _n, index, _row in indexed])
        self.eliminated = None
        solution = random_null_vector(rows, len(hidden), weight)
        return sorted((hidden[i] for i, value in enumerate(solution) if not value), key=repr)

    def _determining(self, key) -> list[int]:
        """The equations that some combination fixing `key` is made of (from
        the last linear check): hiding a cell of one of them is what can set
        `key` free, where a cell beside it may be in none."""
        column, weight, rows, indexes = self.system
        if self.eliminated is None:  # once a pass, for every cell it finds fixed
            self.eliminated = eliminate_keeping_rows(rows, weight)
        combination = combination_of_rows(*self.eliminated, column[key])
        return sorted(indexes[p] for p in combination if indexes[p] >= 0)

    def _protect_determined(self, key) -> list:
        """Hide the smallest published non-zero cell of the equations that
        fix `key`; else as _protect does, in every equation through it."""
        candidates = [self._smallest(self.equations[index]) for index in self._determining(key)]
        candidates = [cell for cell in candidates if cell is not None]
        if not candidates:
            return self._protect(key, wide=True)
        chosen = min(candidates, key=self.values.__getitem__)
        self._set(chosen, SECONDARY)
        return [chosen]

    def _smallest(self, eq: Equation):
        """`_candidates(eq)[0]`, without sorting them all."""
        best = None
        for key in (*eq.parts, eq.whole):
            value = self.values[key]
            if (
                self.status[key] == PUBLISHED
                and value > 0
                and (best is None or value < self.values[best])
            ):
                best = key
        return best

    def _protect(self, key, *, wide: bool = False) -> list:
        """Hide the smallest published non-zero cell of an equation through
        `key` (`wide`: of each equation through it); when those have none
        left, of the equations one hidden cell further on, and so on (a
        region's hidden total is fixed through its task forces' table). The
        cells hidden, none when there is none to hide."""
        if self.exhausted.issuperset(self.holding[key]):
            return []
        seen = set(self.holding[key])
        layer = list(self.holding[key])
        while layer:
            smallest = [self._smallest(self.equations[index]) for index in layer]
            smallest = [cell for cell in smallest if cell is not None]
            if smallest:
                chosen = set(smallest) if wide else {min(smallest, key=self.values.__getitem__)}
                for cell in chosen:
                    self._set(cell, SECONDARY)
                return sorted(chosen, key=repr)
            following = []
            for index in layer:
                for member in self.equations[index].members:
                    for other in self.holding[member]:
                        if other not in seen and other not in self.exhausted:
                            seen.add(other)
                            following.append(other)
            layer = following
        # Cells are only ever hidden, never shown again: nothing reachable
        # from here will have a cell to hide later either.
        self.exhausted |= seen
        return []


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
