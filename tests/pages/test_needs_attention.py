"""The dashboard's "Needs your attention": each item appears for the person
whose turn it is, links to where it is done, disappears once done, never
shows another task force's items, and costs the same queries for 2 task
forces or 20."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.cycles import services as cycles
from assessments.help import services as help_requests
from assessments.models import MilestoneStatus, MouStatus, Status
from stages.models import Milestone
from tests.cycle_support import open_cycle, submit
from tests.factories import (
    PartnerAgencyFactory,
    TaskForceFactory,
    UserFactory,
    program_manager,
)

URL = "/"


def _page(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def _attention(user) -> dict[str, list]:
    """{group key: [item text, ...]} of the signed-in person's list."""
    client = Client()
    client.force_login(user)
    response = client.get(URL)
    return {
        group.key: [item.text for item in group.items] for group in response.context["attention"]
    }


@pytest.fixture
def manager(db):
    return program_manager(first_name="Pat", last_name="Manager")


@pytest.fixture
def other(db):
    """Another task force with its own coordinator."""
    task_force = TaskForceFactory(name="Elsewhere Task Force")
    person = UserFactory(first_name="Olive", last_name="Other")
    task_force.coordinators.add(person)
    return task_force, person


# Coordinators ------------------------------------------------------------


def test_an_empty_list_says_so_in_one_line(guidance, coordinator):
    html = _page(coordinator)
    assert "Needs your attention" in html
    assert "Nothing needs your attention right now." in html


def test_a_returned_submission_appears_until_it_is_submitted_again(
    guidance, task_force, coordinator, manager, other
):
    cycle = open_cycle(manager, days=90)
    submission = cycle.submissions.get(task_force=task_force)
    submit(submission, coordinator)
    submission.refresh_from_db()
    cycles.submission_return(submission=submission, comments="Add totals.", user=manager)
    html = _page(coordinator)
    assert "Returned to you" in html
    assert f"/cycles/{cycle.pk}/task-forces/{task_force.slug}/" in html
    assert _attention(coordinator)["returned"] == [f"{task_force.name}: {cycle.title}"]
    # Another task force's coordinator does not see it; theirs is not due within 30 days.
    assert "returned" not in _attention(other[1])
    submission.refresh_from_db()
    cycles.submission_submit(
        submission=submission, user=coordinator, expected_version=submission.version
    )
    assert "returned" not in _attention(coordinator)


def test_a_cycle_due_within_30_days_appears_until_it_is_submitted(
    guidance, task_force, coordinator, manager, other
):
    cycle = open_cycle(manager, days=30)
    later = open_cycle(manager, days=31, title="Later cycle")
    due = _attention(coordinator)["cycles_due"]
    assert due == [f"{task_force.name}: {cycle.title}"]
    assert later.title not in " ".join(due)
    assert _attention(other[1])["cycles_due"] == [f"{other[0].name}: {cycle.title}"]
    submit(cycle.submissions.get(task_force=task_force), coordinator)
    assert "cycles_due" not in _attention(coordinator)


def test_a_late_cycle_is_flagged_late(guidance, task_force, coordinator, manager):
    open_cycle(manager, days=5)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=10)):
        html = _page(coordinator)
    assert '<span class="badge text-bg-warning me-1">Late</span>' in html
    assert "was due" in html


def test_an_unread_reply_appears_until_the_thread_is_opened(
    guidance, task_force, coordinator, manager, other
):
    request = help_requests.help_request_create(
        task_force=task_force, milestone=None, subject="MOU template", body="Any?", user=coordinator
    )
    assert "help_replies" not in _attention(coordinator)  # nobody replied yet
    help_requests.help_request_reply(
        request=request, body="Here is one.", user=manager, expected_version=request.version
    )
    assert _attention(coordinator)["help_replies"] == [f"{task_force.name}: MOU template"]
    assert "help_replies" not in _attention(other[1])
    client = Client()
    client.force_login(coordinator)
    assert client.get(f"/task-forces/{task_force.slug}/help/{request.pk}/").status_code == 200
    assert "help_replies" not in _attention(coordinator)


