"""Which task force a partner link's token opens: the one database read of a
partner page view, whose page is otherwise served from the cache.

It is one plain SQL statement on the unique token hash, with revocation,
expiry and the last visit decided in it. Built and compiled by the ORM, the
same read took three times as long. On PostgreSQL it is also a prepared
statement, planned once per connection: planning it took as much time as a
whole trivial request (see README, Performance). Set
DJANGO_DB_PREPARED_STATEMENTS=0 behind a pooler that cannot keep them, such as
PgBouncer in transaction mode.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.utils import timezone

from assessments.models import PartnerLink, TaskForce, hash_token

STATEMENT = "partner_access"

# The driver connections that hold the prepared statement. Weak, so a closed
# connection drops out, and the next one prepares it again.
_prepared_on: weakref.WeakSet = weakref.WeakSet()


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
    connection = connections[using]
    ops = connection.ops
    params = [
        ops.adapt_datetimefield_value(now - PartnerLink.VISIT_GAP),
        hash_token(token),
        ops.adapt_datefield_value(timezone.localdate(now)),
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and settings.DB_PREPARED_STATEMENTS:
            if connection.connection not in _prepared_on:
                cursor.execute(f"PREPARE {STATEMENT} AS {_numbered(_sql())}")
                _prepared_on.add(connection.connection)
            cursor.execute(f"EXECUTE {STATEMENT} (%s, %s, %s)", params)
        else:
            cursor.execute(_sql(), params)
        row = cursor.fetchone()
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


def _numbered(sql: str) -> str:
    """%s placeholders as PREPARE's $1, $2, ..."""
    parts = sql.split("%s")
    return "".join(part + (f"${i}" if i < len(parts) else "") for i, part in enumerate(parts, 1))
