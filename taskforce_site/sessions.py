"""Django's database sessions, read with a prepared statement on PostgreSQL.

Every logged-in request reads its session; see taskforce_site/prepared.py
for why this read is not left to the ORM. Writes, expiry and everything
else are Django's own (django.contrib.sessions.backends.db).
"""

from __future__ import annotations

import functools

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from taskforce_site import prepared


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if not prepared.available(self.model.objects.db):
            return super()._get_session_from_db()
        row = prepared.fetch_one(
            _session_sql(), [self.session_key, timezone.now()], using=self.model.objects.db
        )
        if row is None:
            # As Django does for an unknown or expired key: a new session.
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])


@functools.cache
def _session_sql() -> str:
    meta = Session._meta
    key, data, expires = (
        meta.get_field(name).column for name in ("session_key", "session_data", "expire_date")
    )
    return f"SELECT {data} FROM {meta.db_table} WHERE {key} = %s AND {expires} > %s"  # noqa: S608
