"""Which task force a partner link's token opens: the one database read of a
partner page view, whose page is otherwise served from the cache.

It is one SQL statement on the unique token hash, with revocation, expiry
and the last visit decided in it, prepared on PostgreSQL
(taskforce_site/prepared.py). Built and compiled by the ORM, and planned on
every view, the same read took three times as long.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import connections
from django.utils import timezone

from assessments.models import PartnerLink, TaskForce, hash_token
from taskforce_site import prepared


@dataclass(frozen=True)
class PartnerAccess:
    """What a usable partner link opens."""

    link_id: int
    task_force_id: int
    task_force_slug: str
    # Keys the cached partner page (assessments/page_cache.py).
    revision: int
    # Viewed less than PartnerLink.VISIT_GAP ago: this view is not a new visit.
    visited_recently: bool


def find(token: str, *, using: str = "default") -> PartnerAccess | None:
    """What the token from a URL opens, or None if no usable link has it."""
    now = timezone.now()
    ops = connections[using].ops
    params = [
        ops.adapt_datetimefield_value(now - PartnerLink.VISIT_GAP),
        hash_token(token),
        ops.adapt_datefield_value(timezone.localdate(now)),
    ]
    row = prepared.fetch_one(_sql(), params, using=using)
    if row is None:
        return None
    link_id, task_force_id, slug, revision, visited_recently = row
    return PartnerAccess(link_id, task_force_id, slug, revision, bool(visited_recently))


@functools.cache
def _sql() -> str:
    # Table names from the models; every value is a parameter.
    link, task_force = PartnerLink._meta.db_table, TaskForce._meta.db_table
    return (
        "SELECT l.id, t.id, t.slug, t.revision, "  # noqa: S608
        "(l.last_used_at IS NOT NULL AND l.last_used_at > %s) "
        f"FROM {link} l JOIN {task_force} t ON t.id = l.task_force_id "
        "WHERE l.token_hash = %s AND l.revoked_at IS NULL "
        "AND (l.expires_on IS NULL OR l.expires_on >= %s)"
    )
