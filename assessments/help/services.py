"""Help requests to the state program (technical assistance): every write
goes through here, so the checks on who may do what, the state rules, the
thread, the task force's history and the revision bump happen the same way.

States: a coordinator opens a request (open); a program manager assigns it
(assigned) and replies (answered); a coordinator's reply puts it back in
the queue (assigned if someone has it, open otherwise); either side closes
it, and either may reopen it. A closed request takes no replies and no
assignment until it is reopened.

Lock order, as everywhere: the task force's row first (page_cache.bump),
then the request's row.
"""

from __future__ import annotations

import datetime
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assessments.common.people import person_name
from assessments.common.stale import StaleSaveError
from assessments.core import page_cache
from assessments.core.events import EventKind, event_record
from assessments.core.models import TaskForce
from assessments.core.services import RETIRED_MILESTONE_MESSAGE, locked
from assessments.help.models import (
    HELP_BODY_MAX_LENGTH,
    HelpMessage,
    HelpRequest,
    HelpRequestChange,
    HelpRequestRead,
)
from assessments.roles import is_state_program
from stages.models import Milestone

logger = logging.getLogger(__name__)

State = HelpRequest.State
Action = HelpRequestChange.Action

SUBJECT_MAX_LENGTH = HelpRequest._meta.get_field("subject").max_length
CLOSED_MESSAGE = "This request is closed. Reopen it to write in it again."


def can_ask(user: AbstractBaseUser | None, task_force: TaskForce) -> bool:
    """Who may ask for help for a task force, and write in its threads:
    its coordinators and staff (TaskForce.can_edit)."""
    return user is not None and task_force.can_edit(user)


def can_write(user: AbstractBaseUser | None, request: HelpRequest) -> bool:
    """Who may reply in, close or reopen a request: the state program, and
    the task force's own coordinators."""
    return is_state_program(user) or can_ask(user, request.task_force)


def _name(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else ""


def _text(value: str, field: str, *, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [f"Enter the {label}."]})
    if len(value) > limit:
        raise ValidationError(
            {field: [f"The {label} is {len(value)} characters; the limit is {limit}."]}
        )
    return value


def _event(
    request: HelpRequest,
    action: str,
    *,
    user: AbstractBaseUser | None,
    now: datetime.datetime,
    assigned_to_name: str = "",
) -> None:
    HelpRequestChange(
        task_force_id=request.task_force_id,
        request=request,
        milestone_id=request.milestone_id,
        action=action,
        assigned_to_name=assigned_to_name,
        changed_by=user,
        changed_by_name=_name(user),
        changed_at=now,
    ).save(force_insert=True)


def _locked(request: HelpRequest, expected_version: int | None) -> HelpRequest:
    """The request as saved now, locked (core.services.locked); a refused save
    says which state it is in now."""
    try:
        return locked(request, expected_version, "task_force", "milestone", "assigned_to")
    except StaleSaveError as error:
        error.detail = f" (it is now {error.current.get_state_display().lower()})"
        raise


def _save(current: HelpRequest, fields: list[str]) -> None:
    current.version += 1
    current.save(update_fields=[*fields, "version"])


def help_request_create(
    *,
    task_force: TaskForce,
    milestone: Milestone | None,
    subject: str,
    body: str,
    user: AbstractBaseUser,
    at: datetime.datetime | None = None,
) -> HelpRequest:
    """Open a request for `task_force`, on `milestone` (None: the task force
    in general), with its first message. Raises PermissionDenied for someone
    who is not its coordinator or staff, ValidationError (by field) for a
    retired milestone, an empty or too long subject or message; either way
    nothing is saved."""
    if not can_ask(user, task_force):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if milestone is not None and not milestone.is_active:
        errors["milestone"] = [RETIRED_MILESTONE_MESSAGE]
    for field, value, label, limit in (
        ("subject", subject, "subject", SUBJECT_MAX_LENGTH),
        ("body", body, "message", HELP_BODY_MAX_LENGTH),
    ):
        try:
            _text(value, field, label=label, limit=limit)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    now = at or timezone.now()
    with transaction.atomic():
        page_cache.bump([task_force.pk])  # the task force's row first: lock order
        request = HelpRequest.objects.create(
            task_force=task_force,
            milestone=milestone,
            subject=subject.strip(),
            created_by=user,
            created_by_name=_name(user),
            created_at=now,
        )
        HelpMessage(
            request=request,
            body=body.strip(),
            from_state_program=False,
            changed_by=user,
            changed_by_name=_name(user),
            changed_at=now,
        ).save(force_insert=True)
        _event(request, Action.OPENED, user=user, now=now)
        _tell(request, EventKind.HELP_OPENED, user=user, now=now)
    return request


def help_request_assign(
    *,
    request: HelpRequest,
    assignee: AbstractBaseUser,
    user: AbstractBaseUser,
    expected_version: int | None,
    at: datetime.datetime | None = None,
) -> HelpRequest:
    """Give the request to `assignee` (a program manager or staff, the
    assigning one included). Only the state program assigns. Refused, saving
    nothing, for a closed request or one already with `assignee`."""
    if not is_state_program(user):
        raise PermissionDenied
    if not is_state_program(assignee):
        raise ValidationError(
            {"assignee": ["Assign it to a program manager or a member of staff."]}
        )
    now = at or timezone.now()
    with transaction.atomic():
        current = _locked(request, expected_version)
        if current.state == State.CLOSED:
            raise ValidationError(CLOSED_MESSAGE, code="closed")
        if current.assigned_to_id == assignee.pk and current.state == State.ASSIGNED:
            raise ValidationError(
                {"assignee": [f"It is already assigned to {person_name(assignee)}."]}
            )
        current.assigned_to = assignee
        current.state = State.ASSIGNED
        _save(current, ["assigned_to", "state"])
        _event(current, Action.ASSIGNED, user=user, now=now, assigned_to_name=person_name(assignee))
        _tell(current, EventKind.HELP_ASSIGNED, user=user, now=now, person=assignee)
    return current


