"""Caching the parts of pages that are costly to build and read far more
often than they change (the partner page, above all).

Keys carry the task force's `revision`, which is read from the database on
every request anyway and goes up in the same transaction as every change that
a page shows: status changes and confirmations (services), saving the task
force (TaskForce.save; the admin saves it with its counties in one
transaction), renaming a county and editing the guidance text (signals).
Code that changes a task force's counties outside the admin saves the task
force too. So a change is visible at once on every app server.

An entry never changes once written (a change makes a new key), so each
process keeps its own in memory: the "pages" cache in settings, never the
shared one, because a network hop per read would cost more than it saves.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import caches
from django.db.models import Count, F, Max, Sum

from assessments.models import TaskForce

T = TypeVar("T", str, bytes)

TIMEOUT = 60 * 60  # an hour: stale entries simply stop being asked for


def _cache():
    return caches["pages"]


def bump(task_force_ids) -> None:
    TaskForce.objects.filter(pk__in=task_force_ids).update(revision=F("revision") + 1)


def bump_all() -> None:
    TaskForce.objects.update(revision=F("revision") + 1)


def cached_fragment(
    name: str, task_force_id: int, revision: int, today: datetime.date, build: Callable[[], T]
) -> T:
    """A page part about one task force, at one of its revisions, on one day
    (text, or the encoded bytes of a whole page)."""
    # The date is part of the key: overdue flags, review-due and the trend's
    # current month change at midnight without any edit.
    key = f"page:{name}:{task_force_id}:{revision}:{today.isoformat()}"
    html = _cache().get(key)
    if html is None:
        html = build()
        _cache().set(key, html, TIMEOUT)
    return html


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


def cached_value(key: str, build: Callable[[], object]):
    value = _cache().get(key)
    if value is None:
        value = build()
        _cache().set(key, value, TIMEOUT)
    return value


def cached_cards(
    name: str, task_forces: list[TaskForce], build: Callable[[list[TaskForce]], dict[int, str]]
) -> list[str]:
    """One cached fragment per task force, fetched in a single cache call;
    `build` renders the missing ones (and may query for them in bulk)."""
    keys = {tf.pk: f"page:{name}:{tf.pk}:{tf.revision}" for tf in task_forces}
    found = _cache().get_many(keys.values())
    missing = [tf for tf in task_forces if keys[tf.pk] not in found]
    if missing:
        built = build(missing)
        _cache().set_many({keys[pk]: html for pk, html in built.items()}, TIMEOUT)
        found.update({keys[pk]: html for pk, html in built.items()})
    return [found[keys[tf.pk]] for tf in task_forces]
