"""The algebra of small-number suppression (suppression.py): the equations a
reader knows, restricted to the hidden cells, as sparse rows {column:
coefficient}. Elimination modulo a large prime (exact for these small
integer coefficients), interval narrowing over the equations, and one linear
program."""

from __future__ import annotations

import random
from collections import defaultdict

# A cell's status: shown, hidden as small, hidden to protect another.
PUBLISHED = "published"
PRIMARY = "primary"
SECONDARY = "secondary"

# A large prime: the linear check works modulo it, exact for the small
# integer coefficients (+1/-1) these equations have, and fast.
PRIME = 2_305_843_009_213_693_951


def random_null_vector(rows: list[dict], width: int, weight: list[int]) -> list[int]:
    """A random solution of `rows` (each {column: coefficient} = 0, mod
    PRIME) over `width` unknowns. Forward elimination only: each new row is
    cleared of the earlier rows' pivots and pivots on its least weighted
    column, so every pivot row holds only its pivot, free columns and later
    rows' pivots; the free columns get random values and the pivots follow,
    last row first."""
    pivots: dict[int, dict] = {}
    order: list[int] = []
    for original in rows:
        row = dict(original)
        todo = [c for c in row if c in pivots]
        while todo:
            column = todo.pop()
            factor = row.get(column)
            if not factor:
                continue
            for c, v in pivots[column].items():
                value = (row.get(c, 0) - factor * v) % PRIME
                if value:
                    if c not in row and c in pivots:
                        todo.append(c)
                    row[c] = value
                else:
                    row.pop(c, None)
        if not row:
            continue  # implied by the earlier rows
        column = min(row, key=lambda c: (weight[c], c))
        inverse = pow(row[column], -1, PRIME)
        pivots[column] = {c: (v * inverse) % PRIME for c, v in row.items()}
        order.append(column)
    rng = random.Random(0)  # noqa: S311 - repeatable, not secret: a solution, not a key
    solution = [0 if c in pivots else rng.randrange(1, PRIME) for c in range(width)]
    for column in reversed(order):
        row = pivots[column]
        solution[column] = (-sum(v * solution[c] for c, v in row.items() if c != column)) % PRIME
    return solution


def at_one(values, equations, hidden: list) -> list:
    """The hidden cells that cannot be more than 1, given the equations and
    that every hidden cell is 1 or more: the linear program "make as many
    cells as possible above 1" (each by up to 1), solved again for those
    left at 1 until no more rise. A cell left at 1 by the solver's rounding
    alone counts as pinned: that errs on the safe side (one more hidden)."""
    if not hidden:
        return []
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, hstack, identity

    column = {key: i for i, key in enumerate(hidden)}
    rows, columns, data, rhs = [], [], [], []
    for eq in equations:
        constant, terms = 0, {}
        for key, sign in [(eq.whole, 1)] + [(part, -1) for part in eq.parts]:
            if key in column:
                terms[column[key]] = terms.get(column[key], 0) + sign
            else:
                constant += sign * values[key]
        terms = {c: v for c, v in terms.items() if v}
        if terms:
            for c, v in terms.items():
                rows.append(len(rhs))
                columns.append(c)
                data.append(v)
            rhs.append(-constant)
    n = len(hidden)
    if not rhs:
        return []
    a_eq = hstack(
        [coo_matrix((data, (rows, columns)), shape=(len(rhs), n)), coo_matrix((len(rhs), n))]
    )
    # x_i - t_i >= 1, 0 <= t_i <= 1: t_i > 0 where x_i can be above 1.
    a_ub = hstack([-identity(n), identity(n)])
    b_ub = -np.ones(n)
    left = set(range(n))
    while left:
        cost = np.zeros(2 * n)
        cost[[n + i for i in left]] = -1
        bounds = [(1, None)] * n + [(0, 1 if i in left else 0) for i in range(n)]
        result = linprog(
            cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=rhs, bounds=bounds, method="highs"
        )
        if result.status != 0:
            raise RuntimeError(f"The suppression check could not be solved: {result.message}")
        rising = {i for i in left if result.x[n + i] > 1e-6}
        if not rising:
            break
        left -= rising
    return [hidden[i] for i in sorted(left)]


