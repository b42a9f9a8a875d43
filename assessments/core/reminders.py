"""The daily reminders' table: one collector per kind of reminder, each
registered by the feature whose data it reads (core's milestones here in
notifications, the register's MOUs, the team's invitations, the review
cycles' due dates), and what a collector returns: an Item per coordinator
to tell. notifications/reminders.py runs the table and sends.

A collector is ONE query over all task forces; a new kind of reminder is a
NotificationKind and a function registered with @collector(kind).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse

from assessments.core import hooks
from assessments.core.models import TaskForce
from taskforce_site.mail import absolute_url


class NotificationKind(models.TextChoices):
    """What the site e-mails about: one preference each. The reminders are
    the daily `send_reminders` run's; the event groups (EVENT_GROUPS, whose
    events core/events.py records) go out right away or in that run."""

    TARGET_DATE = "target_date", "Target dates coming up or overdue"
    REVIEW_DUE = "review_due", "Achieved milestones due for review"
    MOU_RENEWAL = "mou_renewal", "MOU renewals coming up"
    INVITATION_PENDING = "invitation_pending", "Invitations still pending"
    CYCLE_DUE = "cycle_due", "Review cycle due dates"
    CYCLES_OPENED = "cycles_opened", "Review cycles opened, or their due dates changed"
    SUBMISSIONS_IN = "submissions_in", "Submissions handed in for a decision"
    DECISIONS = "decisions", "Your task force's submissions returned or accepted"
    HELP_QUEUE = "help_queue", "Help requests opened, and task forces' replies"
    HELP_ANSWERS = "help_answers", "The state program's replies to your help requests"
    INVITATIONS_ACCEPTED = "invitations_accepted", "Invitations you sent, accepted"
    NO_COORDINATOR = "no_coordinator", "Task forces left without a coordinator"
    DIGEST = "digest", "Weekly statewide digest (program managers)"


Kind = NotificationKind

# The kinds that are groups of events (core/events.py), not daily reminders.
EVENT_GROUPS = (
    Kind.CYCLES_OPENED,
    Kind.SUBMISSIONS_IN,
    Kind.DECISIONS,
    Kind.HELP_QUEUE,
    Kind.HELP_ANSWERS,
    Kind.INVITATIONS_ACCEPTED,
    Kind.NO_COORDINATOR,
)


@dataclass(frozen=True)
class Item:
    """One thing to tell one person. Names, a date and a link: never notes."""

    recipient_id: int
    kind: str
    # kind:id:...:occasion; what AnnouncedItem remembers.
    key: str
    task_force_id: int
    task_force_name: str
    name: str
    date: datetime.date | None
    occasion: str
    path: str

    @property
    def url(self) -> str:
        return absolute_url(self.path)

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label


CoordinatorMap = dict[int, list[int]]


def coordinators_by_task_force(task_force_ids=None) -> CoordinatorMap:
    """{task force id: [user ids]} of the coordinators to tell, in one query:
    of every task force, or of `task_force_ids`."""
    through = TaskForce.coordinators.through
    rows = through.objects.filter(user__is_active=True)
    if task_force_ids is not None:
        rows = rows.filter(taskforce_id__in=task_force_ids)
    rows = (
        rows.exclude(user__email="")
        .order_by("taskforce_id", "user_id")
        .values_list("taskforce_id", "user_id")
    )
    # The team feature's invitations that made an account (core.hooks): an
    # account with one open has never signed in.
    invitations = hooks.open_invitations()
    if invitations is not None:
        rows = rows.exclude(Exists(invitations.filter(user_id=OuterRef("user_id"))))
    found: CoordinatorMap = defaultdict(list)
    for task_force_id, user_id in rows:
        found[task_force_id].append(user_id)
    return found


def path_template(name: str, *converters: str) -> Callable[..., str]:
    """reverse(name, args) for many rows: reversed once with placeholders
    ("slug" or "int", as the URL's converters), then filled in (reverse()
    per item was most of a run's time at 3,000 task forces). The arguments
    are slugs and ids, which need no quoting."""
    slots = [
        str(9_000_000_000 + n) if converter == "int" else f"slot{n}placeholder"
        for n, converter in enumerate(converters)
    ]
    template = reverse(name, args=slots)
    # The literal text between the placeholders, in the URL's order.
    positions = sorted((template.index(slot), n, slot) for n, slot in enumerate(slots))
    pieces, order, cursor = [], [], 0
    for index, n, slot in positions:
        pieces.append(template[cursor:index])
        order.append(n)
        cursor = index + len(slot)
    tail = template[cursor:]

    def path(*args) -> str:
        return "".join(piece + str(args[n]) for piece, n in zip(pieces, order, strict=True)) + tail

    return path


def fan_out(coordinators: CoordinatorMap, task_force_id: int, **fields) -> list[Item]:
    return [
        Item(recipient_id=user_id, task_force_id=task_force_id, **fields)
        for user_id in coordinators.get(task_force_id, ())
    ]


Collector = Callable[[datetime.date, CoordinatorMap], list[Item]]

# One collector per kind, filled by @collector when the features' hooks are
# imported (AssessmentsConfig.ready).
COLLECTORS: dict[str, Collector] = {}


def collector(kind: str) -> Callable[[Collector], Collector]:
    """Register the collector of `kind`: one per kind."""

    def register(function: Collector) -> Collector:
        if kind in COLLECTORS:
            raise RuntimeError(f"Two reminder collectors for {kind}.")
        COLLECTORS[kind] = function
        return function

    return register


# Names listed per line of an e-mail; the rest is "and N more" (3,000 task
# forces fit no e-mail).
NAMES_LISTED = 25


@dataclass(frozen=True)
class Names:
    """A count of changes and the task forces' names (the first NAMES_LISTED)."""

    count: int
    names: list[str]
    more: int


def names_of(count: int, names: set[str]) -> Names:
    ordered = sorted(names)
    more = max(0, len(ordered) - NAMES_LISTED)
    return Names(count=count, names=ordered[:NAMES_LISTED], more=more)
