"""Django's ModelBackend, reading the logged-in user with a prepared
statement on PostgreSQL.

Every logged-in request reads its user; see taskforce_site/prepared.py for
why this read is not left to the ORM. Logging in, passwords and permissions
are Django's own, and so is the rule that an inactive user is not let in.
"""

from __future__ import annotations

import functools

from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ValidationError

from taskforce_site import prepared


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        using = user_model.objects.db
        if not prepared.available(using):
            return super().get_user(user_id)
        try:
            # The session may hold the id as text (django-two-factor-auth's
            # sign-in does). The ORM turns an id beyond the column's range
            # into "no such user"; a prepared statement would fail instead.
            user_id = user_model._meta.pk.to_python(user_id)
            user_model._meta.pk.run_validators(user_id)
        except ValidationError:
            return None
        row = prepared.fetch_one(_user_sql(), [user_id], using=using)
        if row is None:
            return None
        user = user_model.from_db(using, _user_fields(), row)
        return user if self.user_can_authenticate(user) else None


@functools.cache
def _user_fields() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


@functools.cache
def _user_sql() -> str:
    meta = get_user_model()._meta
    columns = ", ".join(field.column for field in meta.concrete_fields)
    return f"SELECT {columns} FROM {meta.db_table} WHERE {meta.pk.column} = %s"  # noqa: S608
