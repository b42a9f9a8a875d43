"""A task force's team: who coordinates it, and taking someone off it."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from assessments.models import Invitation
from tests.factories import TaskForceFactory, UserFactory


@pytest.fixture
def colleague(task_force):
    user = UserFactory(first_name="Sam", last_name="Lee", email="sam@example.org")
    task_force.coordinators.add(user)
    return user


def test_the_task_force_page_shows_its_team_to_its_coordinators(
    coordinator_client, task_force, colleague, guidance
):
    html = coordinator_client.get(reverse("assessments:task_force", args=[task_force.slug]))
    text = html.content.decode()
    assert "Sam Lee" in text and "sam@example.org" in text
    assert reverse("assessments:team", args=[task_force.slug]) in text


def test_staff_see_the_team_and_program_managers_do_not(client, task_force, colleague, guidance):
    url = reverse("assessments:task_force", args=[task_force.slug])
    client.force_login(UserFactory(is_staff=True))
    assert "sam@example.org" in client.get(url).content.decode()
    manager = UserFactory()
    manager.groups.add(Group.objects.get(name="Program managers"))
    client.force_login(manager)
    page = client.get(url)
    assert page.status_code == 200
    assert "sam@example.org" not in page.content.decode()
    assert client.get(reverse("assessments:team", args=[task_force.slug])).status_code == 403


def test_the_team_page_lists_coordinators_and_who_has_not_signed_in(
    coordinator_client, task_force, colleague
):
    colleague.last_login = None
    colleague.save()
    page = coordinator_client.get(reverse("assessments:team", args=[task_force.slug]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sam Lee" in text and "not yet" in text


def test_removing_a_coordinator_asks_first_then_is_one_logged_action(
    coordinator_client, coordinator, task_force, colleague, events
):
    url = reverse("assessments:coordinator_remove", args=[task_force.slug, colleague.pk])
    confirm = coordinator_client.get(url)
    assert confirm.status_code == 200
    assert f"Remove Sam Lee from {task_force.name}?" in confirm.content.decode()
    assert task_force.coordinators.filter(pk=colleague.pk).exists()

    response = coordinator_client.post(url)
    assert response.status_code == 302
    assert not task_force.coordinators.filter(pk=colleague.pk).exists()
    (removed,) = events("team.coordinator_removed")
    assert removed.user_id == coordinator.pk
    assert removed.removed_user_id == colleague.pk
    assert removed.task_force == task_force.slug


def test_removing_an_invited_coordinator_withdraws_an_invitation_left_empty(
    coordinator_client, task_force, colleague, staff_user
):
    from django.utils import timezone

    invitation = Invitation.objects.create(
        user=colleague,
        email=colleague.email,
        invited_by=staff_user,
        expires_at=timezone.now() + timezone.timedelta(days=7),
        token_hash="x" * 64,
    )
    invitation.task_forces.add(task_force)
    coordinator_client.post(
        reverse("assessments:coordinator_remove", args=[task_force.slug, colleague.pk])
    )
    invitation.refresh_from_db()
    assert invitation.current_state == Invitation.State.WITHDRAWN


def test_someone_not_on_the_team_cannot_be_removed_from_it(coordinator_client, task_force):
    stranger = UserFactory()
    url = reverse("assessments:coordinator_remove", args=[task_force.slug, stranger.pk])
    assert coordinator_client.post(url).status_code == 404


def test_coordinator_cannot_touch_another_task_forces_team(coordinator_client, db):
    other = TaskForceFactory()
    member = UserFactory()
    other.coordinators.add(member)
    assert coordinator_client.get(reverse("assessments:team", args=[other.slug])).status_code == 404
    url = reverse("assessments:coordinator_remove", args=[other.slug, member.pk])
    assert coordinator_client.post(url).status_code == 404
    assert other.coordinators.filter(pk=member.pk).exists()


def test_leaving_your_own_task_force_takes_you_to_the_dashboard(
    coordinator_client, coordinator, task_force
):
    url = reverse("assessments:coordinator_remove", args=[task_force.slug, coordinator.pk])
    response = coordinator_client.post(url)
    assert response["Location"] == reverse("assessments:dashboard")
    assert not task_force.coordinators.filter(pk=coordinator.pk).exists()


def test_the_team_page_query_count_is_bounded(
    coordinator_client, task_force, django_assert_max_num_queries
):
    for _ in range(8):
        task_force.coordinators.add(UserFactory())
    with django_assert_max_num_queries(10):
        page = coordinator_client.get(reverse("assessments:team", args=[task_force.slug]))
    assert page.status_code == 200