def test_milestones_due_for_review_appear_until_confirmed(guidance, task_force, coordinator, other):
    mou = Milestone.objects.get(slug="task-force-mou")
    long_ago = timezone.now() - datetime.timedelta(days=400)
    for task_force_ in (task_force, other[0]):
        MilestoneStatus.objects.create(
            task_force=task_force_, milestone=mou, status=Status.ACHIEVED, status_since=long_ago
        )
    items = _attention(coordinator)["review_due"]
    assert items == [f"{task_force.name}: 1 milestone due for review"]
    client = Client()
    client.force_login(coordinator)
    client.post(f"/task-forces/{task_force.slug}/milestones/task-force-mou/confirm/")
    assert "review_due" not in _attention(coordinator)
    assert "review_due" in _attention(other[1])


def test_mous_expiring_within_the_window_appear(guidance, task_force, coordinator, other):
    today = timezone.localdate()
    soon = PartnerAgencyFactory(
        task_force=task_force,
        name="County Clinic",
        signed=True,
        mou_renews_on=today + datetime.timedelta(days=60),
    )
    PartnerAgencyFactory(
        task_force=task_force, signed=True, mou_renews_on=today + datetime.timedelta(days=61)
    )
    PartnerAgencyFactory(
        task_force=other[0],
        name="Elsewhere Shelter",
        signed=True,
        mou_renews_on=today + datetime.timedelta(days=3),
    )
    assert _attention(coordinator)["mous_expiring"] == [f"{task_force.name}: County Clinic"]
    assert f"/task-forces/{task_force.slug}/partners/{soon.pk}/" in _page(coordinator)
    soon.mou_status = MouStatus.EXPIRED
    soon.save()
    assert "mous_expiring" not in _attention(coordinator)


def test_a_coordinator_of_several_task_forces_sees_each(guidance, coordinator, task_force, manager):
    second = TaskForceFactory(name="Second Task Force")
    second.coordinators.add(coordinator)
    cycle = open_cycle(manager, days=10)
    assert sorted(_attention(coordinator)["cycles_due"]) == sorted(
        [f"{task_force.name}: {cycle.title}", f"{second.name}: {cycle.title}"]
    )


# The state program -------------------------------------------------------


def test_submissions_waiting_for_a_decision_oldest_first_with_days_waiting(
    guidance, manager, staff_user
):
    old, new = TaskForceFactory(name="Older Task Force"), TaskForceFactory(name="Newer")
    with time_machine.travel(timezone.now() - datetime.timedelta(days=4)):
        cycle = open_cycle(manager)
    people = {}
    for tf in (old, new):
        people[tf] = UserFactory()
        tf.coordinators.add(people[tf])
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        submit(cycle.submissions.get(task_force=old), people[old])
    submit(cycle.submissions.get(task_force=new), people[new])
    assert _attention(manager)["decisions"] == [
        f"{old.name}: {cycle.title}",
        f"{new.name}: {cycle.title}",
    ]
    html = _page(manager)
    assert "waiting 3 days" in html and "submitted today" in html
    assert "decisions" in _attention(staff_user)
    submission = cycle.submissions.get(task_force=old)
    cycles.submission_accept(submission=submission, comments="", user=manager)
    assert _attention(manager)["decisions"] == [f"{new.name}: {cycle.title}"]


def test_help_requests_nobody_took_and_those_waiting_on_me(
    guidance, task_force, coordinator, manager
):
    colleague = program_manager()
    request = help_requests.help_request_create(
        task_force=task_force, milestone=None, subject="Training", body="When?", user=coordinator
    )
    assert _attention(manager)["help_waiting"] == [f"{task_force.name}: Training"]
    assert "Unassigned" in _page(manager)
    request = help_requests.help_request_assign(
        request=request, assignee=colleague, user=manager, expected_version=request.version
    )
    # Someone else's now: off my list, on theirs.
    assert "help_waiting" not in _attention(manager)
    assert _attention(colleague)["help_waiting"] == [f"{task_force.name}: Training"]
    help_requests.help_request_reply(
        request=request, body="Next month.", user=colleague, expected_version=request.version
    )
    assert "help_waiting" not in _attention(colleague)  # answered: the task force's turn


