"""Caching the parts of pages that are costly to build and read far more
often than they change (the partner page, above all).

Keys carry the task force's `revision`, which is read from the database on
every request anyway and goes up in the same transaction as every change that
a page shows: status changes (services), edits to the task force, its areas,
and the guidance text (signals). So a change is visible at once on every app
server, with a per-process cache as well as with a shared one (Redis).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.cache import cache
from django.db.models import F

from assessments.models import TaskForce

TIMEOUT = 60 * 60  # an hour: stale entries simply stop being asked for


def bump(task_force_ids) -> None:
    TaskForce.objects.filter(pk__in=task_force_ids).update(revision=F("revision") + 1)


def bump_all() -> None:
    TaskForce.objects.update(revision=F("revision") + 1)


def cached_fragment(
    name: str, task_force: TaskForce, today: datetime.date, build: Callable[[], str]
) -> str:
    # The date is part of the key: overdue flags, review-due and the trend's
    # current month change at midnight without any edit.
    key = f"page:{name}:{task_force.pk}:{task_force.revision}:{today.isoformat()}"
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, TIMEOUT)
    return html