def _clear(row: dict, combination: dict, sign: int, pivots: dict, made_of: dict) -> None:
    """Clear `row` of the pivots' columns, adding `sign` x what each pivot
    row was made of to `combination`."""
    todo = [c for c in row if c in pivots]
    while todo:
        column = todo.pop()
        factor = row.get(column)
        if not factor:
            continue
        for c, v in pivots[column].items():
            value = (row.get(c, 0) - factor * v) % PRIME
            if value:
                if c not in row and c in pivots:
                    todo.append(c)
                row[c] = value
            else:
                row.pop(c, None)
        for r, v in made_of[column].items():
            value = (combination.get(r, 0) + sign * factor * v) % PRIME
            if value:
                combination[r] = value
            else:
                combination.pop(r, None)


def eliminate_keeping_rows(rows: list[dict], weight: list[int]) -> tuple[dict, dict]:
    """The elimination of random_null_vector, keeping for each pivot row
    the rows (by position) it was made of."""
    pivots: dict[int, dict] = {}
    made_of: dict[int, dict] = {}
    for position, original in enumerate(rows):
        row, combination = dict(original), {position: 1}
        _clear(row, combination, -1, pivots, made_of)
        if not row:
            continue
        column = min(row, key=lambda c: (weight[c], c))
        inverse = pow(row[column], -1, PRIME)
        pivots[column] = {c: (v * inverse) % PRIME for c, v in row.items()}
        made_of[column] = {r: (v * inverse) % PRIME for r, v in combination.items()}
    return pivots, made_of


def combination_of_rows(pivots: dict, made_of: dict, target: int) -> dict[int, int]:
    """Which rows (by position) add up, with some coefficients, to the unit
    row of column `target`; empty when none do."""
    unit, combination = {target: 1}, {}
    _clear(unit, combination, 1, pivots, made_of)
    return combination if not unit else {}


def pinned_by_ranges(values, status, equations, holding, rounds: int = 6) -> list:
    """Hidden cells that the equations together narrow to one value: each
    cell's range, from 1 up, tightened by every equation through it, and
    again through the equations of every cell that narrowed (a sum of
    two hidden cells that must be 2 makes both 1; a half-year that must
    be 2 makes its two hidden quarters 1). Narrowing can creep a step at
    a time around a cycle, so each equation is looked at `rounds` times
    at most: a cell left unpinned then is left to the linear check."""
    inf = float("inf")
    ranges = {k: [1, inf] for k, s in status.items() if s != PUBLISHED}
    pending = {i for key in ranges for i in holding[key]}
    visits: dict[int, int] = defaultdict(int)
    hidden_terms: dict[int, list] = {}
    constants: dict[int, int] = {}
    queue = sorted(pending)
    while queue:
        index = queue.pop()
        pending.discard(index)
        visits[index] += 1
        if index not in hidden_terms:
            # Published cells do not change here: their signed sum once.
            eq = equations[index]
            terms, constant = [], 0
            for key, sign in [(eq.whole, 1)] + [(part, -1) for part in eq.parts]:
                if key in ranges:
                    terms.append((key, sign))
                else:
                    constant += sign * values[key]
            hidden_terms[index], constants[index] = terms, constant
        terms = hidden_terms[index]
        # sum(sign * value) = 0. Lows and highs of each sign * value,
        # with the infinite ends counted apart.
        low_finite = high_finite = constants[index]
        low_inf = high_inf = 0
        spans = []
        for key, sign in terms:
            low, high = ranges[key]
            span = (low, high) if sign > 0 else (-high, -low)
            spans.append(span)
            if span[0] == -inf:
                low_inf += 1
            else:
                low_finite += span[0]
            if span[1] == inf:
                high_inf += 1
            else:
                high_finite += span[1]
        if low_inf > 1 and high_inf > 1:
            continue  # every other-sum is open at both ends: nothing to narrow
        for (key, sign), (span_low, span_high) in zip(terms, spans, strict=True):
            if span_low == -inf:
                others_low = -inf if low_inf > 1 else low_finite
            else:
                others_low = -inf if low_inf else low_finite - span_low
            if span_high == inf:
                others_high = inf if high_inf > 1 else high_finite
            else:
                others_high = inf if high_inf else high_finite - span_high
            lo, hi = (-others_high, -others_low) if sign > 0 else (others_low, others_high)
            current = ranges[key]
            if lo > current[0] or hi < current[1]:
                current[0], current[1] = max(current[0], lo), min(current[1], hi)
                for other in holding[key]:
                    if other != index and other not in pending and visits[other] < rounds:
                        pending.add(other)
                        queue.append(other)
    return sorted((k for k, (low, high) in ranges.items() if low >= high), key=repr)
