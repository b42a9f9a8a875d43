"""The team's answers to core's questions (core/hooks.py) and its
reminder: imported by AssessmentsConfig.ready()."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from assessments.core import hooks
from assessments.core.reminders import CoordinatorMap, Item, Kind, collector, fan_out
from assessments.team.models import Invitation


@hooks.open_invitations.provide
def _open_invitations():
    # Accounts made by inviting, not yet signed in. An existing account's
    # open invitation (waiting for its yes or no) does not stop what it
    # already gets.
    return Invitation.objects.giving_access()


@collector(Kind.INVITATION_PENDING)
def invitation_items(today: datetime.date, coordinators: CoordinatorMap) -> list[Item]:
    rows = (
        Invitation.objects.open()
        .filter(role=Invitation.Role.COORDINATOR, task_forces__isnull=False)
        .values(
            "pk",
            "email",
            "user_id",
            "sent_at",
            "expires_at",
            "task_forces__id",
            "task_forces__name",
        )
    )
    year, week, _ = today.isocalendar()
    path = reverse("assessments:invitations")
    items = []
    for row in rows:
        expired = timezone.localdate(row["expires_at"]) < today
        for item in fan_out(
            coordinators,
            row["task_forces__id"],
            kind=Kind.INVITATION_PENDING,
            key=f"invitation_pending:{row['pk']}:{year}-W{week:02d}",
            task_force_name=row["task_forces__name"],
            name=row["email"],
            date=timezone.localdate(row["sent_at"]),
            occasion="expired" if expired else "pending",
            path=path,
        ):
            if item.recipient_id != row["user_id"]:
                items.append(item)
    return items
