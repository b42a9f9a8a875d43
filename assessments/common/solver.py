"""The search behind assessments/common/suppression.py's rule: which more
cells to hide until no hidden count can be worked out. Rules 1 to 3 of that
module's docstring, in that order; suppress_cells is the way in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from assessments.common.equations import (
    PRIME,
    PUBLISHED,
    SECONDARY,
    at_one,
    combination_of_rows,
    eliminate_keeping_rows,
    pinned_by_ranges,
    random_null_vector,
)

if TYPE_CHECKING:  # suppression.py imports this module
    from assessments.common.suppression import Equation


class Solver:
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
