"""An exact linear-programming check for the suppression tests: how far a
suppressed cell can move given what a reader knows. Fractions and Bland's
rule: slow but exact, and the tables under test are small."""

from __future__ import annotations

from fractions import Fraction

INF = float("inf")


def _pivot(tableau, basis, row, column):
    pivot = tableau[row][column]
    tableau[row] = [value / pivot for value in tableau[row]]
    for other, values in enumerate(tableau):
        if other != row and values[column]:
            factor = values[column]
            tableau[other] = [v - factor * p for v, p in zip(values, tableau[row], strict=True)]
    basis[row] = column


def _simplex(tableau, basis, cost) -> bool:
    """Minimise cost.y in place; False when unbounded."""
    width = len(tableau[0]) - 1
    while True:
        reduced = None
        for column in range(width):
            value = cost[column] - sum(
                cost[basis[i]] * tableau[i][column] for i in range(len(basis))
            )
            if value < 0:
                reduced = column
                break
        if reduced is None:
            return True
        best = None
        for i, values in enumerate(tableau):
            if values[reduced] > 0:
                ratio = values[-1] / values[reduced]
                if best is None or (ratio, basis[i]) < (best[0], basis[best[1]]):
                    best = (ratio, i)
        if best is None:
            return False
        _pivot(tableau, basis, best[1], reduced)


def minimise(a_rows, b, cost):
    """min cost.y subject to a_rows y = b, y >= 0: the value, -inf when
    unbounded, None when infeasible."""
    n = len(cost)
    m = len(a_rows)
    rows = []
    for values, rhs in zip(a_rows, b, strict=True):
        values = [Fraction(v) for v in values] + [Fraction(rhs)]
        if values[-1] < 0:
            values = [-v for v in values]
        rows.append(values)
    tableau = [
        r[:-1] + [Fraction(int(j == i)) for j in range(m)] + [r[-1]] for i, r in enumerate(rows)
    ]
    basis = [n + i for i in range(m)]
    phase_one = [Fraction(0)] * n + [Fraction(1)] * m
    _simplex(tableau, basis, phase_one)
    if sum(tableau[i][-1] for i in range(m) if basis[i] >= n) > 0:
        return None
    # Drive artificial variables out of the basis, dropping redundant rows.
    for i in reversed(range(len(basis))):
        if basis[i] >= n:
            column = next((j for j in range(n) if tableau[i][j]), None)
            if column is None:
                del tableau[i]
                del basis[i]
            else:
                _pivot(tableau, basis, i, column)
    tableau = [r[:n] + [r[-1]] for r in tableau]
    cost = [Fraction(c) for c in cost]
    if not _simplex(tableau, basis, cost):
        return -INF
    return sum(cost[basis[i]] * tableau[i][-1] for i in range(len(basis)))


def ranges(unknowns, bounds, equations):
    """For each unknown, (min, max) over lower <= x <= upper (upper may be
    INF) and each equation {unknown: coefficient} = constant."""
    index = {key: i for i, key in enumerate(unknowns)}
    lows = [Fraction(bounds[k][0]) for k in unknowns]
    uppers = [k for k in unknowns if bounds[k][1] != INF]
    width = len(unknowns) + len(uppers)
    a_rows, b = [], []
    for coefficients, constant in equations:
        row = [Fraction(0)] * width
        rhs = Fraction(constant)
        for key, coefficient in coefficients.items():
            row[index[key]] += coefficient
            rhs -= coefficient * lows[index[key]]
        a_rows.append(row)
        b.append(rhs)
    for slack, key in enumerate(uppers):
        row = [Fraction(0)] * width
        row[index[key]] = Fraction(1)
        row[len(unknowns) + slack] = Fraction(1)
        a_rows.append(row)
        b.append(Fraction(bounds[key][1]) - lows[index[key]])
    result = {}
    for key in unknowns:
        cost = [Fraction(0)] * width
        cost[index[key]] = Fraction(1)
        low = minimise(a_rows, b, cost)
        cost[index[key]] = Fraction(-1)
        high = minimise(a_rows, b, cost)
        assert low is not None, "the true values always fit"
        result[key] = (low + lows[index[key]], INF if high == -INF else -high + lows[index[key]])
    return result
