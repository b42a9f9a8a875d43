"""The statewide compare of two review cycles: results on known data, which
snapshots count, who may open it, bad parameters, paging, and a constant
number of queries as task forces grow."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from assessments.cycles import compare_views as cycle_compare_views
from assessments.cycles.statewide import compare_cycles
from assessments.models import Status
from stages.models import Milestone
from tests.factories import (
    CycleSubmissionFactory,
    ReviewCycleFactory,
    TaskForceFactory,
    UserFactory,
    snapshot_of,
)

URL = reverse("assessments:cycles_compare")
A, L = Status.ACHIEVED, Status.LAPSED
FOUNDATION = [
    "agency-awareness",
    "community-awareness",
    "task-force-formation",
    "task-force-mou",
    "funded-coordinator",
    "develop-and-implement-response-protocols",
    "medical-response-plan",
    "initiate-case-review",
    "form-subcommittees",
    "diversify-task-force-representation",
    "survivor-representation",
]


def _achieved(*slugs, **others):
    return {**dict.fromkeys(slugs, A), **others}


@pytest.fixture
def manager(db):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Program managers"))
    return user


@pytest.fixture
def cycles(guidance):
    return (
        ReviewCycleFactory(title="2025 annual self-assessment"),
        ReviewCycleFactory(title="2026 annual self-assessment"),
    )


@pytest.fixture
def state(cycles):
    """North moves forward (2 -> all 11 of Foundation: now in Stabilization),
    South moves back (3 -> 1, task-force-mou lapsed), East stays (its 2026
    version 1 was returned; version 2 counts), West handed in to 2026 only,
    Coast only started 2026."""
    old, new = cycles
    north, south, east, west, coast = (
        TaskForceFactory(name=name) for name in ("North", "South", "East", "West", "Coast")
    )
    snapshot_of(north, old, _achieved("agency-awareness", "task-force-mou"))
    snapshot_of(north, new, _achieved(*FOUNDATION), state="submitted")
    snapshot_of(south, old, _achieved("agency-awareness", "task-force-mou", "data-collection"))
    snapshot_of(south, new, _achieved("agency-awareness", **{"task-force-mou": L}))
    snapshot_of(east, old, _achieved("agency-awareness"))
    snapshot_of(east, new, _achieved(), state="returned", decision="returned")
    snapshot_of(east, new, _achieved("agency-awareness"), number=2, state="accepted")
    snapshot_of(west, new, _achieved(*FOUNDATION))
    CycleSubmissionFactory(cycle=new, task_force=coast, state="in_progress")
    return {tf.name: tf for tf in (north, south, east, west, coast)}


def test_results_on_known_data(state, cycles):
    result = compare_cycles(*cycles)
    by_name = {row.task_force.name: row for row in result.rows}
    assert list(by_name) == ["North", "East", "South"]  # biggest move forward first
    north, east, south = by_name["North"], by_name["East"], by_name["South"]
    assert (north.before.achieved, north.after.achieved, north.direction) == (2, 11, "forward")
    assert north.change == 39 - 7
    assert (north.stage_then.slug, north.stage_now.slug) == ("foundation", "stabilization")
    assert (south.before.achieved, south.after.achieved, south.direction) == (3, 1, "back")
    assert (south.stage_then.slug, south.stage_now.slug) == ("foundation", "foundation")
    # East's returned version 1 (nothing achieved) is not counted; version 2 is.
    assert east.after_snapshot.number == 2 and east.direction == ""
    assert (result.forward, result.back, result.unchanged, result.in_one_only) == (1, 1, 1, 1)
    tallies = {tally.milestone.slug: tally for tally in result.milestones}
    assert len(tallies) == 28
    assert (tallies["task-force-mou"].gained, tallies["task-force-mou"].lost) == (0, 1)
    assert (tallies["data-collection"].gained, tallies["data-collection"].lost) == (0, 1)
    assert (tallies["funded-coordinator"].gained, tallies["funded-coordinator"].lost) == (1, 0)
    assert tallies["agency-awareness"].net == 0
    stages = {tally.stage.slug: (tally.then, tally.now) for tally in result.stages}
    assert stages == {"foundation": (3, 2), "stabilization": (0, 1), "sustainability": (0, 0)}


def test_the_page_shows_them(state, cycles, client, manager):
    old, new = cycles
    client.force_login(manager)
    response = client.get(URL, {"from": old.pk, "to": new.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 moved forward, 1 moved back, 1 unchanged" in html
    assert "Forward, +32 points" in html and "Back, -7 points" in html
    assert "1 task force was handed in to one of the two only" in html
    assert "latest version handed in" in html
    # Each row links to that task force's compare of the two snapshots.
    assert reverse("assessments:compare", args=[state["North"].slug]) in html
    assert "West" not in html and "Coast" not in html


def test_without_parameters_the_last_two_cycles_are_compared(state, cycles, client, manager):
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["result"].from_cycle == cycles[0]
    assert response.context["result"].to_cycle == cycles[1]


def test_the_moved_filter(state, cycles, client, manager):
    client.force_login(manager)
    response = client.get(URL, {"from": cycles[0].pk, "to": cycles[1].pk, "moved": "back"})
    names = [row.task_force.name for row in response.context["page"].object_list]
    assert names == ["South"]


def test_the_list_is_paged(state, cycles, client, manager, monkeypatch):
    monkeypatch.setattr(cycle_compare_views, "STATEWIDE_PAGE_SIZE", 2)
    client.force_login(manager)
    params = {"from": cycles[0].pk, "to": cycles[1].pk}
    first = client.get(URL, params)
    second = client.get(URL, {**params, "page": 2})
    assert [r.task_force.name for r in first.context["page"].object_list] == ["North", "East"]
    assert [r.task_force.name for r in second.context["page"].object_list] == ["South"]
    assert "page=2" in first.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "abc", "to": "NEW"}, "Select a valid choice"),
        ({"from": "999999", "to": "NEW"}, "Select a valid choice"),
        ({"to": "NEW"}, "This field is required."),
        ({"from": "NEW", "to": "NEW"}, "Choose two different cycles."),
        ({"from": "OLD", "to": "NEW", "moved": "sideways"}, "Select a valid choice"),
    ],
)
def test_bad_parameters_are_a_form_error(cycles, client, manager, params, message):
    old, new = cycles
    names = {"OLD": str(old.pk), "NEW": str(new.pk)}
    params = {key: names.get(value, value) for key, value in params.items()}
    client.force_login(manager)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["result"] is None


def test_coordinators_get_403_even_when_they_read_every_task_force(state, client, settings):
    coordinator = UserFactory()
    state["North"].coordinators.add(coordinator)
    client.force_login(coordinator)
    assert client.get(URL).status_code == 403
    settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES = True
    assert client.get(URL).status_code == 403


def test_staff_may_open_it_and_signed_out_visitors_log_in(cycles, client, staff_user):
    assert client.get(URL).status_code == 302
    client.force_login(staff_user)
    assert client.get(URL).status_code == 200


def _populate(cycles, count):
    old, new = cycles
    foundation = list(Milestone.objects.filter(stage__slug="foundation").values_list("slug"))
    for n in range(count):
        task_force = TaskForceFactory()
        snapshot_of(task_force, old, _achieved(*[s for (s,) in foundation[: n % 5]]))
        snapshot_of(task_force, new, _achieved(*[s for (s,) in foundation[: (n + 2) % 7]]))


@pytest.mark.parametrize("count", [3, 20])
def test_queries_do_not_grow_with_task_forces(
    cycles, client, manager, count, django_assert_max_num_queries
):
    _populate(cycles, count)
    client.force_login(manager)
    with django_assert_max_num_queries(12):  # 11 and the menu's counts
        response = client.get(URL, {"from": cycles[0].pk, "to": cycles[1].pk})
    assert len(response.context["result"].rows) == count


def test_the_overview_links_to_it_for_program_managers_only(cycles, client, manager, settings):
    client.force_login(manager)
    assert URL.encode() in client.get(reverse("assessments:overview")).content
    coordinator = UserFactory()
    TaskForceFactory().coordinators.add(coordinator)
    settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES = True
    client.force_login(coordinator)
    assert URL.encode() not in client.get(reverse("assessments:overview")).content
