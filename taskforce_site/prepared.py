"""Reads on every request, as PostgreSQL prepared statements.

A few reads run on nearly every request: the session, the logged-in user,
a partner link, the dashboard's list of task forces. Through the ORM each
cost more in building and compiling the query than in running it, and
PostgreSQL planned each one again every time. Here the SQL is fixed (or the
ORM's own, compiled), and on PostgreSQL it is prepared once per connection
and then only executed. DJANGO_DB_PREPARED_STATEMENTS=0 turns this off
behind a pooler that cannot keep prepared statements (such as PgBouncer in
transaction mode); the SQL then runs as it is, or callers use the ORM.
"""

from __future__ import annotations

import hashlib
import weakref

from django.conf import settings
from django.db import connections

# For each statement, the driver connections that hold it. Weak, so a closed
# connection drops out and the next one prepares the statement again.
_prepared_on: dict[str, weakref.WeakSet] = {}


def available(using: str = "default") -> bool:
    return connections[using].vendor == "postgresql" and settings.DB_PREPARED_STATEMENTS


def fetch_one(sql: str, params: list, *, using: str = "default") -> tuple | None:
    """The first row of `sql` (with %s placeholders) or None: prepared on
    PostgreSQL when available(), run as it is otherwise."""
    with connections[using].cursor() as cursor:
        _execute(cursor, sql, params, using)
        return cursor.fetchone()


def fetch_all(sql: str, params: list, *, using: str = "default") -> list[tuple]:
    """Every row of `sql`, as fetch_one() runs it."""
    with connections[using].cursor() as cursor:
        _execute(cursor, sql, params, using)
        return cursor.fetchall()


def _execute(cursor, sql: str, params: list, using: str) -> None:
    if not available(using):
        cursor.execute(sql, params)
        return
    if "%%" in sql:
        # PREPARE's text is sent as it is, so an escaped % would stay doubled.
        raise ValueError("A prepared statement cannot contain a literal %.")
    connection = connections[using]
    name = statement_name(sql)
    holders = _prepared_on.setdefault(name, weakref.WeakSet())
    if connection.connection not in holders:
        cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")
        holders.add(connection.connection)
    if params:
        cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
    else:
        cursor.execute(f"EXECUTE {name}")


def statement_name(sql: str) -> str:
    # Named after the SQL itself, so two statements can never share a name.
    return "tf_" + hashlib.blake2b(sql.encode(), digest_size=8).hexdigest()


def _numbered(sql: str) -> str:
    """%s placeholders as PREPARE's $1, $2, ..."""
    parts = sql.split("%s")
    return "".join(part + (f"${i}" if i < len(parts) else "") for i, part in enumerate(parts, 1))
