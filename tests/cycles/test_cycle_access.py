import pytest
from django.test import Client

from assessments.cycles.models import CycleSubmission
from assessments.models import PartnerLink, hash_token
from tests.cycle_support import open_cycle, program_manager, submit
from tests.factories import TaskForceFactory, UserFactory


@pytest.fixture
def two(guidance, task_force, coordinator):
    other = TaskForceFactory()
    other_coordinator = UserFactory()
    other.coordinators.add(other_coordinator)
    manager = program_manager()
    cycle = open_cycle(manager)
    return {
        "cycle": cycle,
        "own": task_force,
        "other": other,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "manager": manager,
    }


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _url(two, task_force, tail=""):
    return f"/cycles/{two['cycle'].pk}/task-forces/{task_force.slug}/{tail}"


def test_a_coordinator_lists_only_their_own_submissions(two):
    page = _client(two["coordinator"]).get("/cycles/")
    assert two["own"].name.encode() in page.content
    assert two["other"].name.encode() not in page.content


def test_another_task_forces_submission_is_404(two):
    client = _client(two["coordinator"])
    assert client.get(_url(two, two["other"])).status_code == 404
    assert client.post(_url(two, two["other"], "save/"), {"version": 0}).status_code == 404
    assert client.get(_url(two, two["own"])).status_code == 200


def test_coordinators_get_403_on_the_cycle_page_and_opening(two):
    client = _client(two["coordinator"])
    assert client.get(f"/cycles/{two['cycle'].pk}/").status_code == 403
    assert client.get("/cycles/open/").status_code == 403
    assert client.post("/cycles/open/", {"title": "x", "due_on": "2999-01-01"}).status_code == 403


def test_a_coordinator_cannot_accept_their_own_submission(two):
    submission = CycleSubmission.objects.get(task_force=two["own"])
    submit(submission, two["coordinator"])
    response = _client(two["coordinator"]).post(
        _url(two, two["own"], "decide/"), {"version": 99, "decision": "accepted"}
    )
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.state == "submitted"


def test_program_managers_read_but_cannot_edit_a_submission(two):
    client = _client(two["manager"])
    page = client.get(_url(two, two["own"]))
    assert page.status_code == 200
    assert b"Save draft" not in page.content
    assert client.post(_url(two, two["own"], "save/"), {"version": 0}).status_code == 403


def test_the_partner_page_shows_nothing_of_the_cycle(two):
    submission = CycleSubmission.objects.get(task_force=two["own"])
    submit(submission, two["coordinator"])
    PartnerLink.objects.create(
        task_force=two["own"], label="Health", token_hash=hash_token("t" * 40)
    )
    page = Client().get("/p/" + "t" * 40 + "/")
    assert page.status_code == 200
    assert b"self-assessment" not in page.content
    assert b"met monthly" not in page.content
    assert Client().get(_url(two, two["own"])).status_code == 302  # to the login
