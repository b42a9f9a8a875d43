"""assessments/access.py: who may open a task force, for reading and for
editing, and the one guard every rule starts with."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from assessments.access import (
    is_signed_in_and_active,
    task_force_for_editing,
    task_force_for_user,
)
from assessments.models import TaskForce, can_read_all_task_forces, edits_some_task_force
from tests.factories import TaskForceFactory, UserFactory


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_coordinator_editing_their_own_task_force_costs_two_queries(
    task_force, coordinator, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the task force, and "coordinates it?"
        assert task_force_for_editing(_request(coordinator), task_force.slug) == task_force


def test_a_program_manager_reads_but_cannot_edit(world):
    request = _request(world["users"]["program_manager"])
    assert task_force_for_user(request, world["own"].slug) == (world["own"], False)
    with pytest.raises(PermissionDenied):
        task_force_for_editing(request, world["own"].slug)


def test_editing_another_tenants_task_force_is_a_logged_404(
    coordinator, guidance, events, settings
):
    settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES = False
    other = TaskForceFactory()
    with pytest.raises(Http404):
        task_force_for_editing(_request(coordinator), other.slug)
    assert events("task_force.hidden")[0].task_force == other.slug
    with pytest.raises(Http404):
        task_force_for_editing(_request(coordinator), "no-such-task-force")
    assert len(events("task_force.hidden")) == 1  # a missing one is not "hidden"


def test_a_deactivated_coordinator_gets_nothing_from_any_rule(task_force, coordinator):
    coordinator.is_active = False
    coordinator.save()
    assert not is_signed_in_and_active(coordinator)
    assert not is_signed_in_and_active(AnonymousUser())
    assert not task_force.can_edit(coordinator)
    assert not TaskForce.objects.visible_to(coordinator).exists()
    assert not can_read_all_task_forces(coordinator)
    assert not edits_some_task_force(coordinator)
    with pytest.raises(Http404):
        task_force_for_editing(_request(coordinator), task_force.slug)
    assert is_signed_in_and_active(UserFactory())
