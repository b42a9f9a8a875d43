"""The daily reminders (`manage.py send_reminders`): what is due, for whom,
and queueing it once.

Collectors: one per kind, each ONE query over all task forces, returning an
Item per coordinator to tell. Who is told: the coordinators of the item's
task force who are active, have an e-mail address and have accepted their
invitation (an account with an open invitation has never signed in).

Kinds and when each item is announced (its "occasion", part of its key):
- target_date: a milestone not achieved (and not retired) whose target date
  is in the next TARGET_DATE_DAYS days, today included: once; and once more
  when it is overdue (the day after its target date). A new target date is a
  new item.
- review_due: an achieved milestone due for review (MilestoneStatus's one
  rule, review_due_before): once per confirmation; confirming it and letting
  a year pass again makes a new one.
- mou_renewal: an active agency's signed MOU "expiring" by the register's
  rule (PartnerAgencyQuerySet.with_mou_state, DJANGO_REGISTER_EXPIRY_WINDOW_DAYS):
  once per renewal date.
- invitation_pending: an open (not accepted, not withdrawn) invitation to
  coordinate the task force, whoever sent it, since any of its coordinators
  may resend or withdraw it: once per ISO week while it stays open.
- cycle_due: a review cycle submission still waiting on the task force (not
  submitted or accepted, cycle not closed): once when its due date is in the
  next CYCLE_DUE_DAYS days, once more when it is late (late_q).

Idempotence: each person's e-mail is queued (taskforce_site/mail.py, one
OutgoingEmail and one send job) in the same transaction as its
SentNotification and the AnnouncedItem of each key (kind, item, occasion)
it carries, and a key announced to a person is never queued for them
again. Queued is as good as sent: the job queue sends each message once and
retries while the mail server refuses (what still fails shows to staff in
the admin). So a second run the same day queues nothing new, and a run
that stops half way has queued and recorded whole batches, nothing half.

One run at a time: two runs at once would both plan before either records,
and both send. Each run first claims a ReminderRun row, committed on its
own, and at most one row may be RUNNING (a unique constraint, so the
database decides between two runs on two hosts). The loser queues nothing.
A run that raises marks its row FAILED on the way out; one that was killed
leaves it RUNNING, and is taken over by a run with force=True, or by any run
once it is STALE_AFTER old.

Frequency (NotificationPreference): daily items go out on the first run
that finds them; weekly ones wait for DIGEST_WEEKDAY's run, which sends
what is still due then; never drops the kind. One e-mail per person per run
groups everything, by task force, with the weekly digest when it is due.

Events (core/events.py, notifications/events.py): those of the last
EVENT_DAYS days not yet announced to a person who chose the daily e-mail
(or right away, when it was missed) join the run's e-mail under "What
happened", announced like the items, once per event and person.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.core.models import MilestoneStatus
from assessments.core.reminders import (
    COLLECTORS,
    CoordinatorMap,
    Item,
    Kind,
    collector,
    coordinators_by_task_force,
    fan_out,
    path_template,
)
from assessments.notifications import digest as digest_module
from assessments.notifications import events as events_module
from assessments.notifications.models import (
    AnnouncedItem,
    NotificationFrequency,
    NotificationPreference,
    ReminderRun,
    SentNotification,
)
from assessments.notifications.services import digest_recipients_q, unsubscribe_url
from taskforce_site.mail import absolute_url, build_templated_mail, queue_messages

TARGET_DATE_DAYS = 14
# E-mails are queued and recorded this many at a time, each batch in one
# transaction of four inserts: few queries at 3,000 task forces.
RECORD_BATCH = 100
# A run still marked as sending after this long was killed: a real one takes
# seconds to minutes (bench/README.md#reminders), and the next daily run must
# not be blocked for good by one that died.
STALE_AFTER = datetime.timedelta(hours=6)

logger = logging.getLogger(__name__)


@collector(Kind.TARGET_DATE)
def target_date_items(today: datetime.date, coordinators: CoordinatorMap) -> list[Item]:
    statuses = MilestoneStatus.objects.filter(milestone__is_active=True)
    rows = (statuses.overdue(today) | statuses.target_due_within(today, TARGET_DATE_DAYS)).values(
        "pk",
        "task_force_id",
        "task_force__name",
        "task_force__slug",
        "milestone__name",
        "milestone__slug",
        "target_date",
    )
    milestone_path = path_template("assessments:milestone_edit", "slug", "slug")
    items = []
    for row in rows:
        occasion = "overdue" if row["target_date"] < today else "soon"
        items += fan_out(
            coordinators,
            row["task_force_id"],
            kind=Kind.TARGET_DATE,
            key=f"target_date:{row['pk']}:{row['target_date']}:{occasion}",
            task_force_name=row["task_force__name"],
            name=row["milestone__name"],
            date=row["target_date"],
            occasion=occasion,
            path=milestone_path(row["task_force__slug"], row["milestone__slug"]),
        )
    return items


@collector(Kind.REVIEW_DUE)
def review_due_items(today: datetime.date, coordinators: CoordinatorMap) -> list[Item]:
    rows = (
        MilestoneStatus.objects.filter(milestone__is_active=True)
        .review_due(today)
        .values(
            "pk",
            "task_force_id",
            "task_force__name",
            "task_force__slug",
            "milestone__name",
            "milestone__slug",
            "confirmed_at",
            "status_since",
        )
    )
    milestone_path = path_template("assessments:milestone_edit", "slug", "slug")
    items = []
    for row in rows:
        confirmed_on = timezone.localdate(row["confirmed_at"] or row["status_since"])
        items += fan_out(
            coordinators,
            row["task_force_id"],
            kind=Kind.REVIEW_DUE,
            key=f"review_due:{row['pk']}:{confirmed_on}",
            task_force_name=row["task_force__name"],
            name=row["milestone__name"],
            date=confirmed_on,
            occasion="due",
            path=milestone_path(row["task_force__slug"], row["milestone__slug"]),
        )
    return items


def collect(today: datetime.date, coordinators: CoordinatorMap | None = None) -> list[Item]:
    """Every item of every kind, for every coordinator: one query per kind
    and one for the coordinators."""
    if coordinators is None:
        coordinators = coordinators_by_task_force()
    items: list[Item] = []
    # In NotificationKind's order, whichever order the features registered in.
    for kind in Kind.values:
        if kind in COLLECTORS:
            items += COLLECTORS[kind](today, coordinators)
    return items


# Sending ------------------------------------------------------------------------


@dataclass
class Message:
    """One person's e-mail of one run."""

    recipient_id: int
    email: str
    name: str
    items: list[Item] = field(default_factory=list)
    digest: digest_module.Digest | None = None
    digest_key: str = ""
    # What happened (notifications/events.py) for those who chose the daily e-mail.
    events: list[events_module.Line] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        kinds = {item.kind for item in self.items} | {line.group for line in self.events}
        if self.digest is not None:
            kinds.add(Kind.DIGEST)
        return [kind for kind in Kind.values if kind in kinds]

    @property
    def keys(self) -> list[str]:
        keys = [item.key for item in self.items] + [line.key for line in self.events]
        return keys + ([self.digest_key] if self.digest is not None else [])

    def groups(self) -> list[tuple[str, list[Item]]]:
        """Items by task force name, each group by date."""
        by_task_force: dict[str, list[Item]] = defaultdict(list)
        for item in self.items:
            by_task_force[item.task_force_name].append(item)
        return [
            (name, sorted(items, key=lambda i: (i.date or datetime.date.max, i.kind, i.name)))
            for name, items in sorted(by_task_force.items())
        ]


