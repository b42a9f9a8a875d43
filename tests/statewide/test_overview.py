"""The statewide matrix and gaps, on a hand-made set of task forces."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Area, MilestoneStatus, Status
from assessments.statewide import overview
from stages.models import Milestone
from tests.factories import TaskForceFactory

MATRIX = reverse("assessments:overview")
GAPS = reverse("assessments:gaps")


@pytest.fixture
def three(guidance):
    """North: all Foundation achieved; South: two achieved, one lapsed, one
    planning; East: nothing yet."""
    north = TaskForceFactory(name="North", region="Coast")
    south = TaskForceFactory(name="South", region="Valley")
    east = TaskForceFactory(name="East", region="Valley")
    for milestone in Milestone.objects.filter(stage__slug="foundation"):
        MilestoneStatus.objects.create(
            task_force=north, milestone=milestone, status=Status.ACHIEVED
        )
    for slug, status in [
        ("agency-awareness", Status.ACHIEVED),
        ("community-awareness", Status.ACHIEVED),
        ("task-force-mou", Status.LAPSED),
        ("funded-coordinator", Status.PLANNING),
        ("youth-voice", Status.IN_PROGRESS),
    ]:
        MilestoneStatus.objects.create(
            task_force=south, milestone=Milestone.objects.get(slug=slug), status=status
        )
    return north, south, east


@pytest.fixture
def manager_client(client, world):
    client.force_login(world["users"]["program_manager"])
    return client


def _rows(response):
    return {row.task_force.name: row for row in response.context["matrix"].rows}


def test_matrix_shows_each_task_force_against_each_milestone(three, manager_client):
    response = manager_client.get(MATRIX)
    assert response.status_code == 200
    rows = _rows(response)
    milestones = response.context["matrix"].milestones
    assert len(milestones) == 28
    south = rows["South"]
    by_slug = dict(zip([m.slug for m in milestones], south.statuses, strict=True))
    assert by_slug["task-force-mou"] == Status.LAPSED
    assert by_slug["funded-coordinator"] == Status.PLANNING
    assert by_slug["youth-voice"] == Status.IN_PROGRESS
    assert by_slug["treatment"] == Status.NOT_STARTED
    assert (rows["North"].achieved, rows["South"].achieved, rows["East"].achieved) == (11, 2, 0)
    html = response.content.decode()
    assert "Legend:" in html
    assert '<span aria-hidden="true">L</span><span class="visually-hidden">Lapsed</span>' in html


def test_matrix_sorts_by_progress_and_filters_by_region_and_stage(three, manager_client):
    names = list(_rows(manager_client.get(MATRIX, {"sort": "progress"})))
    assert [name for name in names if name in {"North", "South", "East"}] == [
        "North",
        "South",
        "East",
    ]
    assert names[0] == "North"
    assert list(_rows(manager_client.get(MATRIX, {"region": "Valley"}))) == ["East", "South"]
    staged = manager_client.get(MATRIX, {"stage": "sustainability"})
    assert [m.slug for m in staged.context["matrix"].milestones][:1] == ["legislative-changes"]
    assert len(staged.context["matrix"].milestones) == 6
    assert _rows(staged)["North"].achieved == 0  # its Foundation milestones do not count here
    assert _rows(staged)["South"].statuses[2] == Status.NOT_STARTED


def test_coordinators_see_only_their_own_rows(three, client, coordinator, task_force):
    client.force_login(coordinator)
    assert list(_rows(client.get(MATRIX))) == [task_force.name]


def test_gaps_count_each_status_and_put_the_most_lacking_first(three, manager_client):
    response = manager_client.get(GAPS, {"region": "Valley"})
    assert response.context["count"] == 2
    gaps = {gap.milestone.slug: gap for gap in response.context["gaps"]}
    mou = gaps["task-force-mou"]
    assert (mou.achieved, mou.working, mou.lapsed, mou.not_started) == (0, 0, 1, 1)
    agency = gaps["agency-awareness"]
    assert (agency.achieved, agency.working, agency.lapsed, agency.not_started) == (1, 0, 0, 1)
    youth = gaps["youth-voice"]
    assert (youth.achieved, youth.working, youth.not_started) == (0, 1, 1)
    order = [gap.milestone.slug for gap in response.context["gaps"]]
    assert order.index("agency-awareness") > order.index("task-force-mou")
    lacking = [gap.lacking for gap in response.context["gaps"]]
    assert lacking == sorted(lacking, reverse=True)


def test_gaps_over_all_task_forces(three, manager_client):
    # build_world (the manager's fixture) adds two more task forces.
    response = manager_client.get(GAPS)
    gaps = {gap.milestone.slug: gap for gap in response.context["gaps"]}
    total = response.context["count"]
    assert gaps["agency-awareness"].achieved == 2
    assert sum((gaps["agency-awareness"].achieved, gaps["agency-awareness"].lacking)) == total


def test_counties_without_a_task_force_are_listed_as_coverage_gaps(three, manager_client):
    served = Area.objects.create(name="Lane County", state="XX", fips="99001")
    Area.objects.create(name="Linn County", state="XX", fips="99003")
    three[0].areas.add(served)
    uncovered = manager_client.get(GAPS).context["uncovered"]
    names = [area.name for area in uncovered["XX"]]
    assert names == ["Linn County"]


def test_coverage_gaps_are_for_those_who_see_every_task_force(three, client, coordinator):
    client.force_login(coordinator)
    assert client.get(GAPS).context["uncovered"] is None


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _more_task_forces(count):
    milestones = list(Milestone.objects.all()[:6])
    for task_force in TaskForceFactory.create_batch(count, region="Valley"):
        for milestone in milestones:
            MilestoneStatus.objects.create(
                task_force=task_force, milestone=milestone, status=Status.IN_PROGRESS
            )


@pytest.mark.parametrize("url", [MATRIX, GAPS, MATRIX + "?sort=progress&region=Valley"])
def test_query_counts_do_not_grow_with_task_forces(
    guidance, manager_client, url, django_assert_max_num_queries
):
    _more_task_forces(3)
    with django_assert_max_num_queries(14):
        few = _queries(manager_client, url)
    _more_task_forces(27)
    with django_assert_max_num_queries(14):
        many = _queries(manager_client, url)
    assert few == many


def test_the_matrix_is_paginated(guidance, manager_client):
    _more_task_forces(55)
    first = manager_client.get(MATRIX, {"region": "Valley"})
    assert len(first.context["matrix"].rows) == 50
    html = first.content.decode()
    assert "region=Valley&amp;page=2" in html
    assert "Page 1 of 2 (" in html and " task forces)</span>" in html


@pytest.mark.parametrize(
    "query",
    [
        {"region": "\x00"},
        {"region": "Valley\x00"},
        {"region": "x" * 101},
        {"stage": "\x00"},
        {"stage": "<script>"},
        {"sort": "\x00"},
        {"sort": "pk; drop table"},
        {"page": "\x00"},
    ],
)
def test_invalid_matrix_filters_are_ignored(three, manager_client, query):
    response = manager_client.get(MATRIX, query)
    assert response.status_code == 200
    assert response.context["filters"] == {"region": "", "stage": "", "sort": "name"}
    assert {"North", "South", "East"} <= set(_rows(response))


@pytest.mark.parametrize("region", ["\x00", "Valley\x00", "x" * 101])
def test_an_invalid_gaps_region_is_ignored(three, manager_client, region):
    response = manager_client.get(GAPS, {"region": region})
    assert response.status_code == 200
    assert response.context["region"] == ""
    assert response.context["count"] == manager_client.get(GAPS).context["count"]


def test_gaps_of_a_region_with_spaces_in_its_name(guidance, manager_client):
    TaskForceFactory(name="Harbor", region="North Coast ' OR 1=1 --")
    response = manager_client.get(GAPS, {"region": "North Coast ' OR 1=1 --"})
    assert response.status_code == 200
    assert response.context["count"] == 1
    # Served from the cache the second time, for the same region only.
    assert manager_client.get(GAPS, {"region": "North Coast ' OR 1=1 --"}).context["count"] == 1
    assert manager_client.get(GAPS, {"region": "Elsewhere"}).context["count"] == 0


def test_matrix_column_headers_name_their_milestone(three, manager_client):
    html = manager_client.get(MATRIX).content.decode()
    # Read by screen readers as part of the header; shown on hover and focus.
    assert (
        '<span class="m-head" tabindex="0">1.1<span class="visually-hidden"> '
        "Agency Awareness</span></span>" in html
    )
    assert '<span class="m-tip" aria-hidden="true">Foundation: Agency Awareness</span>' in html
    # The key stays, for print.
    assert "<dt>1.1</dt><dd>Foundation: Agency Awareness</dd>" in html


def test_gaps_say_how_much_of_each_state_the_county_list_holds(three, manager_client):
    Area.objects.all().delete()
    served = Area.objects.create(name="Lane County", state="OR", fips="41039")
    Area.objects.create(name="Linn County", state="OR", fips="41043")
    Area.objects.create(name="Clark County", state="WA", fips="53011")
    three[0].areas.add(served)
    response = manager_client.get(GAPS)
    assert response.context["county_list"] == [
        overview.CountyList("OR", 2, 36),
        overview.CountyList("WA", 1, 39),
    ]
    html = response.content.decode()
    assert (
        "The county list holds OR: 2 of 36 counties (incomplete); "
        "WA: 1 of 39 counties (incomplete)." in html
    )
    assert html.count("Counties of other states are not checked here.") == 1
    assert "load_counties --state OR" in html
    assert "Every county" not in html


def test_gaps_never_claim_every_county_is_served_without_a_county_list(three, manager_client):
    Area.objects.all().delete()
    html = manager_client.get(GAPS).content.decode()
    assert "No county list is loaded yet, so coverage cannot be checked." in html
    assert "Every county" not in html


def test_a_complete_and_fully_served_state_says_so(three, manager_client, monkeypatch):
    Area.objects.all().delete()
    monkeypatch.setattr(overview, "census_county_counts", lambda: {"OR": 1})
    three[0].areas.add(Area.objects.create(name="Lane County", state="OR", fips="41039"))
    html = manager_client.get(GAPS).content.decode()
    assert "The county list holds OR: 1 of 1 county." in html
    assert "Every county in that list is served by a task force." in html


def test_matrix_sorted_by_progress_agrees_with_the_progress_shown_elsewhere(three, manager_client):
    from assessments.core.progress import progress_for

    rows = manager_client.get(MATRIX, {"sort": "progress"}).context["matrix"].rows
    percents = [row.progress.percent for row in rows]
    assert percents == sorted(percents, reverse=True)
    progress = progress_for([row.task_force for row in rows])
    assert [(row.achieved, row.total, row.progress.percent) for row in rows] == [
        (p.achieved, p.total, p.percent) for p in (progress[row.task_force.pk] for row in rows)
    ]


def test_matrix_sorted_by_progress_takes_the_same_queries_for_3_and_63_task_forces(
    guidance, manager_client
):
    def count(params):
        manager_client.get(MATRIX, params)  # warm what is cached
        with CaptureQueriesContext(connection) as captured:
            response = manager_client.get(MATRIX, params)
        return len(captured), response

    TaskForceFactory.create_batch(3)
    few, _ = count({"sort": "progress"})
    TaskForceFactory.create_batch(60)
    many, response = count({"sort": "progress", "page": "2"})
    assert response.context["matrix"].page.paginator.num_pages >= 2
    assert len(response.context["matrix"].rows) > 0
    assert few == many
