"""Optimistic locking: a save based on an out-of-date page is refused with
who changed it and when, both values are shown, and nothing is lost."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.common.stale import StaleSaveError
from assessments.core import services
from assessments.models import MilestoneStatus, Status, StatusChange
from stages.models import Milestone
from tests.factories import UserFactory

SLUG = "task-force-mou"


@pytest.fixture
def two_editors(guidance, task_force):
    first, second = UserFactory(first_name="Ana", last_name="Reyes"), UserFactory()
    task_force.coordinators.add(first, second)
    clients = []
    for user in (first, second):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return task_force, first, clients


def _url(task_force):
    return reverse("assessments:milestone_edit", args=[task_force.slug, SLUG])


def _form_version(client, task_force):
    return client.get(_url(task_force)).context["form"].initial["version"]


def test_the_second_of_two_concurrent_saves_is_refused_and_nothing_is_lost(two_editors):
    task_force, first_user, (first, second) = two_editors
    # Both open the form on the same version.
    version_first = _form_version(first, task_force)
    version_second = _form_version(second, task_force)
    assert version_first == version_second == 0
    saved = first.post(
        _url(task_force), {"status": "achieved", "lead_partner": "DHS", "version": version_first}
    )
    assert saved.status_code == 302
    response = second.post(
        _url(task_force),
        {"status": "planning", "notes": "My careful notes", "version": version_second},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this milestone while you were editing" in html
    saved_at = timezone.localtime(MilestoneStatus.objects.get().updated_at)
    assert (
        f"Not saved: Ana Reyes saved this at {saved_at:%H:%M}, after you opened it. "
        "Check what it holds now, then change it again if needed."
    ) in html
    assert "Achieved" in html and "Planning" in html  # theirs and yours
    assert "My careful notes" in html  # still in the form, not lost
    record = MilestoneStatus.objects.get()
    assert (record.status, record.lead_partner, record.notes) == ("achieved", "DHS", "")
    assert StatusChange.objects.count() == 1
    # Saving again from the refreshed form knowingly replaces their version.
    again = response.context["form"].data.copy()
    response = second.post(_url(task_force), again)
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.notes) == ("planning", "My careful notes")
    assert StatusChange.objects.count() == 2


def test_the_service_refuses_an_old_version(guidance, task_force, coordinator):
    milestone = Milestone.objects.get(slug=SLUG)
    record = services.milestone_status_update(
        task_force=task_force, milestone=milestone, status=Status.PLANNING, user=coordinator
    )
    assert record.version == 1
    services.milestone_status_update(
        task_force=task_force,
        milestone=milestone,
        status=Status.IN_PROGRESS,
        user=coordinator,
        expected_version=1,
    )
    with pytest.raises(StaleSaveError) as raised:
        services.milestone_status_update(
            task_force=task_force,
            milestone=milestone,
            status=Status.ACHIEVED,
            user=coordinator,
            expected_version=1,
        )
    assert raised.value.current.status == Status.IN_PROGRESS
    assert raised.value.current.version == 2
    assert MilestoneStatus.objects.get().status == Status.IN_PROGRESS
    assert StatusChange.objects.count() == 2


def test_a_record_created_meanwhile_makes_a_first_save_stale(guidance, task_force, coordinator):
    milestone = Milestone.objects.get(slug=SLUG)
    services.milestone_status_update(
        task_force=task_force, milestone=milestone, status=Status.PLANNING, user=coordinator
    )
    with pytest.raises(StaleSaveError):
        services.milestone_status_update(
            task_force=task_force,
            milestone=milestone,
            status=Status.ACHIEVED,
            user=coordinator,
            expected_version=0,  # the editor saw "not started"
        )
    assert MilestoneStatus.objects.get().status == Status.PLANNING


def test_a_form_without_its_version_is_refused_clearly(guidance, task_force, coordinator_client):
    response = coordinator_client.post(_url(task_force), {"status": "achieved"})
    assert response.status_code == 200
    assert "reload the page and try again" in response.content.decode()
    assert not MilestoneStatus.objects.exists()


def test_your_own_save_in_another_window_is_named_as_yours(
    guidance, task_force, coordinator, coordinator_client
):
    version = _form_version(coordinator_client, task_force)
    # The same person saves from another window (another tab, another device).
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug=SLUG),
        status=Status.ACHIEVED,
        user=coordinator,
    )
    response = coordinator_client.post(_url(task_force), {"status": "planning", "version": version})
    assert response.status_code == 409
    html = response.content.decode()
    assert "You saved this milestone in another window" in html
    assert "You saved this in another window at " in html
    assert "Saved in the other window" in html
    assert "Someone else" not in html


def test_a_save_refused_on_another_day_names_the_day(guidance, task_force, coordinator):
    milestone = Milestone.objects.get(slug=SLUG)
    services.milestone_status_update(
        task_force=task_force,
        milestone=milestone,
        status=Status.PLANNING,
        user=UserFactory(first_name="Ana", last_name="Reyes"),
        at=timezone.make_aware(datetime.datetime(2025, 3, 4, 9, 30)),
    )
    with pytest.raises(StaleSaveError) as raised:
        services.milestone_status_update(
            task_force=task_force,
            milestone=milestone,
            status=Status.ACHIEVED,
            user=coordinator,
            expected_version=0,
        )
    assert raised.value.message_for(coordinator) == (
        "Not saved: Ana Reyes saved this at 09:30 on 4 Mar 2025, after you opened it. "
        "Check what it holds now, then change it again if needed."
    )
    assert not raised.value.by_viewer(coordinator)


def test_an_invalid_value_saves_nothing_and_needs_no_lookup_of_what_is_in_hand(
    guidance, task_force, coordinator, django_assert_num_queries
):
    milestone = Milestone.objects.get(slug=SLUG)
    # The read of the current record, then the refusal: no query for the
    # task force, milestone or user, which the caller holds.
    with pytest.raises(ValidationError), django_assert_num_queries(3):  # + savepoint pair
        services.milestone_status_update(
            task_force=task_force, milestone=milestone, status="finished", user=coordinator
        )
    assert not MilestoneStatus.objects.exists()
    assert not StatusChange.objects.exists()
