"""Importing the activity log from a spreadsheet: check every row, plan the
changes, then apply them all or none, as the other imports do
(common/importing.py: the same limits, header check and refusal).

A row is one entry of one task force. With its `entry` number (from an
export) it changes that entry; with none, it adds one. Entries are never
removed by an import. The file has the export's layout (exports.py); the
count columns (`agencies:law-enforcement`, ...) and `milestones` may be left
out: a count column the file lacks keeps the entry's count (0 for a new one).

The writes follow the activity services' rules and history format: the
task forces' revision first (the lock order of every write), versions up by
one, an ActivityChange per entry added or changed, source "import".
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import OperationalError, transaction
from django.utils import timezone

from assessments.activity.exports import BASE_COLUMNS, count_column
from assessments.activity.forms import MAX_COUNT
from assessments.activity.models import (
    ActivityChange,
    ActivityCount,
    ActivityEntry,
    ActivityKind,
    Measure,
)
from assessments.common import importing
from assessments.common.importing import ImportCheck, ImportConflict
from assessments.core import import_models, page_cache, services
from assessments.core.importing import ImportTaskForces
from assessments.core.models import ImportBatch, ImportChange, Sector, TaskForce
from stages.models import Milestone

__all__ = ["ImportConflict", "apply_plan", "check_file", "save_plan"]

REQUIRED_COLUMNS = [column for column in BASE_COLUMNS if column != "milestones"]
TITLE_MAX_LENGTH = ActivityEntry._meta.get_field("title").max_length
KIND_BY_TEXT = {
    **{choice.value: choice.value for choice in ActivityKind},
    **{choice.label.lower(): choice.value for choice in ActivityKind},
}
SEPARATORS = re.compile(r"[;,]")
CONFLICT = "Someone changed the activity log while the import was being applied."


@dataclass
class PlannedEntry:
    task_force: TaskForce
    entry: ActivityEntry | None  # None: the import adds it
    # As the history keeps them (ActivityChange.TRACKED_FIELDS).
    values: dict
    differences: dict = field(default_factory=dict)


def check_file(
    *,
    content: bytes,
    user: AbstractBaseUser,
    today: datetime.date | None = None,
    progress: importing.Progress | None = None,
) -> ImportCheck:
    """Every problem in the file, or the changes it makes (common/importing.py)."""
    today = today or timezone.localdate()
    return importing.check_file(
        content=content,
        columns=REQUIRED_COLUMNS,
        layout="an export of the activity log",
        check_rows=lambda check, rows, header: _check_rows(check, rows, header, user, today),
        plan=_plan,
        progress=progress,
    )


def _count_columns(header: list[str]) -> dict[str, tuple[str, str]]:
    """The file's count columns: column -> (measure, sector slug)."""
    slugs = set(Sector.objects.values_list("slug", flat=True))
    return {
        count_column(measure, slug): (measure, slug)
        for measure in Measure.values
        for slug in slugs
        if count_column(measure, slug) in header
    }


