"""Writes to the activity log. Every add, edit and removal goes through here
(the log's pages, the import, the demo data), so validation, the history
record and the task force's revision bump happen the same way."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments.activity.models import (
    ActivityChange,
    ActivityCount,
    ActivityEntry,
    ActivityKind,
    Measure,
)
from assessments.common.stale import StaleSaveError
from assessments.core import page_cache
from assessments.core.models import Sector, TaskForce
from stages.models import Milestone

# measure -> {sector: count}; a missing sector or measure is 0.
Counts = Mapping[str, Mapping[Sector, int]]

FUTURE_DATE_MESSAGE = "Log what has happened: enter today or an earlier day."
NEGATIVE_COUNT_MESSAGE = "Counts are whole numbers, 0 or more."
GONE_MESSAGE = "This entry is no longer in the activity log."


def _clean_counts(counts: Counts) -> dict[str, dict[Sector, int]]:
    """The counts above zero, checked: known measures, whole numbers >= 0."""
    cleaned: dict[str, dict[Sector, int]] = {}
    for measure, by_sector in counts.items():
        if measure not in Measure.values:
            raise ValidationError({"counts": [f"Unknown measure: {measure}."]})
        for sector, value in by_sector.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError({"counts": [NEGATIVE_COUNT_MESSAGE]})
            if value:
                cleaned.setdefault(measure, {})[sector] = value
    return cleaned


def _validate(entry: ActivityEntry, *, today: datetime.date) -> None:
    errors: dict[str, list[str]] = {}
    if entry.date is not None and entry.date > today:
        errors.setdefault("date", []).append(FUTURE_DATE_MESSAGE)
    try:
        entry.full_clean(exclude=["task_force", "version", "updated_by", "milestones"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def history_counts(counts: Mapping[str, Mapping[Sector, int]]) -> dict[str, dict[str, int]]:
    """Counts as the history keeps them: sectors by slug, zeros left out."""
    return {
        measure: {sector.slug: n for sector, n in sorted(by_sector.items(), key=_sector_order)}
        for measure, by_sector in sorted(counts.items())
        if any(by_sector.values())
    }


def _sector_order(item: tuple[Sector, int]) -> tuple[int, str]:
    return (item[0].order, item[0].name)


def _tracked(
    entry: ActivityEntry, milestones: Iterable[Milestone], counts: Counts
) -> dict[str, object]:
    return {
        "date": entry.date.isoformat() if entry.date else None,
        "kind": entry.kind,
        "title": entry.title,
        "milestones": sorted(m.slug for m in milestones),
        "counts": history_counts(counts),
    }


def entry_counts(entry: ActivityEntry) -> dict[str, dict[Sector, int]]:
    """An entry's stored counts, measure -> {sector: count} (one query)."""
    counts: dict[str, dict[Sector, int]] = {}
    for row in ActivityCount.objects.filter(entry=entry).select_related("sector"):
        counts.setdefault(row.measure, {})[row.sector] = row.count
    return counts


def _write_counts(entry: ActivityEntry, counts: dict[str, dict[Sector, int]]) -> None:
    ActivityCount.objects.filter(entry=entry).delete()
    ActivityCount.objects.bulk_create(
        ActivityCount(entry=entry, measure=measure, sector=sector, count=n)
        for measure, by_sector in counts.items()
        for sector, n in by_sector.items()
    )


def _history(
    entry: ActivityEntry,
    *,
    action: str,
    changes: dict,
    user: AbstractBaseUser | None,
    now: datetime.datetime,
    source: str,
) -> None:
    ActivityChange(
        task_force_id=entry.task_force_id,
        entry_pk=entry.pk,
        entry_title=entry.title,
        action=action,
        changes=changes,
        changed_by=user,
        changed_by_name=user.get_username() if user is not None else "",
        changed_at=now,
        source=source,
    ).save(force_insert=True)


