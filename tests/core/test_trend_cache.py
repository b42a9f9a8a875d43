"""The statewide trend, for those who see every task force, is kept in the
cache: each way its figures can change makes a new key, so a change shows at
once (one test per way)."""

import datetime
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from assessments.core import services
from assessments.models import Status
from stages.models import Milestone, Stage
from tests.factories import TaskForceFactory

URL = reverse("assessments:trend")


@pytest.fixture
def manager(guidance, staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def _latest(client):
    trend = client.get(URL).context["trend"]
    return trend.points[-1], trend


def _achieve(task_force, slug, status=Status.ACHIEVED):
    services.milestone_status_update(
        task_force=task_force, milestone=Milestone.objects.get(slug=slug), status=status, user=None
    )


def test_a_repeat_view_is_served_from_the_cache(manager, django_assert_max_num_queries):
    task_force = TaskForceFactory()
    _achieve(task_force, "task-force-mou")
    manager.get(URL)
    # The session, the user, the number of task forces and the fingerprint
    # of their revisions, and the menu's counts: no history is read.
    with django_assert_max_num_queries(5) as queries:
        response = manager.get(URL)
    assert not any("statuschange" in q["sql"] for q in queries.captured_queries)
    foundation = Stage.objects.get(slug="foundation")
    assert response.context["trend"].points[-1].for_stage(foundation) == 1


def test_a_status_change_shows_at_once(manager):
    task_force = TaskForceFactory()
    foundation = Stage.objects.get(slug="foundation")
    assert _latest(manager)[0].for_stage(foundation) == 0
    _achieve(task_force, "task-force-mou")
    assert _latest(manager)[0].for_stage(foundation) == 1
    _achieve(task_force, "task-force-mou", Status.LAPSED)
    assert _latest(manager)[0].for_stage(foundation) == 0


def test_a_new_task_force_shows_at_once(manager):
    _latest(manager)
    _achieve(TaskForceFactory(), "task-force-mou")
    foundation = Stage.objects.get(slug="foundation")
    assert _latest(manager)[0].for_stage(foundation) == 1


def test_retiring_a_milestone_shows_at_once(manager):
    mou = Milestone.objects.get(slug="task-force-mou")
    _achieve(TaskForceFactory(), mou.slug)
    foundation = Stage.objects.get(slug="foundation")
    point, trend = _latest(manager)
    assert point.for_stage(foundation) == 1
    total = trend.total(trend.stages[0])
    mou.is_active = False
    mou.save()  # as an admin retires it
    point, trend = _latest(manager)
    assert point.for_stage(foundation) == 0
    assert trend.total(trend.stages[0]) == total - 1


def test_a_new_day_builds_it_again(manager):
    _achieve(TaskForceFactory(), "task-force-mou")
    first = _latest(manager)[1]
    next_month = datetime.date.today().replace(day=28) + datetime.timedelta(days=5)
    with mock.patch("django.utils.timezone.localdate", return_value=next_month):
        later = _latest(manager)[1]
    assert later.points[-1].month == next_month.replace(day=1)
    assert later.points[-1].month != first.points[-1].month


def test_a_coordinator_sees_only_their_own_task_forces_trend(guidance, coordinator_client):
    # Not the cached statewide one, which holds every task force.
    other = TaskForceFactory()
    _achieve(other, "task-force-mou")
    foundation = Stage.objects.get(slug="foundation")
    trend = coordinator_client.get(URL).context["trend"]
    assert trend.points[-1].for_stage(foundation) == 0
    assert trend.task_force_count == 1
