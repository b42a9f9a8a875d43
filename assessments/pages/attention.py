""" "Needs your attention" on the dashboard, and the counts beside *Review
cycles* and *Help requests* in the menu: what waits for the signed-in
person, put together from each feature's selectors (the pieces and their
rules: assessments/core/attention.py).

A coordinator: returned submissions, review cycles due soon, unread replies
to help requests, milestones due for review, MOUs expiring. The state
program (program managers and staff): submissions waiting for a decision,
help requests nobody has taken or that wait on them, task forces with no
coordinator. Someone who is both gets both.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from assessments.core import attention
from assessments.core.models import TaskForce
from assessments.cycles import selectors as cycles
from assessments.help import selectors as help_requests
from assessments.register import selectors as register
from assessments.roles import is_signed_in_and_active, is_state_program


def needs_attention(
    user, *, coordinates: bool, today: datetime.date | None = None
) -> list[attention.AttentionGroup]:
    """Every group for `user`, empty ones included (the page shows the
    non-empty ones): one query per group, whatever their sizes.
    `coordinates`: whether they coordinate a task force (MenuCounts says)."""
    if not is_signed_in_and_active(user):
        return []
    today = today or timezone.localdate()
    groups: list[attention.AttentionGroup] = []
    if is_state_program(user):
        groups += cycles.manager_groups(today)
        groups += help_requests.manager_groups(user)
        groups.append(attention.without_coordinator_group(can_invite=user.is_staff))
    if coordinates:
        groups += cycles.coordinator_groups(user, today)
        groups += help_requests.coordinator_groups(user)
        groups.append(attention.review_due_group(user, today))
        groups.append(register.mous_expiring_group(user, today))
    return groups


@dataclass(frozen=True)
class MenuCounts:
    cycles: int = 0
    help: int = 0
    # A coordinator's help requests are per task force: with one, the menu
    # links to its list; with several, to the dashboard's list of what waits.
    coordinated: int = 0
    help_slug: str = ""


def _count(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of `queryset` as a subquery, to read several counts in one query."""
    counted = (
        queryset.order_by()
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted), 0)


def menu_counts(user, today: datetime.date | None = None) -> MenuCounts:
    """The same definitions as needs_attention, counted, in one query."""
    if not is_signed_in_and_active(user):
        return MenuCounts()
    today = today or timezone.localdate()
    cycle_sets = [cycles.waiting_on_coordinator(user, today)]
    help_sets = [help_requests.unread_replies_for(user)]
    if is_state_program(user):
        cycle_sets.append(cycles.waiting_for_decision())
        help_sets.append(help_requests.waiting_on_state_program(user))
    own = TaskForce.objects.filter(coordinators=user)
    counts = {
        **{f"cycles_{i}": _count(qs) for i, qs in enumerate(cycle_sets)},
        **{f"help_{i}": _count(qs) for i, qs in enumerate(help_sets)},
        "coordinated": _count(own),
        "help_slug": Subquery(own.order_by("name", "pk").values("slug")[:1]),
    }
    row = get_user_model().objects.filter(pk=user.pk).annotate(**counts).values(*counts).first()
    if row is None:
        return MenuCounts()
    return MenuCounts(
        cycles=sum(row[f"cycles_{i}"] for i in range(len(cycle_sets))),
        help=sum(row[f"help_{i}"] for i in range(len(help_sets))),
        coordinated=row["coordinated"],
        help_slug=row["help_slug"] or "",
    )


def menu(request) -> dict:
    """Context processor: `menu_counts`, read only when a page's menu shows
    it (signed-in pages), so anonymous and partner pages make no query."""
    return {"menu_counts": SimpleLazyObject(lambda: menu_counts(request.user))}
