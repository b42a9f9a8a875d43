"""The dashboard's filter by name and region, offered to those who see more
than ten task forces: it narrows the list, keeps itself across pages, says
when nothing matches, and costs a fixed number of queries."""

import pytest
from django.urls import reverse

from tests.factories import TaskForceFactory

URL = reverse("assessments:dashboard")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def many(db):
    made = [
        TaskForceFactory(name=f"Coast Task Force {i:02d}", region="North Coast") for i in range(6)
    ]
    made += [
        TaskForceFactory(name=f"Valley Task Force {i:02d}", region="Willamette Valley")
        for i in range(6)
    ]
    return made


def _names(response) -> list[str]:
    return [task_force.name for task_force, _ in response.context["cards"]]


def test_no_filter_for_ten_task_forces_or_fewer(staff_client, db):
    TaskForceFactory.create_batch(10)
    html = staff_client.get(URL).content.decode()
    assert 'aria-label="Filter the task forces"' not in html


def test_a_filter_by_name_and_region_for_more_than_ten(staff_client, many):
    html = staff_client.get(URL).content.decode()
    assert 'aria-label="Filter the task forces"' in html
    assert '<option value="North Coast">North Coast</option>' in html

    by_name = staff_client.get(URL, {"q": "valley task force 0"})
    assert _names(by_name) == [f"Valley Task Force {i:02d}" for i in range(6)]
    by_region = staff_client.get(URL, {"region": "North Coast"})
    assert _names(by_region) == [f"Coast Task Force {i:02d}" for i in range(6)]
    both = staff_client.get(URL, {"q": "03", "region": "North Coast"})
    assert _names(both) == ["Coast Task Force 03"]
    # What was typed stays in the form, and "Show all" undoes it.
    assert 'value="03"' in both.content.decode()
    assert "Show all" in both.content.decode()


def test_a_filter_that_matches_nothing_says_so(staff_client, many):
    response = staff_client.get(URL, {"q": "no such place"})
    assert response.status_code == 200
    assert "No task force matches this filter." in response.content.decode()
    assert 'aria-label="Filter the task forces"' in response.content.decode()


def test_the_pager_keeps_the_filter(staff_client, db):
    TaskForceFactory.create_batch(55, region="Central")
    html = staff_client.get(URL, {"region": "Central"}).content.decode()
    assert 'href="?region=Central&amp;page=2"' in html


def test_a_coordinator_filters_only_their_own(client, coordinator, db):
    mine = TaskForceFactory.create_batch(11, region="South")
    for task_force in mine:
        task_force.coordinators.add(coordinator)
    TaskForceFactory(name="Someone Else's South Task Force", region="South")
    client.force_login(coordinator)
    response = client.get(URL, {"region": "South"})
    assert len(_names(response)) == 11
    assert "Someone Else's South Task Force" not in response.content.decode()


def test_filtering_costs_no_more_queries(staff_client, many, django_assert_max_num_queries):
    staff_client.get(URL)
    with django_assert_max_num_queries(15):
        assert staff_client.get(URL, {"q": "coast", "region": "North Coast"}).status_code == 200


def test_a_nul_character_filters_nothing_and_fails_nothing(staff_client, many):
    response = staff_client.get(URL, {"q": "coast\x00", "region": "\x00"})
    assert response.status_code == 200
    assert len(response.context["cards"]) == 12
