"""Writing many rows from plain tuples, on PostgreSQL and SQLite alike: one
UPDATE ... FROM (VALUES ...) for rows that each get their own values, and
one INSERT for new rows. Django's bulk_update writes a CASE per row and
field, minutes of Python for a whole country's statuses, and bulk_create
needs a model instance per row; these take tuples, and the values are
prepared per column, not per field of each instance."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """Set `fields` of each row: `rows` are (pk, value of each field) tuples,
    the values as the model holds them (dates, datetimes, ids for foreign
    keys: pass "confirmed_by_id", not "confirmed_by")."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor not in ("postgresql", "sqlite"):  # pragma: no cover
        raise NotImplementedError(f"update_rows on {connection.vendor}")
    quote = connection.ops.quote_name
    opts = model._meta
    columns = [opts.get_field(name) for name in fields]
    # A VALUES list's columns are column1, column2, ... on both databases.
    # PostgreSQL guesses their types from the values (all NULL: text), so
    # each is cast to its column's type; SQLite's CAST would turn a date
    # into a number, and it needs none.
    sets = ", ".join(
        f"{quote(field.column)} = "
        + (
            f"CAST(v.column{i} AS {field.db_type(connection)})"
            if connection.vendor == "postgresql"
            else f"v.column{i}"
        )
        for i, field in enumerate(columns, start=2)
    )
    table, pk = quote(opts.db_table), quote(opts.pk.column)
    placeholder = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    # SQLite takes 999 parameters a statement (PostgreSQL: no limit here).
    per_statement = max(1, connection.ops.bulk_batch_size([pk, *fields], rows))
    prepare = _preparers([opts.pk, *columns], connection)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            params = _params(batch, prepare)
            # Names from the model's meta, quoted; every value a parameter.
            values = ", ".join([placeholder] * len(batch))
            sql = f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v WHERE {table}.{pk} = v.column1"  # noqa: E501, S608
            cursor.execute(sql, params)


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert `rows`, tuples of the values of `fields` (ids for foreign keys,
    as in update_rows); the model's save() and signals are not run."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    opts = model._meta
    columns = [opts.get_field(name) for name in fields]
    names = ", ".join(quote(field.column) for field in columns)
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = max(1, connection.ops.bulk_batch_size(list(fields), rows))
    prepare = _preparers(columns, connection)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            # Names from the model's meta, quoted; every value a parameter.
            values = ", ".join([placeholder] * len(batch))
            sql = f"INSERT INTO {quote(opts.db_table)} ({names}) VALUES {values}"  # noqa: S608
            cursor.execute(sql, _params(batch, prepare))


def _preparers(columns: list[models.Field], connection) -> list:
    """Per column, how a value goes to the database: JSON, and on SQLite
    dates and datetimes (text in UTC), through their field; text, numbers,
    ids and (PostgreSQL's driver adapts them) dates as they are."""
    prepared = (
        models.JSONField
        if connection.vendor == "postgresql"
        else models.DateField | models.JSONField
    )
    return [
        (lambda value, f=field: f.get_db_prep_save(value, connection))
        if isinstance(field, prepared)
        else None
        for field in columns
    ]


def _params(rows: Sequence[tuple], prepare: list) -> list:
    params = []
    for row in rows:
        for value, prep in zip(row, prepare, strict=True):
            params.append(prep(value) if prep is not None and value is not None else value)
    return params
