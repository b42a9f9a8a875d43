"""Small-number suppression: primary and secondary, in one table and across
linked tables (a half-year and its quarters, a region and its task forces).

The properties are checked against a reader who knows every published
value, every sum (Total row and column, links) and that a hidden cell is not
0 (zeros are shown; every hidden cell shows the same marker, small or not):
an exact linear program (tests/common/lp.py) gives each hidden cell's
possible range, which must hold more than one value."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.common.suppression import (
    PRIMARY,
    SECONDARY,
    TOTAL,
    Equation,
    Link,
    suppress_cells,
    suppress_linked,
    suppress_table,
)
from tests.common.lp import INF, ranges

PROPERTIES = settings(max_examples=60, deadline=None)
# The linked families make linear programs of 60 to 100 unknowns: fewer examples.
FAMILIES = settings(max_examples=8, deadline=None)

counts = st.one_of(st.integers(0, 3), st.integers(0, 14), st.integers(0, 60))
thresholds = st.sampled_from([3, 5, 11])
# Linked families: see test_a_half_year_its_quarters_and_the_year_to_date_protect_each_other.
family_thresholds = st.sampled_from([3, 5, 11])


def tables(max_rows=4, max_columns=4):
    return st.integers(1, max_rows).flatmap(
        lambda n_rows: st.integers(1, max_columns).flatmap(
            lambda n_cols: st.lists(
                st.lists(counts, min_size=n_cols, max_size=n_cols), min_size=n_rows, max_size=n_rows
            )
        )
    )


def as_rows(grid, prefix="r"):
    return {f"{prefix}{i}": {f"c{j}": v for j, v in enumerate(row)} for i, row in enumerate(grid)}


def table_equations(name, table):
    """The sums a reader sees in a table with totals, built here, not taken
    from the module under test."""
    equations = []
    for row in table.all_rows:
        equations.append(Equation((name, row, TOTAL), tuple((name, row, c) for c in table.columns)))
    for column in table.all_columns:
        equations.append(
            Equation((name, TOTAL, column), tuple((name, r, column) for r in table.rows))
        )
    return equations


def assert_protected(cells, equations, threshold):
    """(a) nothing small is published, (b) no suppressed value is fixed by
    what is published."""
    for key, cell in cells.items():
        if not cell.suppressed:
            assert not 0 < cell.value < threshold, key
        else:
            assert cell.value > 0, f"a zero was suppressed: {key}"
            expected = PRIMARY if cell.value < threshold else SECONDARY
            assert cell.status == expected, key
    unknowns = [key for key, cell in cells.items() if cell.suppressed]
    if not unknowns:
        return
    bounds = dict.fromkeys(unknowns, (1, INF))
    system = []
    for eq in equations:
        coefficients, constant = {}, 0
        for key, sign in [(eq.whole, 1)] + [(part, -1) for part in eq.parts]:
            if cells[key].suppressed:
                coefficients[key] = coefficients.get(key, 0) + sign
            else:
                constant -= sign * cells[key].value
        if any(coefficients.values()):
            system.append((coefficients, constant))
    for key, (low, high) in ranges(unknowns, bounds, system).items():
        assert low <= cells[key].value <= high, key
        assert low < high, f"{key} = {cells[key].value} can be worked out"


def flat(name, table):
    return {(name, r, c): table.cell(r, c) for r in table.all_rows for c in table.all_columns}


@PROPERTIES
@given(grid=tables(), threshold=thresholds)
def test_no_small_or_derivable_count_in_a_table(grid, threshold):
    rows = as_rows(grid)
    table = suppress_table(rows, threshold)
    assert_protected(flat(None, table), table_equations(None, table), threshold)


@PROPERTIES
@given(grid=tables(), threshold=thresholds)
def test_published_cells_keep_their_true_values(grid, threshold):
    rows = as_rows(grid)
    table = suppress_table(rows, threshold)
    for row, values in rows.items():
        for column, value in values.items():
            assert table.cell(row, column).value == value
            if not table.cell(row, column).suppressed:
                assert table.shown(row, column) == value
        assert table.cell(row, TOTAL).value == sum(values.values())
    assert table.cell(TOTAL, TOTAL).value == sum(sum(v.values()) for v in rows.values())


@PROPERTIES
@given(grid=tables(), threshold=thresholds)
def test_suppressing_the_output_again_changes_nothing(grid, threshold):
    table = suppress_table(as_rows(grid), threshold)
    cells = flat(None, table)
    again = suppress_cells(
        {key: cell.value for key, cell in cells.items()},
        table_equations(None, table),
        threshold,
        suppressed=[key for key, cell in cells.items() if cell.suppressed],
    )
    assert again == cells


@FAMILIES
@given(
    quarters=st.integers(1, 2).flatmap(
        lambda n: st.tuples(*[st.lists(counts, min_size=n, max_size=n) for _ in range(4)])
    ),
    threshold=family_thresholds,
)
def test_a_half_year_its_quarters_and_the_year_to_date_protect_each_other(quarters, threshold):
    # Two task forces (rows), the columns a breakdown; H2 = Q3 + Q4 and the
    # year to date = H1 + H2, so nothing can be had by subtraction.
    q3 = {"a": dict(enumerate(quarters[0])), "b": dict(enumerate(quarters[1]))}
    q4 = {"a": dict(enumerate(quarters[2])), "b": dict(enumerate(quarters[3]))}
    h2 = {row: {c: q3[row][c] + q4[row][c] for c in q3[row]} for row in q3}
    h1 = {"a": dict.fromkeys(q3["a"], 12), "b": dict.fromkeys(q3["a"], 3)}
    ytd = {row: {c: h1[row][c] + h2[row][c] for c in h2[row]} for row in h2}
    family = {"Q3": q3, "Q4": q4, "H2": h2, "H1": h1, "YTD": ytd}
    links = [Link.tables("H2", ["Q3", "Q4"]), Link.tables("YTD", ["H1", "H2"])]
    result = suppress_linked(family, links, threshold)
    cells, equations = {}, []
    for name, table in result.items():
        cells.update(flat(name, table))
        equations.extend(table_equations(name, table))
    for whole, parts in (("H2", ("Q3", "Q4")), ("YTD", ("H1", "H2"))):
        table = result[whole]
        for r in table.all_rows:
            for c in table.all_columns:
                equations.append(Equation((whole, r, c), tuple((p, r, c) for p in parts)))
    assert_protected(cells, equations, threshold)


@FAMILIES
@given(grid=tables(max_rows=4, max_columns=3), threshold=family_thresholds)
def test_a_region_total_minus_its_other_task_forces_reveals_nothing(grid, threshold):
    task_forces = as_rows(grid, prefix="tf")
    names = list(task_forces)
    north, south = names[: len(names) // 2 + 1], names[len(names) // 2 + 1 :]
    regions = {
        region: {c: sum(task_forces[t][c] for t in members) for c in task_forces[names[0]]}
        for region, members in (("North", north), ("South", south))
        if members
    }
    links = [
        Link.rows(("regions", region), [("task_forces", t) for t in members])
        for region, members in (("North", north), ("South", south))
        if members
    ]
    result = suppress_linked({"task_forces": task_forces, "regions": regions}, links, threshold)
    cells, equations = {}, []
    for name, table in result.items():
        cells.update(flat(name, table))
        equations.extend(table_equations(name, table))
    for link in links:
        for c in result["regions"].all_columns:
            equations.append(Equation((*link.whole, c), tuple((*p, c) for p in link.parts)))
    assert_protected(cells, equations, threshold)


def test_the_user_guide_example():
    # docs/user-guide/program-managers.md, "Why some numbers are hidden".
    table = suppress_table(
        {
            "Harbor County": {"Law enforcement": 14, "Victim services": 4, "Health": 12},
            "River County": {"Law enforcement": 22, "Victim services": 17, "Health": 0},
        },
        threshold=11,
    )
    assert table.shown_rows() == [
        ["Harbor County", "<11", "<11", 12, 30],
        ["River County", "<11", "<11", 0, 39],
        ["Total", 36, 21, 12, 69],
    ]


def test_a_lone_small_count_beside_a_total_takes_the_smallest_cell_that_protects_it():
    table = suppress_table({"a": {"x": 3, "y": 40, "z": 25}}, threshold=11, with_totals=True)
    # Row a: 3 is hidden; 25 is the smallest other cell, and hiding it leaves
    # 3 anywhere from 1 to 10 (25 + 3 = 28 minus something of 11 or more).
    assert table.cell("a", "x").status == PRIMARY
    assert table.cell("a", "z").status == SECONDARY
    assert table.cell("a", "y").status != SECONDARY or table.cell(TOTAL, "y").suppressed


def test_a_zero_is_shown_and_never_chosen_to_protect():
    table = suppress_table({"a": {"x": 4, "y": 0, "z": 30}, "b": {"x": 20, "y": 0, "z": 15}}, 11)
    assert table.shown("a", "y") == 0
    assert table.shown("b", "y") == 0
    assert table.shown(TOTAL, "y") == 0


def test_two_hidden_ones_that_only_fit_one_value_get_a_third():
    # 22 - 20 = 2 hidden in two cells, neither 0: both must be 1. Hiding the
    # 20 as well leaves them anywhere from 1 to 21.
    table = suppress_table({"a": {"x": 1, "y": 1, "z": 20}, "b": {"x": 40, "y": 50, "z": 60}}, 11)
    assert table.cell("a", "z").suppressed
    cells = flat(None, table)
    assert_protected(cells, table_equations(None, table), 11)


def test_the_threshold_comes_from_settings_and_can_be_raised(settings):
    settings.SMALL_COUNT_THRESHOLD = 5
    assert suppress_table({"a": {"x": 7}}).shown("a", "x") == 7
    assert suppress_table({"a": {"x": 7}}, threshold=11).shown("a", "x") == "<11"


@pytest.mark.parametrize("threshold", [0, -1, 2.5, "11"])
def test_a_threshold_below_one_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold"):
        suppress_table({"a": {"x": 1}}, threshold)


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="negative"):
        suppress_table({"a": {"x": -1}}, 11)


def test_sums_that_do_not_add_up_are_refused():
    # A count of things in place on a period's last day does not add up
    # over quarters; linked as if it did, the rule would reason from a
    # false sum and could leave a hidden count open.
    with pytest.raises(ValueError, match="not the sum of its parts"):
        suppress_cells({"w": 5, "a": 2, "b": 2}, [Equation("w", ("a", "b"))], 3)


def test_hidden_cells_that_a_combination_of_sums_pins_to_one_are_protected():
    # Found by the property test: rows r0 and r1 hold one hidden cell each,
    # so their hidden totals are those cells; the Total column then says
    # r0 + r1 = 3 and column c3 says r0 + r1 + r2c3 + r3c3 = 5, so r2c3 and
    # r3c3 (each 1 or more) are both 1, and r2c2 = 3 - 1 = 2. No single
    # equation shows it; the exact check (a linear program) does.
    grid = [[0, 0, 0, 1], [0, 0, 0, 2], [0, 0, 2, 1], [0, 1, 2, 1]]
    table = suppress_table(as_rows(grid), 3)
    assert table.cell("r2", "c2").suppressed
    assert_protected(flat(None, table), table_equations(None, table), 3)
