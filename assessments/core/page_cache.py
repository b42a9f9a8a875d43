"""Caching the parts of pages that are costly to build and read far more
often than they change (the partner page, above all), through Django's cache.

Keys carry the task force's `revision`, which goes up in the same transaction
as every change that a page shows: status changes and confirmations
(services), saving the task force (TaskForce.save), its counties (m2m
signals), renaming or deleting a county and editing the guidance text
(signals, loaddata included). A change therefore makes a new key, visible at
once on every app server; an entry is never updated in place, and old ones
simply stop being asked for.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from assessments.core.models import TaskForce

T = TypeVar("T")

logger = logging.getLogger(__name__)

TIMEOUT = 60 * 60  # an hour: unused entries leave the cache on their own


def bump(task_force_ids) -> None:
    TaskForce.objects.filter(pk__in=task_force_ids).update(revision=F("revision") + 1)


def bump_all() -> None:
    TaskForce.objects.update(revision=F("revision") + 1)


def fragment_key(name: str, task_force_id: int, revision: int, today: datetime.date) -> str:
    # The date is part of the key: overdue flags, review-due and the trend's
    # current month change at midnight without any edit.
    return f"page:{name}:{task_force_id}:{revision}:{today.isoformat()}"


def all_task_forces_state() -> str:
    """A fingerprint of every task force's revision, for what summarises
    them all (the gaps): any change anywhere gives a new one. One cheap
    aggregate over the task force table."""
    state = TaskForce.objects.aggregate(total=Sum("revision"), count=Count("pk"), top=Max("pk"))
    return f"{state['total'] or 0}.{state['count']}.{state['top'] or 0}"


def revisions_key(name: str, rows: Iterable[tuple[int, int]], *extra: object) -> str:
    """A key for something built from several task forces: `rows` are their
    (pk, revision) pairs in order, so any change to any of them, or to which
    ones there are, gives a new key."""
    digest = hashlib.blake2b(repr((list(rows), extra)).encode(), digest_size=16).hexdigest()
    return f"page:{name}:{digest}"


def cached_statewide(name: str, build: Callable[[], T], *extra: object) -> T:
    """Something built from every task force, the same for everyone who sees
    them all (the gaps, the statewide trend and report summary): kept until
    any task force or the guidance changes (each moves a revision), a task
    force comes or goes, or the day changes. `extra` is hashed into the key,
    so it may hold anything (a region name with spaces)."""
    key = revisions_key(name, (), timezone.localdate(), all_task_forces_state(), *extra)
    return cached(key, build)


def cached(key: str, build: Callable[[], T]) -> T:
    try:
        return cache.get_or_set(key, build, TIMEOUT)
    except Exception:  # redis-py's errors: a shared cache that is down
        # The cache only saves work: pages are still built without it (and
        # /healthz reports the outage so a load balancer can act on it).
        logger.warning("Cache unavailable; building %s without it.", key.split(":")[1])
        return build()
