"""Review cycles' part of "Needs your attention" and of the menu's count
(see assessments/core/attention.py): one query each."""

from __future__ import annotations

import datetime

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from assessments.core.attention import (
    ATTENTION_LIMIT,
    CYCLE_DUE_WITHIN_DAYS,
    AttentionGroup,
    AttentionItem,
    coordinated_by,
    group,
)
from assessments.cycles.models import HANDED_IN, CycleSubmission, Snapshot, SubmissionState


def _day(day: datetime.date) -> str:
    return date_format(day)


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def waiting_on_coordinator(user, today: datetime.date) -> QuerySet[CycleSubmission]:
    """The submissions of the task forces `user` coordinates that wait on
    them, in open cycles: returned ones, and those not handed in that are due
    within CYCLE_DUE_WITHIN_DAYS days (late ones included)."""
    due_by = today + datetime.timedelta(days=CYCLE_DUE_WITHIN_DAYS)
    return CycleSubmission.objects.filter(
        task_force__in=coordinated_by(user), cycle__closed_at__isnull=True
    ).filter(
        Q(state=SubmissionState.RETURNED) | (~Q(state__in=HANDED_IN) & Q(cycle__due_on__lte=due_by))
    )


def waiting_for_decision() -> QuerySet[CycleSubmission]:
    """Submitted versions nobody in the state program has accepted or returned yet."""
    return CycleSubmission.objects.filter(state=SubmissionState.SUBMITTED)


def _url(submission: CycleSubmission) -> str:
    return reverse(
        "assessments:cycle_submission", args=[submission.cycle_id, submission.task_force.slug]
    )


def coordinator_groups(user, today: datetime.date) -> list[AttentionGroup]:
    """Returned submissions, then the cycles due soon, soonest first."""
    submissions = list(
        waiting_on_coordinator(user, today)
        .with_late(today)
        .annotate(
            returned_first=Case(
                When(state=SubmissionState.RETURNED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related("cycle", "task_force")
        # Returned ones first, so a long list of cycles due cannot push them out.
        .order_by("returned_first", "cycle__due_on", "task_force__name", "pk")[
            : 2 * ATTENTION_LIMIT + 2
        ]
    )
    returned = [s for s in submissions if s.state == SubmissionState.RETURNED]
    due = [s for s in submissions if s.state != SubmissionState.RETURNED]
    more_url = reverse("assessments:cycles")
    return [
        group(
            "returned",
            "Returned to you",
            [
                AttentionItem(
                    text=f"{s.task_force.name}: {s.cycle.title}",
                    url=_url(s),
                    detail="Read the comments, change what they ask and submit again; "
                    f"due {_day(s.cycle.due_on)}",
                    flag="Late" if s.late else "",
                )
                for s in returned
            ],
            more_url=more_url,
        ),
        group(
            "cycles_due",
            f"Review cycles due within {CYCLE_DUE_WITHIN_DAYS} days",
            [
                AttentionItem(
                    text=f"{s.task_force.name}: {s.cycle.title}",
                    url=_url(s),
                    detail=(
                        f"was due {_day(s.cycle.due_on)}"
                        if s.late
                        else f"due {_day(s.cycle.due_on)}, in "
                        + _days((s.cycle.due_on - today).days)
                    )
                    + f"; {s.get_state_display().lower()}",
                    flag="Late" if s.late else "",
                )
                for s in due
            ],
            more_url=more_url,
        ),
    ]


def manager_groups(today: datetime.date) -> list[AttentionGroup]:
    """Submissions waiting for a decision, the longest waiting first, with
    how many days each has waited (since its latest version was submitted)."""
    latest = (
        Snapshot.objects.filter(submission=OuterRef("pk"))
        .order_by("-number")
        .values("changed_at")[:1]
    )
    submissions = list(
        waiting_for_decision()
        .annotate(submitted_at=Subquery(latest))
        .select_related("cycle", "task_force")
        .order_by("submitted_at", "pk")[: ATTENTION_LIMIT + 1]
    )
    items = []
    for s in submissions:
        waited = (today - timezone.localdate(s.submitted_at)).days if s.submitted_at else 0
        items.append(
            AttentionItem(
                text=f"{s.task_force.name}: {s.cycle.title}",
                url=_url(s),
                detail=f"waiting {_days(waited)}" if waited else "submitted today",
            )
        )
    return [
        group(
            "decisions",
            "Submissions waiting for your decision",
            items,
            more_url=reverse("assessments:cycles"),
        )
    ]
