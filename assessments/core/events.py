"""What happened that someone should hear of: the events table.

A feature records an Event (event_record / events_record) inside the
transaction of the change it is about: a review cycle opened, a submission
handed in, a help request answered, an invitation accepted. Recording sends
hooks.events_recorded, still in that transaction; the notifications feature
receives it and queues the e-mails of those who want them right away, and
its daily run (send_reminders) picks up the rest. So a change that rolls
back leaves no event and sends nothing, and no feature imports another.

An event holds names, dates, a number and a link behind login: never notes,
narratives, help-request subjects or messages. The only text taken from what
someone wrote is a return comment's first line (`detail`), and only when
settings.NOTIFY_INCLUDE_RETURN_COMMENT is on.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from assessments.common.models import AppendOnly
from assessments.core import hooks
from assessments.core.models import TaskForce
from assessments.core.reminders import NotificationKind

DETAIL_MAX_LENGTH = 200


class EventKind(models.TextChoices):
    CYCLE_OPENED = "cycle_opened", "Review cycle opened"
    CYCLE_DUE_CHANGED = "cycle_due_changed", "Review cycle due date changed"
    SUBMISSION_SUBMITTED = "submission_submitted", "Submission handed in"
    SUBMISSION_RETURNED = "submission_returned", "Submission returned"
    SUBMISSION_ACCEPTED = "submission_accepted", "Submission accepted"
    HELP_OPENED = "help_opened", "Help requested"
    HELP_TASK_FORCE_REPLIED = "help_task_force_replied", "Reply from the task force"
    HELP_STATE_REPLIED = "help_state_replied", "Reply from the state program"
    HELP_ASSIGNED = "help_assigned", "Help request assigned"
    HELP_CLOSED = "help_closed", "Help request closed by the state program"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
    NO_COORDINATOR = "no_coordinator", "Task force left without a coordinator"


class Audience(models.TextChoices):
    """Who may hear of an event (the issue's table, docs/user-guide)."""

    # The task force's coordinators.
    COORDINATORS = "coordinators"
    # Program managers, and staff who chose to; only `person` when the
    # event names one (the help request's assignee).
    STATE_PROGRAM = "state_program"
    # Staff and program managers alike.
    STATE_ALL = "state_all"
    # `person` alone (who sent the invitation).
    PERSON = "person"


AUDIENCE: dict[str, str] = {
    EventKind.CYCLE_OPENED: Audience.COORDINATORS,
    EventKind.CYCLE_DUE_CHANGED: Audience.COORDINATORS,
    EventKind.SUBMISSION_SUBMITTED: Audience.STATE_PROGRAM,
    EventKind.SUBMISSION_RETURNED: Audience.COORDINATORS,
    EventKind.SUBMISSION_ACCEPTED: Audience.COORDINATORS,
    EventKind.HELP_OPENED: Audience.STATE_PROGRAM,
    EventKind.HELP_TASK_FORCE_REPLIED: Audience.STATE_PROGRAM,
    EventKind.HELP_STATE_REPLIED: Audience.COORDINATORS,
    EventKind.HELP_ASSIGNED: Audience.COORDINATORS,
    EventKind.HELP_CLOSED: Audience.COORDINATORS,
    EventKind.INVITATION_ACCEPTED: Audience.PERSON,
    EventKind.NO_COORDINATOR: Audience.STATE_ALL,
}


# The preference (NotificationKind) that decides how each kind is sent.
GROUP: dict[str, str] = {
    EventKind.CYCLE_OPENED: NotificationKind.CYCLES_OPENED,
    EventKind.CYCLE_DUE_CHANGED: NotificationKind.CYCLES_OPENED,
    EventKind.SUBMISSION_SUBMITTED: NotificationKind.SUBMISSIONS_IN,
    EventKind.SUBMISSION_RETURNED: NotificationKind.DECISIONS,
    EventKind.SUBMISSION_ACCEPTED: NotificationKind.DECISIONS,
    EventKind.HELP_OPENED: NotificationKind.HELP_QUEUE,
    EventKind.HELP_TASK_FORCE_REPLIED: NotificationKind.HELP_QUEUE,
    EventKind.HELP_STATE_REPLIED: NotificationKind.HELP_ANSWERS,
    EventKind.HELP_ASSIGNED: NotificationKind.HELP_ANSWERS,
    EventKind.HELP_CLOSED: NotificationKind.HELP_ANSWERS,
    EventKind.INVITATION_ACCEPTED: NotificationKind.INVITATIONS_ACCEPTED,
    EventKind.NO_COORDINATOR: NotificationKind.NO_COORDINATOR,
}


class Event(AppendOnly):
    """One thing that happened, for the e-mails about it. Who did it, when,
    to what (object_type and object_id, the feature's model and row), the
    names and the link the e-mail shows. Written once, never changed."""

    kind = models.CharField(max_length=30, choices=EventKind.choices)
    # Null for what concerns no one task force (an invitation to several).
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The actor's full name then ("" without one: the e-mail says their role).
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    object_type = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    # The thing's name as people read it: a cycle's title, a milestone's.
    name = models.CharField(max_length=200, blank=True)
    # A due date, for cycles.
    date = models.DateField(null=True, blank=True)
    # A submission's version.
    number = models.PositiveIntegerField(null=True, blank=True)
    # A return comment's first line, only when NOTIFY_INCLUDE_RETURN_COMMENT
    # is on. Never anything else anyone wrote.
    detail = models.CharField(max_length=DETAIL_MAX_LENGTH, blank=True)
    # The one person the event is for (who sent an invitation) or about (a
    # help request's assignee, a coordinator taken off), and their full name.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    person_name = models.CharField(max_length=150, blank=True)
    # Where the e-mail's one link goes, behind login.
    path = models.CharField(max_length=300)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_known_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.object_type} {self.object_id})"

    @property
    def audience(self) -> str:
        return AUDIENCE[self.kind]

    @property
    def group(self) -> str:
        return GROUP[self.kind]

    @property
    def key(self) -> str:
        """What AnnouncedItem remembers: once per event and person."""
        return f"event:{self.pk}"


