"""The statewide activity view: entries and people by region and kind for a
half-year, suppressed below the threshold (primary and secondary), for the
state program only, in a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.activity.statewide import (
    activity_by_region,
    half_year,
    parse_period,
    suppress_table,
)
from assessments.common.suppression import suppress_count
from tests.activity.support import client_for, log, sector
from tests.factories import TaskForceFactory, program_manager

URL = reverse("assessments:activity_statewide")
TODAY = datetime.date(2026, 6, 17)


# The suppression rule ---------------------------------------------------------


def test_a_count_from_1_to_threshold_minus_1_is_a_marker():
    assert [suppress_count(n, 11) for n in (0, 1, 10, 11, 250)] == [0, "<11", "<11", 11, 250]


def test_one_suppressed_cell_in_a_row_gets_a_second_beside_it():
    table = suppress_table([[40, 3, 0, 20, 30]], ["Coast"], ["a", "b", "c", "d", "e"], 11)
    # 3 alone would be the total minus the others: the smallest other
    # non-zero one goes too (a zero is always shown).
    assert table.cells == [[40, "<11", 0, "<11", 30]]
    assert table.row_totals == [93]


def test_a_column_with_one_suppressed_cell_gets_a_second():
    table = suppress_table([[50], [4], [30]], ["A", "B", "C"], ["meetings"], 11)
    assert table.cells == [[50], ["<11"], ["<11"]]
    assert table.total == 84


def test_zero_is_published_and_a_small_total_is_a_marker():
    table = suppress_table([[0, 5]], ["A"], ["x", "y"], 11)
    assert table.row_totals == ["<11"]
    assert table.cells[0][0] == 0
    assert table.cells[0][1] == "<11"


def _published(value):
    return isinstance(value, int)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda columns: st.lists(
            st.lists(st.integers(min_value=0, max_value=40), min_size=columns, max_size=columns),
            min_size=1,
            max_size=5,
        )
    ),
    st.sampled_from([5, 11]),
)
def test_no_suppressed_cell_is_alone_in_a_row_or_column_beside_a_published_total(values, threshold):
    columns = [str(c) for c in range(len(values[0]))]
    table = suppress_table(values, [str(r) for r in range(len(values))], columns, threshold)
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.column_totals, table.total])
    # No published count from 1 to threshold - 1, and no zero hidden (a
    # hidden zero would protect nothing: zeros are always shown).
    for row in grid:
        for cell in row:
            assert not (_published(cell) and 0 < cell < threshold)
    for row, shown in zip(values, table.cells, strict=True):
        for value, cell in zip(row, shown, strict=True):
            assert _published(cell) or value > 0
    # Rows (the totals' row too) and columns (the totals' column too).
    lines = list(grid) + [list(column) for column in zip(*grid, strict=True)]
    for line in lines:
        *cells, total = line
        hidden = [cell for cell in cells if not _published(cell)]
        if _published(total):
            assert len(hidden) != 1
        else:
            assert hidden, "a suppressed total is the sum of its published cells"


def test_periods_are_half_years():
    assert half_year(TODAY).label == "2026-H1"
    assert parse_period("2025-H2", TODAY).start == datetime.date(2025, 7, 1)
    assert parse_period("2025-H2", TODAY).end == datetime.date(2025, 12, 31)
    assert parse_period("garbage", TODAY).label == "2026-H1"


# The view ---------------------------------------------------------------------


def _region_of(region, meetings, trained_per_training, trainings=1):
    task_force = TaskForceFactory(region=region)
    for i in range(meetings):
        log(task_force, days=1 + i, counts={"attendees": {sector("labor"): 1}})
    for i in range(trainings):
        log(
            task_force,
            days=2 + i,
            kind="training_delivered",
            title="Training",
            counts={"trained": {sector("health-care"): trained_per_training}},
        )
    return task_force


@pytest.mark.django_db
def test_the_view_counts_by_region_and_kind_and_suppresses_small_numbers():
    _region_of("Coast", meetings=12, trained_per_training=30)
    _region_of("Valley", meetings=12, trained_per_training=3)
    data = activity_by_region(half_year(TODAY), 11)
    entries, people = data.entries, data.people
    assert entries.row_labels == ["Coast", "Valley"]
    meetings = entries.column_labels.index("Task force meeting")
    # One training each: hidden, and each region's 12 meetings hidden beside
    # it, or the region's total would give the training away.
    assert entries.cells == [
        ["<11" if i in (meetings, 3) else 0 for i in range(8)] for _ in range(2)
    ]
    assert entries.row_totals == [13, 13]
    # And so the totals row: the trainings' 2 hidden, the meetings' 24 beside it.
    assert (entries.column_totals[meetings], entries.column_totals[3]) == ("<11", "<11")
    assert entries.total == 26
    trained = people.column_labels.index("Training delivered")
    # Valley's 3 people trained is suppressed, and so is something beside it.
    assert people.cells[1][trained] == "<11"
    assert (
        people.cells[0][trained] == "<11"
        or people.row_totals[1] == "<11"
        or any(cell == "<11" for i, cell in enumerate(people.cells[1]) if i != trained)
    )


@pytest.mark.django_db
def test_one_region_is_its_row_of_the_whole_table_not_a_table_of_its_own():
    # Suppressed on its own, Coast's table would hide other cells than its
    # row in the whole one (and total its own row): the two pages side by
    # side could then be subtracted. It is the whole table's row.
    _region_of("Coast", meetings=12, trained_per_training=30)
    _region_of("Valley", meetings=12, trained_per_training=3)
    _region_of("Valley", meetings=30, trained_per_training=40)
    whole = activity_by_region(half_year(TODAY), 11)
    coast = activity_by_region(half_year(TODAY), 11, region="Coast")
    for one, every in ((coast.entries, whole.entries), (coast.people, whole.people)):
        assert one.rows == [row for row in every.rows if row[0] == "Coast"]
        assert (one.column_totals, one.total) == (every.column_totals, every.total)
    html = client_for(program_manager()).get(URL, {"region": "Coast"}).content.decode()
    assert '<th scope="row">Coast</th>' in html
    assert '<th scope="row">Valley</th>' not in html
    assert '<th scope="row">All regions</th>' in html
    assert activity_by_region(half_year(TODAY), 11, region="Nowhere").entries.rows == []


@pytest.mark.django_db
def test_a_run_may_raise_the_threshold_but_not_lower_it():
    _region_of("Coast", meetings=12, trained_per_training=30)
    client = client_for(program_manager())
    lowered = client.get(URL + "?threshold=3").content.decode()
    assert "&lt;3" not in lowered
    assert "&lt;11" in lowered  # the one training
    html = client.get(URL + "?threshold=50").content.decode()
    assert "&lt;50" in html


@pytest.mark.django_db
def test_coordinators_get_403():
    task_force = TaskForceFactory()
    from tests.factories import UserFactory

    user = UserFactory()
    task_force.coordinators.add(user)
    assert client_for(user).get(URL).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("task_forces", [2, 12])
def test_the_view_reads_a_fixed_number_of_queries(task_forces, django_assert_num_queries):
    for i in range(task_forces):
        _region_of(f"Region {i % 4}", meetings=2, trained_per_training=i, trainings=2)
    client = client_for(program_manager())
    client.get(URL)
    # Session, user, its permissions (2), the regions, the two aggregates
    # (entries, people), the menu's counts.
    with django_assert_num_queries(8):
        response = client.get(URL + "?period=2026-H1")
    assert response.status_code == 200
    assert "Activity statewide, 2026-H1" in response.content.decode()


@pytest.mark.django_db
def test_the_half_year_is_suppressed_with_its_year_so_they_cannot_be_subtracted():
    from assessments.activity import services

    def meetings(task_force, day, count):
        for i in range(count):
            services.activity_entry_create(
                task_force=task_force,
                date=day + datetime.timedelta(days=i),
                kind="task_force_meeting",
                user=None,
                title="Monthly task force meeting",
                counts={},
            )

    coast, valley = TaskForceFactory(region="Coast"), TaskForceFactory(region="Valley")
    meetings(coast, datetime.date(2025, 2, 1), 12)
    meetings(coast, datetime.date(2025, 8, 1), 12)
    meetings(valley, datetime.date(2025, 2, 1), 12)
    meetings(valley, datetime.date(2025, 8, 1), 3)
    first_half = activity_by_region(parse_period("2025-H1", TODAY), 11).entries
    second_half = activity_by_region(parse_period("2025-H2", TODAY), 11).entries
    column = first_half.column_labels.index("Task force meeting")
    assert second_half.cells[1][column] == "<11"
    # Valley's year (15, in the report pack) less its first half would give
    # its second half's 3 away: the first half's 12 is hidden as well.
    assert first_half.cells[1][column] == "<11"