def test_task_forces_with_no_coordinator(guidance, task_force, coordinator, manager, staff_user):
    lonely = TaskForceFactory(name="Lonely Task Force")
    gone = TaskForceFactory(name="Gone Task Force")
    gone.coordinators.add(UserFactory(is_active=False))
    assert _attention(manager)["no_coordinator"] == [
        "Gone Task Force has no coordinator",
        "Lonely Task Force has no coordinator",
    ]
    assert f"/task-forces/{lonely.slug}/team/" in _page(staff_user)
    lonely.coordinators.add(UserFactory())
    assert _attention(manager)["no_coordinator"] == ["Gone Task Force has no coordinator"]
    # Coordinators are not told of other task forces.
    assert "no_coordinator" not in _attention(coordinator)


def test_a_long_list_is_cut_with_a_link_to_all(guidance, manager):
    TaskForceFactory.create_batch(12)
    html = _page(manager)
    assert len(_attention(manager)["no_coordinator"]) == 10
    assert "See them all" in html


# Queries -----------------------------------------------------------------


def _world(size: int, manager) -> tuple:
    """`size` task forces with one shared coordinator and something of every
    kind waiting for each, for both roles."""
    coordinator = UserFactory()
    mou = Milestone.objects.get(slug="task-force-mou")
    long_ago = timezone.now() - datetime.timedelta(days=400)
    task_forces = TaskForceFactory.create_batch(size)
    for task_force in task_forces:
        task_force.coordinators.add(coordinator)
    cycle = open_cycle(manager, days=20, title=f"Cycle {size}")
    for task_force in task_forces:
        MilestoneStatus.objects.create(
            task_force=task_force, milestone=mou, status=Status.ACHIEVED, status_since=long_ago
        )
        PartnerAgencyFactory(
            task_force=task_force,
            signed=True,
            mou_renews_on=timezone.localdate() + datetime.timedelta(days=10),
        )
        request = help_requests.help_request_create(
            task_force=task_force, milestone=None, subject="Q", body="?", user=coordinator
        )
        help_requests.help_request_reply(
            request=request, body="A.", user=manager, expected_version=request.version
        )
        help_requests.help_request_create(
            task_force=task_force, milestone=None, subject="Q2", body="?", user=coordinator
        )
        TaskForceFactory()  # one with no coordinator
        submission = cycle.submissions.get(task_force=task_force)
        if task_force.pk % 2:
            submit(submission, coordinator)
    return coordinator


def _queries(user) -> int:
    client = Client()
    client.force_login(user)
    client.get(URL)  # warm the session, the permissions and the cached list
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["coordinator", "manager", "staff"])
def test_the_list_costs_the_same_queries_for_2_and_20_task_forces(
    guidance, manager, role, django_assert_num_queries
):
    staff = UserFactory(is_staff=True)
    few_coordinator = _world(2, manager)
    few = {"coordinator": few_coordinator, "manager": manager, "staff": staff}[role]
    measured = _queries(few)
    many_coordinator = _world(20, manager)
    many = {"coordinator": many_coordinator, "manager": manager, "staff": staff}[role]
    # Pinned: the dashboard's own (session, user, permissions, ids), the
    # menu's counts, and one per group of the list.
    # And the dashboard filter's regions.
    expected = {"coordinator": 13, "manager": 12, "staff": 9}[role]
    assert measured == expected
    assert _queries(many) == expected
    with django_assert_num_queries(0):
        assert Client().get(URL).status_code == 302  # anonymous: to the login page
