"""The help request pages: the queue's filters and ages, the statewide
figures on known data (the median time to first reply included), the
history's lines (never what was written), and query counts that stay
constant as requests and task forces grow."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.help import services as help_requests
from assessments.help.selectors import age_text, duration_text, statewide_summary
from assessments.models import HelpRequest
from tests.factories import (
    HelpRequestFactory,
    MilestoneFactory,
    TaskForceFactory,
    UserFactory,
    program_manager,
)

SECRET = "Secret-Pelican-3307"


def ago(**kwargs):
    # From the test's own (frozen) clock, not from when the module was imported.
    return timezone.now() - datetime.timedelta(**kwargs)


@pytest.fixture
def manager(db):
    return program_manager(first_name="Pat", last_name="Manager")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def _queue(client, **params):
    response = client.get(reverse("assessments:help_queue"), params)
    assert response.status_code == 200
    return response


def _shown(response):
    return sorted(item.pk for item in response.context["page"].object_list)


@pytest.fixture
def queue_data(manager):
    north = TaskForceFactory(region="North")
    south = TaskForceFactory(region="South")
    mou, protocol = MilestoneFactory(slug="mou"), MilestoneFactory(slug="protocol")
    return {
        "north_open": HelpRequestFactory(task_force=north, milestone=mou, created_at=ago(days=3)),
        "south_assigned": HelpRequestFactory(
            task_force=south,
            milestone=protocol,
            state=HelpRequest.State.ASSIGNED,
            assigned_to=manager,
            created_at=ago(hours=5),
        ),
        "south_general": HelpRequestFactory(task_force=south, created_at=ago(minutes=10)),
        "closed": HelpRequestFactory(
            task_force=north,
            milestone=mou,
            state=HelpRequest.State.CLOSED,
            closed_at=ago(days=1),
            created_at=ago(days=9),
        ),
    }


def test_the_queue_shows_requests_not_closed_oldest_first_with_their_age(
    manager_client, queue_data
):
    response = _queue(manager_client)
    rows = list(response.context["page"].object_list)
    assert [r.pk for r in rows] == [
        queue_data["north_open"].pk,
        queue_data["south_assigned"].pk,
        queue_data["south_general"].pk,
    ]
    assert [r.age for r in rows] == ["3 days", "5 hours", "less than an hour"]
    html = response.content.decode()
    assert "3 days" in html and "Assigned" in html and "The task force in general" in html


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"state": "closed"}, ["closed"]),
        ({"state": "all"}, ["north_open", "south_assigned", "south_general", "closed"]),
        ({"state": "assigned"}, ["south_assigned"]),
        ({"milestone": "mou"}, ["north_open"]),
        ({"milestone": "mou", "state": "all"}, ["north_open", "closed"]),
        ({"milestone": "general"}, ["south_general"]),
        ({"region": "South"}, ["south_assigned", "south_general"]),
        ({"assignee": "none"}, ["north_open", "south_general"]),
        # Invalid values are ignored, as if the filter were not set.
        ({"state": "bogus"}, ["north_open", "south_assigned", "south_general"]),
        ({"assignee": "x'1"}, ["north_open", "south_assigned", "south_general"]),
        ({"region": "R" * 500}, ["north_open", "south_assigned", "south_general"]),
    ],
)
def test_the_queue_filters(manager_client, queue_data, params, expected):
    response = _queue(manager_client, **params)
    assert _shown(response) == sorted(queue_data[name].pk for name in expected)


def test_the_queue_filters_by_assignee(manager_client, queue_data, manager):
    response = _queue(manager_client, assignee=str(manager.pk))
    assert _shown(response) == [queue_data["south_assigned"].pk]


def test_the_queue_is_paged(manager_client, db):
    task_force = TaskForceFactory()
    HelpRequestFactory.create_batch(30, task_force=task_force)
    first = _queue(manager_client)
    assert len(first.context["page"].object_list) == 25
    second = _queue(manager_client, page=2)
    assert len(second.context["page"].object_list) == 5


def _spread(count_task_forces, count_requests, manager):
    task_forces = [TaskForceFactory(region=f"R{n % 3}") for n in range(count_task_forces)]
    milestones = [MilestoneFactory() for _ in range(3)]
    for n in range(count_requests):
        HelpRequestFactory(
            task_force=task_forces[n % count_task_forces],
            milestone=milestones[n % 3] if n % 4 else None,
            assigned_to=manager if n % 2 else None,
            state=HelpRequest.State.ASSIGNED if n % 2 else HelpRequest.State.OPEN,
            created_at=ago(days=n),
            first_reply_at=ago(days=n) + datetime.timedelta(hours=2) if n % 3 else None,
        )


def _count_queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["assessments:help_queue", "assessments:help_statewide"])
def test_query_counts_stay_constant_as_requests_grow(
    manager_client, manager, name, django_assert_num_queries
):
    url = reverse(name)
    _spread(2, 2, manager)
    with CaptureQueriesContext(connection) as small:
        assert manager_client.get(url).status_code == 200
    _spread(12, 20, manager)
    with django_assert_num_queries(len(small.captured_queries)):
        assert manager_client.get(url).status_code == 200


def test_the_queue_query_count_has_a_ceiling(
    manager_client, manager, django_assert_max_num_queries
):
    _spread(12, 40, manager)
    _count_queries(
        manager_client, reverse("assessments:help_queue"), django_assert_max_num_queries, 12
    )


def test_a_task_forces_list_has_constant_queries(client, django_assert_num_queries, db):
    task_force = TaskForceFactory()
    coordinator = UserFactory()
    task_force.coordinators.add(coordinator)
    client.force_login(coordinator)
    url = reverse("assessments:help", args=[task_force.slug])
    HelpRequestFactory.create_batch(2, task_force=task_force, milestone=MilestoneFactory())
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    HelpRequestFactory.create_batch(15, task_force=task_force, milestone=MilestoneFactory())
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_statewide_figures_on_known_data(db):
    a, b = MilestoneFactory(name="Signed MOU"), MilestoneFactory(name="Referral protocol")
    task_force = TaskForceFactory()

    def make(milestone, created, wait=None):
        HelpRequestFactory(
            task_force=task_force,
            milestone=milestone,
            created_at=created,
            first_reply_at=created + wait if wait else None,
        )

    make(a, ago(days=10), datetime.timedelta(hours=2))
    make(a, ago(days=20), datetime.timedelta(hours=10))
    make(a, ago(days=30))
    make(None, ago(days=40), datetime.timedelta(days=3))
    make(b, ago(days=50), datetime.timedelta(hours=4))
    make(None, ago(days=60))
    # Older than twelve months: left out of both figures.
    make(b, ago(days=400), datetime.timedelta(days=90))
    make(b, ago(days=380), datetime.timedelta(days=90))
    summary = statewide_summary(timezone.now())
    assert [(r.milestone_name, r.count) for r in summary.rows] == [
        ("Signed MOU", 3),
        ("", 2),
        ("Referral protocol", 1),
    ]
    assert summary.total == 6
    assert summary.replied == 4
    # Waits 2h, 4h, 10h, 72h: the median is between 4h and 10h.
    assert summary.median_first_reply == datetime.timedelta(hours=7)
    assert duration_text(summary.median_first_reply) == "7 hours"


def test_the_statewide_page_shows_the_table_and_the_median(manager_client, db):
    task_force = TaskForceFactory()
    milestone = MilestoneFactory(name="Signed MOU")
    HelpRequestFactory(
        task_force=task_force,
        milestone=milestone,
        created_at=ago(days=3),
        first_reply_at=ago(days=1),
    )
    HelpRequestFactory(task_force=task_force, created_at=ago(days=2))
    html = manager_client.get(reverse("assessments:help_statewide")).content.decode()
    assert "Signed MOU" in html and "The task force in general" in html
    assert "2 days" in html  # the only wait
    assert "over 1 replied request" in html


def test_the_statewide_page_without_requests_says_so(manager_client):
    html = manager_client.get(reverse("assessments:help_statewide")).content.decode()
    assert "No help requests in the last twelve months." in html
    assert "—" in html


def test_age_and_duration_words():
    assert age_text(ago(minutes=59), timezone.now()) == "less than an hour"
    assert age_text(ago(hours=1), timezone.now()) == "1 hour"
    assert age_text(ago(days=1, hours=3), timezone.now()) == "1 day"
    assert duration_text(datetime.timedelta(days=2, hours=3)) == "2 days, 3 hours"
    assert duration_text(datetime.timedelta(minutes=40)) == "40 minutes"
    assert duration_text(None) == "—"


@pytest.fixture
def lived(task_force, coordinator, manager):
    milestone = MilestoneFactory(name="Signed MOU")
    request = help_requests.help_request_create(
        task_force=task_force, milestone=milestone, subject=SECRET, body=SECRET, user=coordinator
    )
    help_requests.help_request_assign(
        request=request, assignee=manager, user=manager, expected_version=None
    )
    help_requests.help_request_reply(
        request=request, body=SECRET + " reply", user=manager, expected_version=None
    )
    help_requests.help_request_close(request=request, user=coordinator, expected_version=None)
    return request


def test_the_history_says_what_happened_never_what_was_written(coordinator_client, lived):
    response = coordinator_client.get(reverse("assessments:history", args=[lived.task_force.slug]))
    html = response.content.decode()
    for line in (
        "Help requested on Signed MOU",
        "assigned to Pat Manager",
        "Reply from the state program",
        "Closed: help request on Signed MOU",
    ):
        assert line in html
    assert SECRET not in html
    thread = reverse("assessments:help_request", args=[lived.task_force.slug, lived.pk])
    assert thread in html


def test_the_milestone_history_has_its_help_events(coordinator_client, lived):
    url = reverse(
        "assessments:milestone_history", args=[lived.task_force.slug, lived.milestone.slug]
    )
    assert "Help requested on Signed MOU" in coordinator_client.get(url).content.decode()


def test_the_history_export_has_help_rows_without_text(coordinator_client, lived):
    response = coordinator_client.get(
        reverse("assessments:task_force_export_history", args=[lived.task_force.slug, "csv"])
    )
    text = response.content.decode("utf-8-sig")
    rows = [row for row in csv.DictReader(io.StringIO(text)) if row["record"] == "help"]
    assert [row["action"] for row in rows] == ["closed", "replied", "assigned", "opened"]
    assert SECRET not in text
    assert rows[2]["subject"].endswith("assigned to Pat Manager")


def test_the_ask_form_prefills_the_milestone_and_ignores_an_unknown_one(
    coordinator_client, task_force
):
    milestone = MilestoneFactory()
    url = reverse("assessments:help_new", args=[task_force.slug])
    form = coordinator_client.get(url, {"milestone": milestone.slug}).context["form"]
    assert form.initial["milestone"] == milestone
    form = coordinator_client.get(url, {"milestone": "nope\x00"}).context["form"]
    assert form.initial["milestone"] is None


def test_the_ask_form_warns_and_creates_a_request(coordinator_client, task_force):
    url = reverse("assessments:help_new", args=[task_force.slug])
    html = coordinator_client.get(url).content.decode()
    assert html.count("identifies a victim or survivor") >= 3  # banner, subject, message
    response = coordinator_client.post(url, {"milestone": "", "subject": "MOU", "body": "Help"})
    request = HelpRequest.objects.get()
    assert response["Location"] == reverse(
        "assessments:help_request", args=[task_force.slug, request.pk]
    )


def test_a_bad_ask_saves_nothing_and_says_why(coordinator_client, task_force):
    url = reverse("assessments:help_new", args=[task_force.slug])
    response = coordinator_client.post(url, {"subject": "", "body": ""})
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert HelpRequest.objects.count() == 0


def test_a_stale_action_on_the_thread_page_is_409(client, task_force, coordinator, manager):
    request = help_requests.help_request_create(
        task_force=task_force, milestone=None, subject="s", body="b", user=coordinator
    )
    help_requests.help_request_assign(
        request=request, assignee=manager, user=manager, expected_version=None
    )
    client.force_login(coordinator)
    response = client.post(
        reverse("assessments:help_close", args=[task_force.slug, request.pk]), {"version": 0}
    )
    assert response.status_code == 409
    assert "Not saved" in response.content.decode()
    request.refresh_from_db()
    assert request.state == HelpRequest.State.ASSIGNED


def test_a_program_manager_assigns_from_the_thread_page(client, task_force, coordinator, manager):
    request = help_requests.help_request_create(
        task_force=task_force, milestone=None, subject="s", body="b", user=coordinator
    )
    other = program_manager(first_name="Sam", last_name="Other")
    client.force_login(manager)
    url = reverse("assessments:help_assign", args=[task_force.slug, request.pk])
    response = client.post(url, {"assignee": other.pk, "version": 0}, follow=True)
    assert "Assigned to Sam Other" in response.content.decode()
    request.refresh_from_db()
    assert request.assigned_to == other
    # A coordinator is not offered.
    response = client.post(url, {"assignee": coordinator.pk, "version": request.version})
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.assigned_to == other
