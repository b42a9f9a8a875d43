"""The program manager's review page: the decision comes after the version
it is about, Accept asks for confirmation on a page of its own (no
JavaScript needed), and people are named by their full name, never by
username or e-mail address."""

import pytest
from django.test import Client

from assessments.cycles import services as cycles
from assessments.models import CycleSubmission, SubmissionReview
from tests.cycle_support import open_cycle, submit
from tests.factories import TaskForceFactory, UserFactory, program_manager


@pytest.fixture
def people(guidance, task_force):
    coordinator = UserFactory(
        username="casey_d", first_name="Casey", last_name="Demo", email="casey@example.org"
    )
    task_force.coordinators.add(coordinator)
    manager = program_manager(
        username="pat_m", first_name="Pat", last_name="Manager", email="pat@example.org"
    )
    return coordinator, manager


@pytest.fixture
def submitted(people, task_force):
    coordinator, manager = people
    cycle = open_cycle(manager)
    submit(cycle.submissions.get(task_force=task_force), coordinator)
    return CycleSubmission.objects.get(cycle=cycle, task_force=task_force)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _url(submission, tail=""):
    return f"/cycles/{submission.cycle_id}/task-forces/{submission.task_force.slug}/{tail}"


def test_the_decision_comes_after_the_version_it_is_about(people, submitted):
    html = _client(people[1]).get(_url(submitted)).content.decode()
    version = html.index('id="version-1"')
    decision = html.index('id="decision"')
    assert version < decision
    assert html.index("Milestones as submitted in version 1") < decision
    assert '<a href="#decision">give your decision</a>' in html


def test_people_are_named_by_full_name_never_username_or_email(people, submitted):
    coordinator, manager = people
    submitted.refresh_from_db()
    cycles.submission_return(submission=submitted, comments="Add totals.", user=manager)
    submitted.refresh_from_db()
    cycles.submission_submit(
        submission=submitted, user=coordinator, expected_version=submitted.version
    )
    for user in (manager, coordinator):
        html = _client(user).get(_url(submitted)).content.decode()
        assert "submitted by Casey Demo" in html
        assert "Returned by Pat Manager" in html
        page = html[html.index("<main") :]  # the menu names the signed-in person
        for hidden in ("casey_d", "pat_m", "casey@example.org", "pat@example.org"):
            assert hidden not in page, (user, hidden)
    cycle_page = _client(manager).get(f"/cycles/{submitted.cycle_id}/").content.decode()
    assert "opened 17 Jun 2026 by Pat Manager" in cycle_page
    assert "pat_m" not in cycle_page[cycle_page.index("<main") :]


def test_an_account_without_a_full_name_is_named_by_role(guidance, task_force):
    coordinator = UserFactory(username="nameless", first_name="", last_name="")
    task_force.coordinators.add(coordinator)
    manager = program_manager(first_name="", last_name="", username="pm_nameless")
    cycle = open_cycle(manager)
    submit(cycle.submissions.get(task_force=task_force), coordinator)
    submission = CycleSubmission.objects.get()
    html = _client(manager).get(_url(submission)).content.decode()
    assert "submitted by a coordinator" in html
    assert "nameless" not in html[html.index("<main") :]


def test_accept_asks_for_confirmation_first_and_saves_nothing_until_then(people, submitted):
    client = _client(people[1])
    data = {"version": submitted.version, "decision": "accepted", "comments": "Well done."}
    asked = client.post(_url(submitted, "decide/"), data)
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Accept version 1 of" in html
    assert "submitted by Casey Demo" in html
    assert 'name="confirmed" value="yes"' in html
    assert 'name="comments" value="Well done."' in html
    assert CycleSubmission.objects.get().state == "submitted"
    assert not SubmissionReview.objects.exists()

    done = client.post(_url(submitted, "decide/"), {**data, "confirmed": "yes"})
    assert done.status_code == 302
    assert CycleSubmission.objects.get().state == "accepted"
    assert SubmissionReview.objects.get().comments == "Well done."


def test_return_needs_no_confirmation_but_comments(people, submitted):
    client = _client(people[1])
    url = _url(submitted, "decide/")
    blank = client.post(url, {"version": submitted.version, "decision": "returned"})
    assert blank.status_code == 400
    assert CycleSubmission.objects.get().state == "submitted"
    client.post(url, {"version": submitted.version, "decision": "returned", "comments": "Totals."})
    assert CycleSubmission.objects.get().state == "returned"


def test_a_stale_confirmation_is_refused(people, submitted):
    coordinator, manager = people
    client = _client(manager)
    old = submitted.version
    cycles.submission_return(submission=submitted, comments="Again.", user=program_manager())
    response = client.post(
        _url(submitted, "decide/"), {"version": old, "decision": "accepted", "confirmed": "yes"}
    )
    assert response.status_code == 409
    assert CycleSubmission.objects.get().state == "returned"


def test_a_coordinator_cannot_confirm_an_acceptance(people, submitted):
    response = _client(people[0]).post(
        _url(submitted, "decide/"),
        {"version": submitted.version, "decision": "accepted", "confirmed": "yes"},
    )
    assert response.status_code == 403
    assert CycleSubmission.objects.get().state == "submitted"


def test_a_task_force_not_in_the_cycle_is_404(people, submitted):
    outside = TaskForceFactory()
    response = _client(people[1]).post(
        f"/cycles/{submitted.cycle_id}/task-forces/{outside.slug}/decide/",
        {"version": 0, "decision": "accepted", "confirmed": "yes"},
    )
    assert response.status_code == 404