def full_name(user: AbstractBaseUser | None) -> str:
    """A person's full name, or "" (never the username, which is often an
    e-mail address): the e-mail then names the role instead."""
    if user is None:
        return ""
    return (user.get_full_name() or "").strip()


def first_line(text: str) -> str:
    """A return comment's first line, when the state program chose to put it
    in e-mails; "" otherwise."""
    if not settings.NOTIFY_INCLUDE_RETURN_COMMENT:
        return ""
    line = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    if len(line) > DETAIL_MAX_LENGTH:
        line = line[: DETAIL_MAX_LENGTH - 1].rstrip() + "…"
    return line


def event_build(
    *,
    kind: str,
    about: models.Model,
    path: str,
    task_force: TaskForce | int | None = None,
    actor: AbstractBaseUser | None = None,
    name: str = "",
    date: datetime.date | None = None,
    number: int | None = None,
    detail: str = "",
    person: AbstractBaseUser | None = None,
    at: datetime.datetime | None = None,
) -> Event:
    """An unsaved Event (events_record saves many at once)."""
    task_force_id = task_force.pk if isinstance(task_force, TaskForce) else task_force
    return Event(
        kind=kind,
        task_force_id=task_force_id,
        actor=actor,
        actor_name=full_name(actor),
        at=at or timezone.now(),
        object_type=about._meta.model_name,
        object_id=about.pk,
        name=name[:200],
        date=date,
        number=number,
        detail=detail[:DETAIL_MAX_LENGTH],
        person=person,
        person_name=full_name(person),
        path=path,
    )


def events_record(events: list[Event]) -> list[Event]:
    """Save `events` and tell the receivers (hooks.events_recorded), in the
    caller's transaction: two queries however many there are, plus what the
    receivers do."""
    if not events:
        return []
    with transaction.atomic():
        # SQLite and PostgreSQL both return the new ids, which the keys need.
        saved = Event.objects.bulk_create(events)
        hooks.events_recorded.send(sender=Event, events=saved)
    return saved


def event_record(**fields) -> Event:
    """Record one event (event_build's arguments), in the caller's transaction."""
    (event,) = events_record([event_build(**fields)])
    return event