def _check_rows(
    check: ImportCheck,
    rows: Iterator[tuple[int, list[str]]],
    header: list[str],
    user: AbstractBaseUser,
    today: datetime.date,
) -> list[tuple[int, TaskForce, int | None, dict]]:
    task_forces = ImportTaskForces(user)
    milestones = set(Milestone.objects.values_list("slug", flat=True))
    count_columns = _count_columns(header)
    columns = [*REQUIRED_COLUMNS, *(["milestones"] if "milestones" in header else [])]
    seen: dict[str, int] = {}
    planned = []
    for number, cells in importing.rows_to_check(check, rows, header, [*columns, *count_columns]):
        problems: list[str] = []
        task_force = task_forces.named(cells["task_force"], problems)
        entry_id = None
        if cells["entry"]:
            if not cells["entry"].isdigit():
                problems.append(f"entry '{cells['entry']}' is not an entry number")
            else:
                entry_id = int(cells["entry"])
                if cells["entry"] in seen:
                    problems.append(f"the same entry as row {seen[cells['entry']]}")
                seen.setdefault(cells["entry"], number)
        values: dict = {"date": None}
        try:
            day = datetime.date.fromisoformat(cells["date"])
        except ValueError:
            problems.append(f"date '{cells['date']}' is not a date (YYYY-MM-DD)")
        else:
            values["date"] = day.isoformat()
            if day > today:
                problems.append("date is after today: log what has happened")
        values["kind"] = KIND_BY_TEXT.get(cells["kind"].lower())
        if values["kind"] is None:
            problems.append(
                f"kind '{cells['kind']}' is not one of {', '.join(ActivityKind.values)}"
            )
        values["title"] = cells["title"]
        if not cells["title"]:
            problems.append("the title is empty")
        elif len(cells["title"]) > TITLE_MAX_LENGTH:
            problems.append(f"title is longer than {TITLE_MAX_LENGTH} characters")
        if "milestones" in cells:
            slugs = sorted({s.strip() for s in SEPARATORS.split(cells["milestones"]) if s.strip()})
            unknown = [slug for slug in slugs if slug not in milestones]
            if unknown:
                problems.append(f"unknown milestone(s) {', '.join(unknown)}")
            values["milestones"] = slugs
        counts: dict[str, dict[str, int]] = {}
        for column, (measure, slug) in count_columns.items():
            text = cells[column] or "0"
            if not text.isdigit() or int(text) > MAX_COUNT:
                problems.append(f"{column} '{cells[column]}' is not a whole number from 0")
                continue
            counts.setdefault(measure, {})[slug] = int(text)
        values["counts"] = counts
        if any("\x00" in value for value in cells.values()):
            problems.append("contains a NUL character")
        if problems:
            check.errors.append(f"Row {number}: " + "; ".join(problems) + ".")
            continue
        planned.append((number, task_force, entry_id, values))
    return planned


def _merged_counts(current: dict, given: dict) -> dict:
    """The entry's counts with the file's columns over them, zeros left out,
    sectors in a stable order (as the history keeps them)."""
    merged = {measure: dict(by_sector) for measure, by_sector in current.items()}
    for measure, by_sector in given.items():
        merged.setdefault(measure, {}).update(by_sector)
    return {
        measure: {slug: n for slug, n in sorted(by_sector.items()) if n}
        for measure, by_sector in sorted(merged.items())
        if any(by_sector.values())
    }


def _stored(entry: ActivityEntry) -> dict:
    """What a saved entry holds, as the history keeps it (prefetched)."""
    counts: dict[str, dict[str, int]] = {}
    for count in entry.counts.all():
        counts.setdefault(count.measure, {})[count.sector.slug] = count.count
    return {
        "date": entry.date.isoformat(),
        "kind": entry.kind,
        "title": entry.title,
        "milestones": sorted(m.slug for m in entry.milestones.all()),
        "counts": _merged_counts(counts, {}),
    }


def _plan(check: ImportCheck, planned: list) -> None:
    ids = [entry_id for _, _, entry_id, _ in planned if entry_id is not None]
    current = {
        entry.pk: entry
        for entry in ActivityEntry.objects.filter(pk__in=ids).prefetch_related(
            "milestones", "counts__sector"
        )
    }
    for number, task_force, entry_id, values in planned:
        if entry_id is None:
            new = {**values, "milestones": values.get("milestones", [])}
            new["counts"] = _merged_counts({}, values["counts"])
            differences = {name: [None, value] for name, value in new.items() if value}
            check.changes.append(PlannedEntry(task_force, None, new, differences))
            continue
        entry = current.get(entry_id)
        if entry is None or entry.task_force_id != task_force.pk:
            check.errors.append(
                f"Row {number}: entry {entry_id} is not in the activity log of {task_force.name}."
            )
            continue
        old = _stored(entry)
        new = {**values, "milestones": values.get("milestones", old["milestones"])}
        new["counts"] = _merged_counts(old["counts"], values["counts"])
        differences = {name: [old[name], new[name]] for name in new if old[name] != new[name]}
        if differences:
            check.changes.append(PlannedEntry(task_force, entry, new, differences))
        else:
            check.unchanged += 1


def save_plan(*, check: ImportCheck, batch: ImportBatch) -> None:
    """Keep the checked changes with the batch until the user applies them,
    with the version of each entry they were checked against (0 for one to
    add)."""
    import_models.save_plan(
        batch,
        unchanged=check.unchanged,
        changes=[
            ImportChange(
                task_force=change.task_force,
                object_id=change.entry.pk if change.entry else None,
                subject=f"{change.values['date']} {change.values['title']}"[:200],
                added=change.entry is None,
                version=change.entry.version if change.entry else 0,
                values=change.values,
                differences=change.differences,
            )
            for change in check.changes
        ],
    )


