"""The counts beside *Review cycles* and *Help requests* in the menu: the
same definitions as "Needs your attention", one query on a signed-in page
whatever the numbers, none on anonymous and partner pages."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessments.cycles import services as cycles
from assessments.help import services as help_requests
from tests.cycle_support import open_cycle, submit
from tests.factories import PartnerLinkFactory, TaskForceFactory, UserFactory, program_manager


def _counts(user, url="/cycles/") -> dict[str, int]:
    """{"Review cycles": n, "Help requests": n} as the menu shows them (0: no badge)."""
    client = Client()
    client.force_login(user)
    html = client.get(url).content.decode()
    nav = html[html.index('aria-label="Main"') : html.index("</nav>")]
    found = {}
    for label in ("Review cycles", "Help requests"):
        match = re.search(
            label + r'(?: <span class="badge[^"]*menu-count">(\d+)'
            r'<span class="visually-hidden"> waiting for you</span></span>)?</a>',
            nav,
        )
        found[label] = int(match.group(1) or 0) if match else None
    return found


@pytest.fixture
def manager(db):
    return program_manager(first_name="Pat", last_name="Manager")


def test_no_badge_when_nothing_waits(guidance, coordinator, manager):
    assert _counts(coordinator)["Review cycles"] == 0
    assert _counts(manager) == {"Review cycles": 0, "Help requests": 0}


def test_a_coordinator_counts_cycles_due_and_returned_and_unread_replies(
    guidance, task_force, coordinator, manager
):
    other = TaskForceFactory()
    other.coordinators.add(UserFactory())
    cycle = open_cycle(manager, days=20)
    assert _counts(coordinator)["Review cycles"] == 1  # due in 20 days
    submission = cycle.submissions.get(task_force=task_force)
    submit(submission, coordinator)
    assert _counts(coordinator)["Review cycles"] == 0
    submission.refresh_from_db()
    cycles.submission_return(submission=submission, comments="Totals.", user=manager)
    assert _counts(coordinator)["Review cycles"] == 1  # returned

    request = help_requests.help_request_create(
        task_force=task_force, milestone=None, subject="Q", body="?", user=coordinator
    )
    # One task force: the link goes to its help requests.
    counts = _counts(coordinator)
    assert counts["Help requests"] == 0
    help_requests.help_request_reply(
        request=request, body="A.", user=manager, expected_version=request.version
    )
    assert _counts(coordinator)["Help requests"] == 1
    client = Client()
    client.force_login(coordinator)
    html = client.get(f"/task-forces/{task_force.slug}/help/{request.pk}/").content.decode()
    # The thread is read: no count on the page that opened it, and the link
    # goes to the task force's help requests (it has one).
    assert f'href="/task-forces/{task_force.slug}/help/">Help requests</a>' in html


def test_a_coordinator_of_several_task_forces_is_sent_to_the_dashboard_list(
    guidance, task_force, coordinator
):
    TaskForceFactory().coordinators.add(coordinator)
    client = Client()
    client.force_login(coordinator)
    assert 'href="/#needs-attention">Help requests' in client.get("/cycles/").content.decode()


def test_a_program_manager_counts_decisions_and_help_waiting(
    guidance, task_force, coordinator, manager
):
    cycle = open_cycle(manager)
    submit(cycle.submissions.get(task_force=task_force), coordinator)
    help_requests.help_request_create(
        task_force=task_force, milestone=None, subject="Q", body="?", user=coordinator
    )
    assert _counts(manager) == {"Review cycles": 1, "Help requests": 1}
    # The coordinator's own menu has no help count for a request they asked.
    assert _counts(coordinator)["Help requests"] == 0


def _page_queries(user, url) -> int:
    client = Client()
    client.force_login(user)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def _fill(count, manager):
    coordinator = UserFactory()
    task_forces = TaskForceFactory.create_batch(count)
    for task_force in task_forces:
        task_force.coordinators.add(coordinator)
    cycle = open_cycle(manager, days=10, title=f"Cycle {count}")
    for task_force in task_forces:
        submit(cycle.submissions.get(task_force=task_force), coordinator)
        request = help_requests.help_request_create(
            task_force=task_force, milestone=None, subject="Q", body="?", user=coordinator
        )
        help_requests.help_request_reply(
            request=request, body="A.", user=manager, expected_version=request.version
        )
    return coordinator


def test_the_counts_are_one_query_whatever_their_size(guidance, manager):
    """Pinned on a page that reads nothing of its own besides a short list:
    the trend page of a task force (the cache warmed)."""
    few = _fill(2, manager)
    page = f"/task-forces/{few.coordinated_task_forces.first().slug}/trend/"
    base = {who: _page_queries(who, page) for who in (few, manager)}
    many = _fill(20, manager)
    page_many = f"/task-forces/{many.coordinated_task_forces.first().slug}/trend/"
    assert _page_queries(many, page_many) == base[few]
    assert _page_queries(manager, page) == base[manager]
    assert _counts(manager)["Review cycles"] == 22
    assert _counts(many)["Help requests"] == 20


def test_anonymous_and_partner_pages_make_no_count_query(guidance, task_force):
    PartnerLinkFactory(task_force=task_force, token="menu-count-token")
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/accounts/login/").status_code == 200
    assert not any("COUNT" in query["sql"] for query in captured)
    client.get("/p/menu-count-token/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/p/menu-count-token/").status_code == 200
    assert not any("assessments_cyclesubmission" in query["sql"] for query in captured)
    assert not any("assessments_helprequest" in query["sql"] for query in captured)