def help_request_reply(
    *,
    request: HelpRequest,
    body: str,
    user: AbstractBaseUser,
    expected_version: int | None,
    at: datetime.datetime | None = None,
) -> HelpMessage:
    """Add a message to the thread. From the state program it answers the
    request (and sets first_reply_at the first time); from the task force it
    puts the request back in the queue: assigned if someone has it, open
    otherwise. Refused, saving nothing, for a closed request, an empty or
    too long message, or someone who may not write in it. The e-mails (to
    the coordinators for the state program's reply, to the assignee or the
    program managers for the task force's) come of the event recorded in
    the same transaction: sent once the reply is saved, never for one that
    is not."""
    if not can_write(user, request):
        raise PermissionDenied
    text = _text(body, "body", label="message", limit=HELP_BODY_MAX_LENGTH)
    now = at or timezone.now()
    from_state_program = is_state_program(user)
    with transaction.atomic():
        current = _locked(request, expected_version)
        if current.state == State.CLOSED:
            raise ValidationError(CLOSED_MESSAGE, code="closed")
        if from_state_program:
            current.state = State.ANSWERED
            if current.first_reply_at is None:
                current.first_reply_at = now
        else:
            current.state = State.ASSIGNED if current.assigned_to_id else State.OPEN
        _save(current, ["state", "first_reply_at"])
        message = HelpMessage(
            request=current,
            body=text,
            from_state_program=from_state_program,
            changed_by=user,
            changed_by_name=_name(user),
            changed_at=now,
        )
        message.save(force_insert=True)
        _event(
            current,
            Action.REPLIED if from_state_program else Action.ANSWERED,
            user=user,
            now=now,
        )
        if from_state_program:
            _tell(current, EventKind.HELP_STATE_REPLIED, user=user, now=now)
        else:
            _tell(
                current,
                EventKind.HELP_TASK_FORCE_REPLIED,
                user=user,
                now=now,
                person=current.assigned_to,
            )
    return message


def help_request_close(
    *,
    request: HelpRequest,
    user: AbstractBaseUser,
    expected_version: int | None,
    at: datetime.datetime | None = None,
) -> HelpRequest:
    """Close the request: the state program or the task force's coordinators."""
    if not can_write(user, request):
        raise PermissionDenied
    now = at or timezone.now()
    with transaction.atomic():
        current = _locked(request, expected_version)
        if current.state == State.CLOSED:
            raise ValidationError("This request is already closed.", code="closed")
        current.state = State.CLOSED
        current.closed_at = now
        _save(current, ["state", "closed_at"])
        _event(current, Action.CLOSED, user=user, now=now)
        # The task force is told when the state program closes it; closing
        # its own request tells nobody (not in the table of docs/user-guide).
        if is_state_program(user):
            _tell(current, EventKind.HELP_CLOSED, user=user, now=now)
    return current


def help_request_reopen(
    *,
    request: HelpRequest,
    user: AbstractBaseUser,
    expected_version: int | None,
    at: datetime.datetime | None = None,
) -> HelpRequest:
    """Reopen a closed request: back to whoever had it (assigned), or open."""
    if not can_write(user, request):
        raise PermissionDenied
    now = at or timezone.now()
    with transaction.atomic():
        current = _locked(request, expected_version)
        if current.state != State.CLOSED:
            raise ValidationError("Only a closed request can be reopened.", code="not_closed")
        current.state = State.ASSIGNED if current.assigned_to_id else State.OPEN
        current.closed_at = None
        _save(current, ["state", "closed_at"])
        _event(current, Action.REOPENED, user=user, now=now)
    return current


def _tell(
    request: HelpRequest,
    kind: str,
    *,
    user: AbstractBaseUser,
    now: datetime.datetime,
    person: AbstractBaseUser | None = None,
) -> None:
    """Record the event its e-mails are made from (core/events.py), in the
    change's transaction: who, when, the milestone's name and a link to the
    thread behind login. Never the subject or a message: a coordinator wrote
    the one and either may name a person. `person`: the assignee (told
    alone of the task force's replies to a request they have)."""
    event_record(
        kind=kind,
        about=request,
        task_force=request.task_force,
        actor=user,
        # Lower case: it is read in the middle of a sentence.
        name=request.milestone.name if request.milestone_id else "the task force in general",
        person=person,
        at=now,
        path=reverse(
            "assessments:help_request",
            kwargs={"slug": request.task_force.slug, "request_id": request.pk},
        ),
    )


def help_request_mark_read(
    *, request: HelpRequest, user: AbstractBaseUser, at: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Record that `user` has opened the thread now, and return when they had
    last opened it before (None: never), so the page can mark what is new.
    One upsert: two tabs opening the thread at once do not collide."""
    now = at or timezone.now()
    previous = (
        HelpRequestRead.objects.filter(user=user, request=request)
        .values_list("read_at", flat=True)
        .first()
    )
    HelpRequestRead.objects.bulk_create(
        [HelpRequestRead(user=user, request=request, read_at=now)],
        update_conflicts=True,
        unique_fields=["user", "request"],
        update_fields=["read_at"],
    )
    return previous
