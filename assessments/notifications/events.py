"""E-mails about events (core/events.py): who is told, and when.

Who (core.events.AUDIENCE), never anyone outside the task force or the
state program, and never the person who did it:
- coordinators: the task force's coordinators who are active, have an
  e-mail address and have accepted their invitation (as for reminders);
- state program: program managers, and staff who chose to hear of it; a
  help request assigned to someone is that person's alone (the others are
  not told of a request someone has taken on);
- state all: program managers and staff;
- person: the one person the event names (who sent the invitation).

When: each person's preference for the event's group (NotificationKind in
core.events.GROUP): right away (queued here, in the transaction that
recorded the event, so a rollback sends nothing), in the daily e-mail
(send_reminders, notifications/reminders.py, picks up the events of the last
EVENT_DAYS days not yet announced), or off. Each event reaches each person
once: AnnouncedItem's (recipient, key) is unique, and the key names the event.

What: who did what, when, and one link behind login. Names are full names;
without one the e-mail names the role, never a username (often an address).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from assessments.core import hooks
from assessments.core.events import Audience, Event, EventKind
from assessments.core.reminders import CoordinatorMap, coordinators_by_task_force
from assessments.notifications.models import (
    AnnouncedItem,
    NotificationFrequency,
    NotificationPreference,
    SentNotification,
)
from assessments.notifications.services import program_managers_q, unsubscribe_url
from taskforce_site.mail import absolute_url, build_templated_mail, queue_messages

# The daily e-mail tells of the events of this many days not yet announced:
# someone who turned a group back on is not sent months of them.
EVENT_DAYS = 7

HELP_KINDS = (EventKind.HELP_OPENED, EventKind.HELP_TASK_FORCE_REPLIED)


@dataclass(frozen=True)
class Recipient:
    event: Event
    user_id: int
    # The frequency when the person chose none (NotificationPreference.default_for).
    default: str


@dataclass(frozen=True)
class StateProgram:
    program_managers: frozenset[int]
    staff: frozenset[int]

    @property
    def everyone(self) -> frozenset[int]:
        return self.program_managers | self.staff


def state_program() -> StateProgram:
    """Active program managers and staff with an e-mail address: two queries."""
    people = get_user_model().objects.filter(is_active=True).exclude(email="")
    return StateProgram(
        program_managers=frozenset(
            people.filter(program_managers_q()).values_list("pk", flat=True).distinct()
        ),
        staff=frozenset(people.filter(is_staff=True).values_list("pk", flat=True)),
    )


def recipients(
    events: list[Event],
    *,
    coordinators: CoordinatorMap | None = None,
    state: StateProgram | None = None,
) -> list[Recipient]:
    """Who may hear of each event, with their default frequency, in at most
    four queries however many events (fewer when the audience needs none)."""
    audiences = {event.audience for event in events}
    if coordinators is None and Audience.COORDINATORS in audiences:
        coordinators = coordinators_by_task_force(
            task_force_ids={event.task_force_id for event in events}
        )
    if state is None and audiences & {Audience.STATE_PROGRAM, Audience.STATE_ALL}:
        state = state_program()
    named = {event.person_id for event in events if event.person_id}
    reachable = (
        set(
            get_user_model()
            .objects.filter(pk__in=named, is_active=True)
            .exclude(email="")
            .values_list("pk", flat=True)
        )
        if named
        else set()
    )
    found: list[Recipient] = []
    for event in events:
        usual = NotificationPreference.default_for(event.group)
        people: list[tuple[int, str]] = []
        if event.audience == Audience.COORDINATORS:
            people = [(uid, usual) for uid in coordinators.get(event.task_force_id, ())]
        elif event.audience == Audience.PERSON:
            if event.person_id in reachable:
                people = [(event.person_id, usual)]
        elif event.audience == Audience.STATE_ALL:
            people = [(uid, usual) for uid in sorted(state.everyone)]
        elif (
            event.kind in HELP_KINDS
            and event.person_id in reachable
            and event.person_id in state.everyone
        ):
            # Assigned: the assignee's alone, program manager or staff.
            people = [(event.person_id, usual)]
        else:
            opt_in = NotificationPreference.default_for(event.group, staff_only=True)
            people = [
                (uid, usual if uid in state.program_managers else opt_in)
                for uid in sorted(state.everyone)
            ]
        found += [
            Recipient(event=event, user_id=uid, default=frequency)
            for uid, frequency in people
            if uid != event.actor_id
        ]
    return found


# What the e-mail says -------------------------------------------------------


def _day(moment: datetime.datetime | datetime.date) -> str:
    if isinstance(moment, datetime.datetime):
        moment = timezone.localdate(moment)
    return date_format(moment)


@dataclass(frozen=True)
class Line:
    """One event as one person reads it."""

    key: str
    group: str
    subject: str
    sentence: str
    detail: str
    task_force_name: str
    at: datetime.datetime
    url: str


def describe(event: Event) -> Line:
    """The subject and the sentence: who did what, when. Names and dates
    only (the return comment's first line when the setting allows it)."""
    program = settings.PROGRAM_NAME
    tf = event.task_force.name if event.task_force_id else ""
    when = _day(event.at)
    title = f"“{event.name}”"
    state_actor = event.actor_name or program
    coordinator_actor = event.actor_name or f"a coordinator of {tf}"
    version = f"version {event.number}" if event.number else "the latest version"
    kind = event.kind
    if kind == EventKind.CYCLE_OPENED:
        subject = f"A review cycle is open for {tf}: {event.name}, due {_day(event.date)}"
        sentence = (
            f"{state_actor} opened the review cycle {title} on {when}. "
            f"The submission of {tf} is due on {_day(event.date)}."
        )
    elif kind == EventKind.CYCLE_DUE_CHANGED:
        subject = f"New due date for {event.name}: {_day(event.date)}"
        sentence = (
            f"{state_actor} changed the due date of the review cycle {title} on {when}. "
            f"The submission of {tf} is now due on {_day(event.date)}."
        )
    elif kind == EventKind.SUBMISSION_SUBMITTED:
        subject = f"{tf} handed in {version} of its submission to {event.name}"
        sentence = (
            f"{coordinator_actor} handed in {version} of the submission of {tf} "
            f"to the review cycle {title} on {when}. It waits for a decision."
        )
    elif kind == EventKind.SUBMISSION_RETURNED:
        subject = f"The submission of {tf} to {event.name} was returned"
        sentence = (
            f"{state_actor} returned {version} of the submission of {tf} to the review "
            f"cycle {title} on {when}, with comments. Change it and hand it in again."
        )
    elif kind == EventKind.SUBMISSION_ACCEPTED:
        subject = f"The submission of {tf} to {event.name} was accepted"
        sentence = (
            f"{state_actor} accepted {version} of the submission of {tf} "
            f"to the review cycle {title} on {when}."
        )
    elif kind == EventKind.HELP_OPENED:
        subject = f"{tf} asked for help about {event.name}"
        sentence = f"{coordinator_actor} asked {program} for help about {event.name} on {when}."
    elif kind == EventKind.HELP_TASK_FORCE_REPLIED:
        subject = f"{tf} replied to a help request about {event.name}"
        sentence = (
            f"{coordinator_actor} replied on {when} to the help request of {tf} about {event.name}."
        )
    elif kind == EventKind.HELP_STATE_REPLIED:
        subject = f"{program} replied to a help request of {tf}"
        sentence = (
            f"{state_actor} replied on {when} to the help request of {tf} about {event.name}."
        )
    elif kind == EventKind.HELP_ASSIGNED:
        subject = f"A help request of {tf} was assigned"
        sentence = (
            f"{state_actor} assigned the help request of {tf} about {event.name} "
            f"to {event.person_name or 'a member of ' + program} on {when}."
        )
    elif kind == EventKind.HELP_CLOSED:
        subject = f"{program} closed a help request of {tf}"
        sentence = f"{state_actor} closed the help request of {tf} about {event.name} on {when}."
    elif kind == EventKind.INVITATION_ACCEPTED:
        who = event.actor_name or "the person you invited"
        subject = f"{who} accepted your invitation"
        sentence = f"{who} accepted on {when} your invitation to {event.name}."
    else:  # NO_COORDINATOR
        who = event.person_name or "its last coordinator"
        by = f" by {event.actor_name}" if event.actor_name else ""
        subject = f"{tf} has no coordinator"
        sentence = (
            f"{tf} has had no coordinator since {when}, when {who} was taken off "
            f"the task force{by}. Staff can invite a new coordinator."
        )
    return Line(
        key=event.key,
        group=event.group,
        subject=capfirst(subject),
        sentence=capfirst(sentence),
        detail=event.detail if settings.NOTIFY_INCLUDE_RETURN_COMMENT else "",
        task_force_name=tf,
        at=event.at,
        url=absolute_url(event.path),
    )


# Right away -----------------------------------------------------------------


def _email(line: Line, recipient: dict):
    unsubscribe = unsubscribe_url(recipient["pk"], [line.group])
    return build_templated_mail(
        to=[recipient["email"]],
        template="event",
        context={
            "name": recipient["name"],
            "line": line,
            "group_label": NotificationPreference.Kind(line.group).label,
            "unsubscribe_url": unsubscribe,
            "preferences_url": absolute_url(reverse("assessments:notification_preferences")),
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def people_by_id(user_ids) -> dict[int, dict]:
    """{id: {"pk", "email", "name"}}: one query. The name is the full name or ""."""
    return {
        row["pk"]: {**row, "name": f"{row['first_name']} {row['last_name']}".strip()}
        for row in get_user_model()
        .objects.filter(pk__in=user_ids)
        .values("pk", "email", "first_name", "last_name")
    }


def send_right_away(events: list[Event]) -> int:
    """Queue the e-mail of each person who wants `events` right away, and
    record it as sent, in the caller's transaction. Returns how many."""
    found = recipients(events)
    if not found:
        return 0
    user_ids = {r.user_id for r in found}
    chosen = NotificationPreference.objects.frequencies(user_ids)
    now_sending = [
        r
        for r in found
        if chosen.get((r.user_id, r.event.group), r.default) == NotificationFrequency.IMMEDIATE
    ]
    if not now_sending:
        return 0
    people = people_by_id({r.user_id for r in now_sending})
    # The task forces' names for all the events at once (a cycle covers thousands).
    prefetch_related_objects([r.event for r in now_sending], "task_force")
    lines = {r.event.pk: describe(r.event) for r in now_sending}
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        queue_messages(
            [("event", _email(lines[r.event.pk], people[r.user_id])) for r in now_sending]
        )
        SentNotification.objects.bulk_create(
            SentNotification(
                recipient_id=r.user_id,
                email=people[r.user_id]["email"],
                kinds=[r.event.group],
                item_keys=[r.event.key],
                run_date=today,
                sent_at=now,
            )
            for r in now_sending
        )
        AnnouncedItem.objects.bulk_create(
            AnnouncedItem(recipient_id=r.user_id, key=r.event.key, run_date=today)
            for r in now_sending
        )
    return len(now_sending)


@receiver(hooks.events_recorded, dispatch_uid="notifications.events_recorded")
def _events_recorded(sender, events: list[Event], **kwargs) -> None:
    send_right_away(events)


# In the daily e-mail --------------------------------------------------------


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def recent_events(today: datetime.date) -> list[Event]:
    """The events of the EVENT_DAYS days up to now: one query."""
    return list(
        Event.objects.filter(at__gte=_midnight(today - datetime.timedelta(days=EVENT_DAYS)))
        .select_related("task_force")
        .order_by("at", "pk")
    )