def apply_plan(*, batch: ImportBatch, user: AbstractBaseUser) -> int:
    """Apply every change of a checked activity import, or none: an entry
    changed or removed by someone since the check, or any other failure,
    rolls back the lot."""
    try:
        return _apply(batch=batch, user=user)
    except OperationalError as error:
        if not services.is_write_conflict(error):
            raise
        raise ImportConflict(CONFLICT) from error


@transaction.atomic
def _apply(*, batch: ImportBatch, user: AbstractBaseUser) -> int:
    if batch.applied_at is not None:
        raise ImportConflict("This import has already been applied.")
    changes = list(
        batch.planned.values_list("task_force_id", "object_id", "version", "values", "differences")
    )
    task_forces = TaskForce.objects.in_bulk({c[0] for c in changes})
    if len(task_forces) != len({c[0] for c in changes}):
        raise ImportConflict("A task force in the file no longer exists.")
    for task_force in task_forces.values():
        if not task_force.can_edit(user):
            raise ImportConflict(f"You may no longer change {task_force.name}.")
    # The task forces' rows first, as every write does: writers to these
    # logs now wait for this transaction, so the versions read next hold.
    page_cache.bump(sorted(task_forces))
    now = timezone.now()
    sectors = {sector.slug: sector for sector in Sector.objects.all()}
    milestones = {m.slug: m for m in Milestone.objects.all()}
    current = ActivityEntry.objects.in_bulk([c[1] for c in changes if c[1]])
    created, updated, planned = [], [], []
    for task_force_id, entry_id, version, values, differences in changes:
        if entry_id is None:
            entry = ActivityEntry(
                task_force_id=task_force_id, version=1, created_at=now, updated_by=user
            )
            created.append(entry)
        else:
            entry = current.get(entry_id)
            if entry is None:
                raise ImportConflict(f"Entry {entry_id} was removed since the check.")
            if entry.version != version:
                raise ImportConflict(f"Entry {entry_id} was changed since the check.")
            entry.version += 1
            entry.updated_by = user
            updated.append(entry)
        entry.date = datetime.date.fromisoformat(values["date"])
        entry.kind, entry.title, entry.updated_at = values["kind"], values["title"], now
        planned.append((entry, values, differences))
    ActivityEntry.objects.bulk_create(created)
    ActivityEntry.objects.bulk_update(
        updated, ["date", "kind", "title", "version", "updated_at", "updated_by"], batch_size=500
    )
    _write_links(updated, planned, sectors, milestones)
    ActivityChange.objects.bulk_create(
        ActivityChange(
            task_force_id=entry.task_force_id,
            entry_pk=entry.pk,
            entry_title=entry.title,
            action=ActivityChange.Action.UPDATED if entry_id else ActivityChange.Action.CREATED,
            changes=differences,
            changed_by=user,
            changed_by_name=user.get_username(),
            changed_at=now,
            source=ActivityChange.Source.IMPORT,
        )
        for (entry, _, differences), entry_id in zip(planned, [c[1] for c in changes], strict=True)
    )
    batch.mark_applied()
    return len(changes)


def _write_links(updated, planned, sectors: dict, milestones: dict) -> None:
    """Each entry's counts and milestones as planned, in bulk."""
    ActivityCount.objects.filter(entry__in=updated).delete()
    Through = ActivityEntry.milestones.through
    Through.objects.filter(activityentry__in=updated).delete()
    counts, links = [], []
    for entry, values, _ in planned:
        for measure, by_sector in values["counts"].items():
            for slug, n in by_sector.items():
                if slug not in sectors:
                    raise ImportConflict(f"The sector {slug} no longer exists.")
                counts.append(
                    ActivityCount(entry=entry, measure=measure, sector=sectors[slug], count=n)
                )
        for slug in values["milestones"]:
            if slug not in milestones:
                raise ImportConflict(f"The milestone {slug} no longer exists.")
            links.append(Through(activityentry=entry, milestone=milestones[slug]))
    ActivityCount.objects.bulk_create(counts, batch_size=1000)
    Through.objects.bulk_create(links, batch_size=1000)