@dataclass
class RunResult:
    today: datetime.date
    messages: list[Message]
    queued: list[Message] = field(default_factory=list)
    held: int = 0
    # Another run was sending, so this one planned and queued nothing; `other`
    # is that run, if it was still sending when asked.
    busy: bool = False
    other: ReminderRun | None = None


def _is_weekday(today: datetime.date) -> bool:
    return today.weekday() == settings.DIGEST_WEEKDAY


def plan(today: datetime.date) -> RunResult:
    """Who gets which e-mail on `today`, in a constant number of queries:
    the collectors, the digest's readers, the people, their preferences
    and what they were already sent."""
    coordinators = coordinators_by_task_force()
    items = collect(today, coordinators)
    weekday = _is_weekday(today)
    User = get_user_model()
    digest_ids: set[int] = set()
    if weekday:
        digest_ids = set(
            User.objects.filter(digest_recipients_q(), is_active=True)
            .exclude(email="")
            .values_list("pk", flat=True)
            .distinct()
        )
    recent = events_module.recent_events(today)
    told = events_module.recipients(recent, coordinators=coordinators) if recent else []
    recipient_ids = {item.recipient_id for item in items} | digest_ids
    recipient_ids |= {recipient.user_id for recipient in told}
    if not recipient_ids:
        return RunResult(today=today, messages=[])
    people = {
        row["pk"]: row
        for row in User.objects.filter(pk__in=recipient_ids).values(
            "pk", "email", "first_name", "last_name", "username"
        )
    }
    frequencies = NotificationPreference.objects.frequencies(recipient_ids)
    announced = set(
        AnnouncedItem.objects.filter(recipient_id__in=recipient_ids).values_list(
            "recipient_id", "key"
        )
    )

    def frequency(user_id: int, kind: str) -> str:
        return frequencies.get((user_id, kind), NotificationPreference.default_for(kind))

    messages: dict[int, Message] = {}

    def message_for(user_id: int) -> Message:
        if user_id not in messages:
            person = people[user_id]
            name = f"{person['first_name']} {person['last_name']}".strip()
            messages[user_id] = Message(recipient_id=user_id, email=person["email"], name=name)
        return messages[user_id]

    held = 0
    for item in items:
        if (item.recipient_id, item.key) in announced:
            continue
        chosen = frequency(item.recipient_id, item.kind)
        if chosen == NotificationFrequency.NEVER:
            continue
        if chosen == NotificationFrequency.WEEKLY and not weekday:
            held += 1
            continue
        message_for(item.recipient_id).items.append(item)

    lines: dict[int, events_module.Line] = {}
    for recipient in told:
        event = recipient.event
        if (recipient.user_id, event.key) in announced:
            continue
        chosen = frequencies.get((recipient.user_id, event.group), recipient.default)
        # Right away ones were sent when they happened (and announced); one
        # found here was missed, e.g. chosen right away after it happened.
        if chosen not in (NotificationFrequency.DAILY, NotificationFrequency.IMMEDIATE):
            continue
        if event.pk not in lines:
            lines[event.pk] = events_module.describe(event)
        message_for(recipient.user_id).events.append(lines[event.pk])

    digest_key = f"digest:{today}"
    readers = [
        user_id
        for user_id in sorted(digest_ids)
        if frequency(user_id, Kind.DIGEST) == NotificationFrequency.WEEKLY
        and (user_id, digest_key) not in announced
    ]
    if readers:
        weekly = digest_module.weekly_digest(today)
        for user_id in readers:
            message = message_for(user_id)
            message.digest = weekly
            message.digest_key = digest_key
    ordered = [messages[user_id] for user_id in sorted(messages)]
    return RunResult(today=today, messages=ordered, held=held)