def activity_entry_create(
    *,
    task_force: TaskForce,
    date: datetime.date,
    kind: str,
    title: str,
    milestones: Iterable[Milestone] = (),
    counts: Counts | None = None,
    user: AbstractBaseUser | None,
    source: str = ActivityChange.Source.FORM,
    at: datetime.datetime | None = None,
) -> ActivityEntry:
    """Add an entry to `task_force`'s activity log, with its counts and its
    history record. Raises ValidationError (by field), saving nothing, for a
    missing title, an unknown kind, a future date or a negative count."""
    now = at or timezone.now()
    entry = ActivityEntry(
        task_force=task_force,
        date=date,
        kind=kind,
        title=(title or "").strip(),
        version=1,
        created_at=now,
        updated_at=now,
        updated_by=user,
    )
    _validate(entry, today=timezone.localdate(now))
    cleaned = _clean_counts(counts or {})
    milestones = list(milestones)
    with transaction.atomic():
        page_cache.bump([task_force.pk])  # the task force's row first: lock order
        entry.save(force_insert=True)
        entry.milestones.set(milestones)
        _write_counts(entry, cleaned)
        new = _tracked(entry, milestones, cleaned)
        _history(
            entry,
            action=ActivityChange.Action.CREATED,
            changes={field: [None, value] for field, value in new.items() if value},
            user=user,
            now=now,
            source=source,
        )
    return entry


def activity_entry_update(
    *,
    entry: ActivityEntry,
    date: datetime.date,
    kind: str,
    title: str,
    milestones: Iterable[Milestone],
    counts: Counts,
    user: AbstractBaseUser | None,
    expected_version: int | None,
    source: str = ActivityChange.Source.FORM,
    at: datetime.datetime | None = None,
) -> ActivityEntry:
    """Set every field and count of `entry` (as the form has them all).
    Refuses with StaleSaveError when the entry moved on from
    `expected_version` (None skips the check), with ValidationError for
    invalid values; either way nothing is saved. A save that changes nothing
    records nothing."""
    now = at or timezone.now()
    cleaned = _clean_counts(counts)
    milestones = list(milestones)
    with transaction.atomic():
        # Lock order, as for the register: the task force's row first, so
        # the version read next cannot move before this transaction ends.
        page_cache.bump([entry.task_force_id])
        current = _current(entry, expected_version)
        old = _tracked(current, current.milestones.all(), entry_counts(current))
        current.date, current.kind, current.title = date, kind, (title or "").strip()
        _validate(current, today=timezone.localdate(now))
        new = _tracked(current, milestones, cleaned)
        changes = {field: [old[field], new[field]] for field in new if old[field] != new[field]}
        if not changes:
            transaction.set_rollback(True)  # not even the revision moves
            return current
        updated = ActivityEntry.objects.filter(pk=current.pk, version=current.version).update(
            date=current.date,
            kind=current.kind,
            title=current.title,
            updated_by=user,
            updated_at=now,
            version=F("version") + 1,
        )
        if updated != 1:
            raise StaleSaveError(ActivityEntry.objects.get(pk=current.pk))
        current.version += 1
        current.updated_by, current.updated_at = user, now
        if "milestones" in changes:
            current.milestones.set(milestones)
        if "counts" in changes:
            _write_counts(current, cleaned)
        _history(
            current,
            action=ActivityChange.Action.UPDATED,
            changes=changes,
            user=user,
            now=now,
            source=source,
        )
    return current


def activity_entry_remove(
    *,
    entry: ActivityEntry,
    user: AbstractBaseUser | None,
    expected_version: int | None,
    source: str = ActivityChange.Source.FORM,
    at: datetime.datetime | None = None,
) -> None:
    """Remove `entry` and its counts. Its history stays, and the removal's
    record keeps what the entry held. Refuses with StaleSaveError when the
    entry moved on from `expected_version`."""
    now = at or timezone.now()
    with transaction.atomic():
        page_cache.bump([entry.task_force_id])
        current = _current(entry, expected_version)
        old = _tracked(current, current.milestones.all(), entry_counts(current))
        _history(
            current,
            action=ActivityChange.Action.REMOVED,
            changes={field: [value, None] for field, value in old.items() if value},
            user=user,
            now=now,
            source=source,
        )
        current.delete()


def _current(entry: ActivityEntry, expected_version: int | None) -> ActivityEntry:
    current = (
        ActivityEntry.objects.select_related("updated_by", "task_force").filter(pk=entry.pk).first()
    )
    if current is None:
        raise ValidationError(GONE_MESSAGE)
    if expected_version is not None and current.version != expected_version:
        raise StaleSaveError(current)
    return current


def kind_label(value: str) -> str:
    return ActivityKind(value).label if value in ActivityKind.values else value
