"""Who reaches the help request pages: the task force's own coordinators and
the state program; another task force's coordinator gets 404 (even for a
request id of another task force under their own slug); read-only and wrong
roles get 403; partner links never show requests."""

import pytest
from django.urls import reverse

from assessments.help import services as help_requests
from assessments.models import HelpRequest
from tests.factories import PartnerLinkFactory, TaskForceFactory, UserFactory, program_manager

SUBJECT = "Subject-Heron-5521"
BODY = "Body-Walrus-8830"


@pytest.fixture
def world(task_force, coordinator, guidance):
    other_task_force = TaskForceFactory()
    other = UserFactory()
    other_task_force.coordinators.add(other)
    request = help_requests.help_request_create(
        task_force=task_force, milestone=None, subject=SUBJECT, body=BODY, user=coordinator
    )
    others_request = help_requests.help_request_create(
        task_force=other_task_force, milestone=None, subject="Theirs", body="Theirs", user=other
    )
    return {
        "task_force": task_force,
        "request": request,
        "others_request": others_request,
        "coordinator": coordinator,
        "other": other,
        "manager": program_manager(),
        "staff": UserFactory(is_staff=True),
    }


def _pages(world):
    slug, pk = world["task_force"].slug, world["request"].pk
    return {
        "list": reverse("assessments:help", args=[slug]),
        "new": reverse("assessments:help_new", args=[slug]),
        "thread": reverse("assessments:help_request", args=[slug, pk]),
        "queue": reverse("assessments:help_queue"),
        "statewide": reverse("assessments:help_statewide"),
    }


EXPECTED = {
    "coordinator": {"list": 200, "new": 200, "thread": 200, "queue": 403, "statewide": 403},
    "other": {"list": 404, "new": 404, "thread": 404, "queue": 403, "statewide": 403},
    "manager": {"list": 200, "new": 403, "thread": 200, "queue": 200, "statewide": 200},
    "staff": {"list": 200, "new": 200, "thread": 200, "queue": 200, "statewide": 200},
}


@pytest.mark.parametrize("role", EXPECTED)
def test_who_reaches_each_page(client, world, role):
    client.force_login(world[role])
    answers = {name: client.get(url).status_code for name, url in _pages(world).items()}
    assert answers == EXPECTED[role]


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in _pages(world).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_another_task_forces_request_under_ones_own_slug_is_404(client, world):
    client.force_login(world["coordinator"])
    slug = world["task_force"].slug
    theirs = world["others_request"].pk
    assert client.get(reverse("assessments:help_request", args=[slug, theirs])).status_code == 404
    response = client.post(
        reverse("assessments:help_reply", args=[slug, theirs]), {"body": "Hi", "version": 0}
    )
    assert response.status_code == 404
    assert world["others_request"].messages.count() == 1


def test_other_coordinators_cannot_write_either(client, world):
    client.force_login(world["other"])
    slug, pk = world["task_force"].slug, world["request"].pk
    for name in ("help_reply", "help_close", "help_reopen", "help_assign"):
        response = client.post(reverse(f"assessments:{name}", args=[slug, pk]), {"version": 0})
        assert response.status_code == 404, name
    new = client.post(reverse("assessments:help_new", args=[slug]), {"subject": "x", "body": "y"})
    assert new.status_code == 404
    assert HelpRequest.objects.count() == 2


def test_other_coordinators_get_404_even_when_they_may_read_every_task_force(
    client, world, settings
):
    settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES = True
    client.force_login(world["other"])
    slug = world["task_force"].slug
    assert client.get(reverse("assessments:task_force", args=[slug])).status_code == 200
    assert client.get(_pages(world)["thread"]).status_code == 404
    assert client.get(_pages(world)["list"]).status_code == 404


def test_a_coordinator_cannot_assign(client, world):
    client.force_login(world["coordinator"])
    slug, pk = world["task_force"].slug, world["request"].pk
    response = client.post(
        reverse("assessments:help_assign", args=[slug, pk]),
        {"assignee": world["manager"].pk, "version": 0},
    )
    assert response.status_code == 403
    world["request"].refresh_from_db()
    assert world["request"].assigned_to is None


def test_a_program_manager_only_reads_the_ask_form_is_403_on_post(client, world):
    client.force_login(world["manager"])
    response = client.post(
        reverse("assessments:help_new", args=[world["task_force"].slug]),
        {"subject": "x", "body": "y"},
    )
    assert response.status_code == 403
    assert HelpRequest.objects.count() == 2


def test_partner_links_never_show_requests(client, world):
    token = "help-test-token-0123456789abcdef"
    PartnerLinkFactory(task_force=world["task_force"], token=token)
    response = client.get(reverse("assessments:partner", args=[token]))
    assert response.status_code == 200
    html = response.content.decode()
    assert SUBJECT not in html and BODY not in html
    assert "/help/" not in html
    # Nor does a partner (anonymous) reach the pages by guessing.
    assert client.get(_pages(world)["thread"]).status_code == 302


def test_help_links_are_shown_to_whom_they_open(client, world):
    slug = world["task_force"].slug
    help_list = reverse("assessments:help", args=[slug])
    client.force_login(world["coordinator"])
    page = client.get(reverse("assessments:task_force", args=[slug])).content.decode()
    assert help_list in page and reverse("assessments:help_new", args=[slug]) in page
    queue_link = f'href="{reverse("assessments:help_queue")}"'
    assert queue_link not in page  # no queue in the nav
    client.force_login(world["manager"])
    page = client.get(reverse("assessments:task_force", args=[slug])).content.decode()
    assert help_list in page and queue_link in page
    assert reverse("assessments:help_new", args=[slug]) not in page


def test_visible_to_matches_the_pages(world, settings):
    settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES = True
    own, theirs = world["request"].pk, world["others_request"].pk

    def visible(user):
        return sorted(HelpRequest.objects.visible_to(user).values_list("pk", flat=True))

    assert visible(world["coordinator"]) == [own]
    assert visible(world["other"]) == [theirs]
    assert visible(world["manager"]) == sorted([own, theirs])
    assert visible(world["staff"]) == sorted([own, theirs])
    assert visible(UserFactory(is_active=False, is_staff=True)) == []
