"""The home page: every task force the user may see, with progress bars."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import MilestoneStatus, Status
from stages.models import Milestone
from tests.factories import AreaFactory, TaskForceFactory

URL = reverse("assessments:dashboard")


def test_coordinator_sees_only_their_task_forces(guidance, client, coordinator, task_force):
    other = TaskForceFactory(name="Somewhere Else Task Force")
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    assert task_force.name in html
    assert reverse("assessments:task_force", args=[task_force.slug]) in html
    assert other.name not in html


def test_staff_see_every_task_force(guidance, client, staff_user):
    names = [tf.name for tf in TaskForceFactory.create_batch(3)]
    client.force_login(staff_user)
    html = client.get(URL).content.decode()
    assert all(name in html for name in names)


def test_cards_show_per_stage_progress_and_the_working_stage(
    guidance, coordinator_client, task_force
):
    task_force.areas.add(AreaFactory(name="Lane County"))
    for milestone in Milestone.objects.filter(stage__slug="foundation"):
        MilestoneStatus.objects.create(
            task_force=task_force, milestone=milestone, status=Status.ACHIEVED
        )
    html = coordinator_client.get(URL).content.decode()
    assert "11 of 28 achieved (39%)" in html
    assert "working stage <strong>Stabilization</strong>" in html
    assert 'aria-label="Foundation: 11 of 11 milestones achieved"' in html
    assert 'aria-label="Sustainability: 0 of 6 milestones achieved"' in html
    assert "Serves Lane County" in html


def test_a_user_with_no_task_force_is_told_what_to_do(guidance, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("newcomer", password="x" * 20))
    assert "Ask an administrator" in client.get(URL).content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def _dashboard_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def _task_forces_with_statuses(count):
    milestones = list(Milestone.objects.all()[:5])
    for task_force in TaskForceFactory.create_batch(count):
        task_force.areas.add(AreaFactory())
        for milestone in milestones:
            MilestoneStatus.objects.create(
                task_force=task_force, milestone=milestone, status=Status.ACHIEVED
            )


def test_query_count_does_not_grow_with_the_number_of_task_forces(
    guidance, client, staff_user, django_assert_max_num_queries
):
    client.force_login(staff_user)
    _task_forces_with_statuses(11)
    # 10 for the list, 4 for "Needs your attention" and the menu's counts,
    # 1 for the filter's regions (more than 10 task forces).
    with django_assert_max_num_queries(15):
        few = _dashboard_queries(client)
    _task_forces_with_statuses(29)
    with django_assert_max_num_queries(15):
        many = _dashboard_queries(client)
    assert few == many


def test_many_task_forces_are_paginated(guidance, client, staff_user):
    TaskForceFactory.create_batch(51)
    client.force_login(staff_user)
    first = client.get(URL)
    assert len(first.context["cards"]) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert len(client.get(URL, {"page": 2}).context["cards"]) == 1


def test_a_repeat_visit_reads_only_the_ids_and_revisions(guidance, client, staff_user):
    client.force_login(staff_user)
    _task_forces_with_statuses(3)
    _dashboard_queries(client)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    # The session, the user, the paginator's count and the listed task
    # forces' ids and revisions; the list itself comes from the cache.
    # Then the menu's counts and the three groups of "Needs your attention"
    # a member of staff has (tests/pages/test_needs_attention.py).
    assert len(queries) == 4 + 4 + 1  # and the filter's regions
    assert sum("COUNT" in query["sql"] for query in queries) == 2  # the paginator, the menu
    assert not any("assessments_milestonestatus" in query["sql"] for query in queries)
