"""The help request service: who may do what, the states, validation, and
that a refused change saves nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.common.stale import StaleSaveError
from assessments.help import services as help_requests
from assessments.models import HELP_BODY_MAX_LENGTH, HelpMessage, HelpRequest, HelpRequestChange
from tests.factories import MilestoneFactory, TaskForceFactory, UserFactory, program_manager

State = HelpRequest.State


@pytest.fixture
def milestone(db):
    return MilestoneFactory()


@pytest.fixture
def manager(db):
    return program_manager(first_name="Pat", last_name="Manager")


def _open(task_force, coordinator, milestone=None, **kwargs):
    return help_requests.help_request_create(
        task_force=task_force,
        milestone=milestone,
        subject=kwargs.pop("subject", "MOU template"),
        body=kwargs.pop("body", "Do you have an MOU template for the county health office?"),
        user=coordinator,
        **kwargs,
    )


def _nothing_saved():
    assert HelpRequest.objects.count() == 0
    assert HelpMessage.objects.count() == 0
    assert HelpRequestChange.objects.count() == 0


def test_a_coordinator_opens_a_request_with_its_first_message_and_history(
    task_force, coordinator, milestone
):
    before = task_force.revision
    request = _open(task_force, coordinator, milestone, subject="  MOU template  ")
    assert request.state == State.OPEN
    assert request.subject == "MOU template"
    assert request.created_by == coordinator
    assert request.first_reply_at is None
    [message] = request.messages.all()
    assert message.from_state_program is False
    assert message.changed_by == coordinator
    [event] = request.changes.all()
    assert event.action == "opened"
    assert event.line == f"Help requested on {milestone.name}"
    task_force.refresh_from_db()
    assert task_force.revision > before


def test_a_request_on_the_task_force_in_general_has_no_milestone(task_force, coordinator):
    request = _open(task_force, coordinator)
    assert request.milestone is None
    assert request.about == "The task force in general"
    assert request.changes.get().line == "Help requested on the task force in general"


@pytest.mark.parametrize(
    "field,kwargs",
    [
        ("subject", {"subject": "   "}),
        ("body", {"body": ""}),
        ("body", {"body": "x" * (HELP_BODY_MAX_LENGTH + 1)}),
        ("subject", {"subject": "x" * 151}),
    ],
)
def test_bad_input_is_refused_by_field_and_saves_nothing(task_force, coordinator, field, kwargs):
    with pytest.raises(ValidationError) as error:
        _open(task_force, coordinator, **kwargs)
    assert field in error.value.message_dict
    _nothing_saved()


def test_a_retired_milestone_is_refused(task_force, coordinator):
    retired = MilestoneFactory(is_active=False)
    with pytest.raises(ValidationError) as error:
        _open(task_force, coordinator, retired)
    assert "milestone" in error.value.message_dict
    _nothing_saved()


def test_only_the_task_forces_coordinators_and_staff_open_requests(task_force, manager):
    other = UserFactory()
    TaskForceFactory().coordinators.add(other)
    for user in (other, manager):
        with pytest.raises(PermissionDenied):
            _open(task_force, user)
    _nothing_saved()
    assert _open(task_force, UserFactory(is_staff=True)).pk


def test_a_program_manager_assigns_replies_and_the_first_reply_time_is_kept(
    task_force, coordinator, manager
):
    request = _open(task_force, coordinator)
    request = help_requests.help_request_assign(
        request=request, assignee=manager, user=manager, expected_version=request.version
    )
    assert (request.state, request.assigned_to) == (State.ASSIGNED, manager)
    first = timezone.now() + datetime.timedelta(hours=5)
    help_requests.help_request_reply(
        request=request,
        body="Yes: see the attached guidance.",
        user=manager,
        expected_version=request.version,
        at=first,
    )
    request.refresh_from_db()
    assert request.state == State.ANSWERED
    assert request.first_reply_at == first
    # The coordinator answers back: back to whoever has it.
    help_requests.help_request_reply(
        request=request, body="Thanks, one more question.", user=coordinator, expected_version=None
    )
    request.refresh_from_db()
    assert request.state == State.ASSIGNED
    help_requests.help_request_reply(
        request=request,
        body="Answered.",
        user=manager,
        expected_version=None,
        at=first + datetime.timedelta(days=1),
    )
    request.refresh_from_db()
    assert request.first_reply_at == first  # only the first reply counts
    assert list(request.changes.order_by("pk").values_list("action", flat=True)) == [
        "opened",
        "assigned",
        "replied",
        "answered",
        "replied",
    ]
    assert request.messages.filter(from_state_program=True).count() == 2
    assigned = request.changes.get(action="assigned")
    assert assigned.line.endswith("assigned to Pat Manager")


def test_a_coordinators_reply_to_an_unassigned_request_reopens_it(task_force, coordinator, manager):
    request = _open(task_force, coordinator)
    help_requests.help_request_reply(
        request=request, body="Here you go.", user=manager, expected_version=None
    )
    help_requests.help_request_reply(
        request=request, body="Follow-up.", user=coordinator, expected_version=None
    )
    request.refresh_from_db()
    assert request.state == State.OPEN


def test_assigning_to_someone_outside_the_state_program_is_refused(
    task_force, coordinator, manager
):
    request = _open(task_force, coordinator)
    with pytest.raises(ValidationError) as error:
        help_requests.help_request_assign(
            request=request, assignee=coordinator, user=manager, expected_version=None
        )
    assert "assignee" in error.value.message_dict
    request.refresh_from_db()
    assert (request.state, request.assigned_to, request.version) == (State.OPEN, None, 0)
    assert request.changes.count() == 1


def test_a_coordinator_cannot_assign(task_force, coordinator, manager):
    request = _open(task_force, coordinator)
    with pytest.raises(PermissionDenied):
        help_requests.help_request_assign(
            request=request, assignee=manager, user=coordinator, expected_version=None
        )
    assert request.changes.count() == 1


def test_assigning_again_to_the_same_person_is_refused(task_force, coordinator, manager):
    request = _open(task_force, coordinator)
    help_requests.help_request_assign(
        request=request, assignee=manager, user=manager, expected_version=None
    )
    with pytest.raises(ValidationError):
        help_requests.help_request_assign(
            request=request, assignee=manager, user=manager, expected_version=None
        )
    other_manager = program_manager()
    done = help_requests.help_request_assign(
        request=request, assignee=other_manager, user=manager, expected_version=None
    )
    assert done.assigned_to == other_manager
    assert request.changes.filter(action="assigned").count() == 2


def test_a_closed_request_takes_no_reply_or_assignment_until_reopened(
    task_force, coordinator, manager
):
    request = _open(task_force, coordinator)
    closed = help_requests.help_request_close(request=request, user=coordinator, expected_version=0)
    assert closed.state == State.CLOSED and closed.closed_at is not None
    for act in (
        lambda: help_requests.help_request_reply(
            request=request, body="Late reply", user=manager, expected_version=None
        ),
        lambda: help_requests.help_request_assign(
            request=request, assignee=manager, user=manager, expected_version=None
        ),
        lambda: help_requests.help_request_close(
            request=request, user=manager, expected_version=None
        ),
    ):
        with pytest.raises(ValidationError):
            act()
    assert request.messages.count() == 1
    assert request.changes.count() == 2
    reopened = help_requests.help_request_reopen(
        request=request, user=manager, expected_version=closed.version
    )
    assert (reopened.state, reopened.closed_at) == (State.OPEN, None)
    with pytest.raises(ValidationError):
        help_requests.help_request_reopen(request=request, user=manager, expected_version=None)


def test_reopening_gives_the_request_back_to_its_assignee(task_force, coordinator, manager):
    request = _open(task_force, coordinator)
    help_requests.help_request_assign(
        request=request, assignee=manager, user=manager, expected_version=None
    )
    help_requests.help_request_close(request=request, user=manager, expected_version=None)
    reopened = help_requests.help_request_reopen(
        request=request, user=coordinator, expected_version=None
    )
    assert reopened.state == State.ASSIGNED


def test_another_task_forces_coordinator_may_not_reply_or_close(task_force, coordinator):
    request = _open(task_force, coordinator)
    stranger = UserFactory()
    TaskForceFactory().coordinators.add(stranger)
    with pytest.raises(PermissionDenied):
        help_requests.help_request_reply(
            request=request, body="Hi", user=stranger, expected_version=None
        )
    with pytest.raises(PermissionDenied):
        help_requests.help_request_close(request=request, user=stranger, expected_version=None)
    request.refresh_from_db()
    assert request.state == State.OPEN and request.messages.count() == 1


def test_a_stale_version_is_refused_and_saves_nothing(task_force, coordinator, manager):
    request = _open(task_force, coordinator)
    help_requests.help_request_assign(
        request=request, assignee=manager, user=manager, expected_version=0
    )
    with pytest.raises(StaleSaveError) as error:
        help_requests.help_request_reply(
            request=request, body="Based on the old page", user=manager, expected_version=0
        )
    assert error.value.current.state == State.ASSIGNED
    assert "(it is now assigned)" in error.value.message_for(manager)
    assert request.messages.count() == 1
    assert request.changes.count() == 2


def test_an_empty_reply_is_refused(task_force, coordinator, manager):
    request = _open(task_force, coordinator)
    with pytest.raises(ValidationError) as error:
        help_requests.help_request_reply(
            request=request, body="  ", user=manager, expected_version=None
        )
    assert "body" in error.value.message_dict
    request.refresh_from_db()
    assert request.state == State.OPEN and request.first_reply_at is None


def test_messages_and_history_are_append_only(task_force, coordinator):
    request = _open(task_force, coordinator)
    message = request.messages.get()
    with pytest.raises(TypeError):
        message.save()
    with pytest.raises(TypeError):
        HelpMessage.objects.update(body="changed")
    with pytest.raises(TypeError):
        HelpRequestChange.objects.all().delete()


def test_the_database_refuses_an_unknown_state(task_force, coordinator):
    from django.db import IntegrityError, transaction

    request = _open(task_force, coordinator)
    with pytest.raises(IntegrityError), transaction.atomic():
        HelpRequest.objects.filter(pk=request.pk).update(state="pending")
    with pytest.raises(IntegrityError), transaction.atomic():
        HelpRequest.objects.filter(pk=request.pk).update(state="closed")  # no closed_at