def _subject(message: Message) -> str:
    if message.events:
        return _subject_with_events(message)
    count = len(message.items)
    if count and message.digest is not None:
        return f"{count} reminder{'s' if count != 1 else ''} and the weekly digest"
    if message.digest is not None:
        return "Weekly digest"
    forces = "task forces" if len(message.groups()) != 1 else "task force"
    return f"{count} reminder{'s' if count != 1 else ''} for your {forces}"


def _subject_with_events(message: Message) -> str:
    if len(message.events) == 1 and not message.items and message.digest is None:
        return message.events[0].subject
    parts = []
    if message.items:
        parts.append(f"{len(message.items)} reminder{'s' if len(message.items) != 1 else ''}")
    parts.append(f"{len(message.events)} update{'s' if len(message.events) != 1 else ''} for you")
    if message.digest is not None:
        parts.append("the weekly digest")
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text[0].upper() + text[1:]


def email_for(message: Message):
    """The EmailMultiAlternatives of `message`, with its unsubscribe links
    (one per kind in the body; all its kinds in List-Unsubscribe)."""
    unsubscribe_all = unsubscribe_url(message.recipient_id, message.kinds)
    return build_templated_mail(
        to=[message.email],
        template="reminders",
        context={
            "name": message.name,
            "subject": _subject(message),
            "groups": message.groups(),
            "events": message.events,
            "digest": message.digest,
            "unsubscribe_links": [
                (Kind(kind).label, unsubscribe_url(message.recipient_id, [kind]))
                for kind in message.kinds
            ],
            "preferences_url": absolute_url(reverse("assessments:notification_preferences")),
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe_all}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _queue_and_record(batch: list[Message], today: datetime.date) -> None:
    """Queue `batch`'s e-mails and record them as sent, together: a
    rollback takes both, a commit keeps both."""
    if not batch:
        return
    emails = [("reminders", email_for(m)) for m in batch]
    now = timezone.now()
    with transaction.atomic():
        queue_messages(emails)
        SentNotification.objects.bulk_create(
            SentNotification(
                recipient_id=m.recipient_id,
                email=m.email,
                kinds=m.kinds,
                item_keys=m.keys,
                run_date=today,
                sent_at=now,
            )
            for m in batch
        )
        AnnouncedItem.objects.bulk_create(
            (
                AnnouncedItem(recipient_id=m.recipient_id, key=key, run_date=today)
                for m in batch
                for key in dict.fromkeys(m.keys)
            ),
            # Two runs at once both sending: the second record is the same fact.
            ignore_conflicts=True,
        )


# SQLite answers a write that meets another connection's open write with
# "database table is locked" at once, where PostgreSQL waits: two runs
# claiming in the same instant retry a few times, briefly, before giving up.
CLAIM_ATTEMPTS = 5


def reminder_run_claim(*, today: datetime.date, force: bool = False) -> ReminderRun | None:
    """The ReminderRun this run sends under, or None when another run is
    sending. Committed before anything is sent, so a run on another host
    sees it. `force` takes over from a run marked as sending (one that was
    killed); without it, only from one STALE_AFTER old."""
    for attempt in range(1, CLAIM_ATTEMPTS + 1):
        try:
            return _claim(today=today, force=force)
        except OperationalError:
            if attempt == CLAIM_ATTEMPTS:
                raise
            time.sleep(0.1 * attempt)
    return None  # not reached: the last attempt returns or raises


def _claim(*, today: datetime.date, force: bool) -> ReminderRun | None:
    now = timezone.now()
    running = ReminderRun.objects.filter(status=ReminderRun.Status.RUNNING)
    if not force:
        running = running.filter(started_at__lt=now - STALE_AFTER)
    for abandoned in running:
        # Conditional: of two runs taking over at once, one changes the row.
        if ReminderRun.objects.filter(pk=abandoned.pk, status=ReminderRun.Status.RUNNING).update(
            status=ReminderRun.Status.FAILED, finished_at=now
        ):
            logger.warning(
                "send_reminders: taking over from the run for %s started at %s, "
                "still marked as sending.",
                abandoned.day,
                abandoned.started_at.isoformat(timespec="seconds"),
            )
    try:
        with transaction.atomic():
            return ReminderRun.objects.create(day=today, started_at=now)
    except IntegrityError:
        return None


def reminder_run_finish(*, run: ReminderRun, status: str) -> None:
    # Conditional: a run taken over by --force does not overwrite its taker's row.
    ReminderRun.objects.filter(pk=run.pk, status=ReminderRun.Status.RUNNING).update(
        status=status, finished_at=timezone.now()
    )


def send_reminders(
    *, today: datetime.date, dry_run: bool = False, force: bool = False
) -> RunResult:
    """Plan `today`'s e-mails and queue them, one per person, unless another
    run is at it (then `busy` is that run, and nothing is queued). The job
    queue sends them, retrying what the mail server refuses."""
    if dry_run:
        return plan(today)
    run = reminder_run_claim(today=today, force=force)
    if run is None:
        other = ReminderRun.objects.filter(status=ReminderRun.Status.RUNNING).first()
        return RunResult(today=today, messages=[], busy=True, other=other)
    try:
        result = _queue(today)
    except BaseException:
        reminder_run_finish(run=run, status=ReminderRun.Status.FAILED)
        raise
    reminder_run_finish(run=run, status=ReminderRun.Status.FINISHED)
    return result


def _queue(today: datetime.date) -> RunResult:
    result = plan(today)
    for start in range(0, len(result.messages), RECORD_BATCH):
        batch = result.messages[start : start + RECORD_BATCH]
        _queue_and_record(batch, today)
        result.queued += batch
    return result
