"""The statewide figures of help requests: where help is most needed over
the last twelve months, and how long the state program takes to reply."""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from assessments.core.attention import (
    ATTENTION_LIMIT,
    AttentionGroup,
    AttentionItem,
    coordinated_by,
    group,
)
from assessments.core.reminders import Names, names_of
from assessments.help.models import HelpMessage, HelpRequest, HelpRequestRead

WINDOW = datetime.timedelta(days=365)


@dataclass(frozen=True)
class NeedRow:
    milestone_name: str  # "" for the task force in general
    stage_name: str
    count: int


@dataclass(frozen=True)
class HelpSummary:
    since: datetime.datetime
    rows: list[NeedRow]
    total: int
    replied: int
    median_first_reply: datetime.timedelta | None


def statewide_summary(now: datetime.datetime | None = None) -> HelpSummary:
    """Requests opened in the last 365 days by milestone, most first ("in
    general" as its own row), and the median time from opening to the state
    program's first reply over those that have one. Two queries."""
    now = now or timezone.now()
    since = now - WINDOW
    recent = HelpRequest.objects.filter(created_at__gt=since, created_at__lte=now)
    counts = (
        recent.values("milestone_id", "milestone__name", "milestone__stage__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "milestone__stage__order", "milestone__order", "milestone__name")
    )
    rows = [
        NeedRow(row["milestone__name"] or "", row["milestone__stage__name"] or "", row["count"])
        for row in counts
    ]
    waits = [
        replied - created
        for created, replied in recent.filter(first_reply_at__isnull=False).values_list(
            "created_at", "first_reply_at"
        )
    ]
    return HelpSummary(
        since=since,
        rows=rows,
        total=sum(row.count for row in rows),
        replied=len(waits),
        median_first_reply=statistics.median(waits) if waits else None,
    )


def duration_text(delta: datetime.timedelta | None) -> str:
    """ "2 days, 3 hours", "5 hours", "40 minutes": for the median wait."""
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f", {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour")
    return unit(minutes, "minute")


def age_text(since: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """How long a request has been waiting, in its largest unit: "3 days"."""
    delta = (now or timezone.now()) - since
    if delta < datetime.timedelta(hours=1):
        return "less than an hour"
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    if days:
        return f"{days} day{'' if days == 1 else 's'}"
    hours = rest // 60
    return f"{hours} hour{'' if hours == 1 else 's'}"


@dataclass(frozen=True)
class OpenHelpRequests:
    """Open (not closed) help requests statewide: counts by state and the
    task forces' names. Never a request's subject or text."""

    count: int
    by_state: list[tuple[str, int]]
    task_forces: Names
    path: str


def open_help_summary() -> OpenHelpRequests:
    """One query, whatever the number of requests."""
    rows = (
        HelpRequest.objects.open()
        .order_by()
        .values_list("task_force__name", "state")
        .annotate(n=Count("pk"))
    )
    by_state: dict[str, int] = defaultdict(int)
    names: set[str] = set()
    for name, state, n in rows:
        by_state[state] += n
        names.add(name)
    return OpenHelpRequests(
        count=sum(by_state.values()),
        by_state=[
            (HelpRequest.State(state).label, by_state[state])
            for state in HelpRequest.State.values
            if by_state.get(state)
        ],
        task_forces=names_of(len(names), names),
        path=reverse("assessments:help_queue"),
    )


# "Needs your attention" and the menu's count (see assessments/core/attention.py).


def unread_replies_for(user) -> QuerySet[HelpRequest]:
    """Requests of the task forces `user` coordinates with a reply from the
    state program that they have not read: written after they last opened
    the thread (HelpRequestRead), or at all when they never did. Each
    request once, with `reply_at`, its latest such reply."""
    read_at = HelpRequestRead.objects.filter(user=user, request=OuterRef("pk")).values("read_at")[
        :1
    ]
    latest_reply = (
        HelpMessage.objects.filter(request=OuterRef("pk"), from_state_program=True)
        .exclude(changed_by=user)
        .order_by("-changed_at", "-pk")
        .values("changed_at")[:1]
    )
    return (
        HelpRequest.objects.filter(task_force__in=coordinated_by(user))
        .annotate(read_at=Subquery(read_at), reply_at=Subquery(latest_reply))
        .filter(reply_at__isnull=False)
        .filter(Q(read_at__isnull=True) | Q(reply_at__gt=F("read_at")))
    )


def waiting_on_state_program(user) -> QuerySet[HelpRequest]:
    """What waits for `user` in the state program: requests nobody has taken
    (open, which is unassigned) and those assigned to them that wait for a
    reply (assigned: the task force wrote last)."""
    return HelpRequest.objects.filter(
        Q(state=HelpRequest.State.OPEN) | Q(state=HelpRequest.State.ASSIGNED, assigned_to=user.pk)
    )


def _thread_url(item: HelpRequest) -> str:
    return reverse(
        "assessments:help_request",
        kwargs={"slug": item.task_force.slug, "request_id": item.pk},
    )


def coordinator_groups(user, now: datetime.datetime | None = None) -> list[AttentionGroup]:
    now = now or timezone.now()
    requests = list(
        unread_replies_for(user)
        .select_related("task_force", "milestone")
        .order_by("-reply_at", "-pk")[: ATTENTION_LIMIT + 1]
    )
    return [
        group(
            "help_replies",
            "Unread replies to your help requests",
            [
                AttentionItem(
                    text=f"{item.task_force.name}: {item.subject}",
                    url=_thread_url(item),
                    detail=f"the state program replied {age_text(item.reply_at, now)} ago",
                    flag="New reply",
                )
                for item in requests
            ],
        )
    ]


def manager_groups(user, now: datetime.datetime | None = None) -> list[AttentionGroup]:
    """Oldest first, as the queue."""
    now = now or timezone.now()
    requests = list(waiting_on_state_program(user).for_queue()[: ATTENTION_LIMIT + 1])
    return [
        group(
            "help_waiting",
            "Help requests waiting for the state program",
            [
                AttentionItem(
                    text=f"{item.task_force.name}: {item.subject}",
                    url=_thread_url(item),
                    detail=(
                        "assigned to you, the task force wrote last"
                        if item.assigned_to_id
                        else "nobody has taken it"
                    )
                    + f"; opened {age_text(item.created_at, now)} ago",
                    flag="" if item.assigned_to_id else "Unassigned",
                )
                for item in requests
            ],
            more_url=reverse("assessments:help_queue"),
        )
    ]
