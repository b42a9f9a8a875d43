"""Many statuses at once (a spreadsheet import): milestone_statuses_update,
with the same rules per status as services.milestone_status_update, in
chunks of a fixed number of queries. Its names are services' too."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.common.stale import StaleSaveError
from assessments.core import bulk_sql, hooks, page_cache
from assessments.core.models import MilestoneStatus, StatusChange, TaskForce
from assessments.core.services import RETIRED_MILESTONE_MESSAGE, _history_values, _set_values
from stages.models import Milestone


@dataclass(frozen=True)
class StatusEdit:
    """One status to set in milestone_statuses_update: the values an editor
    gave and the version they saw (0: no record yet)."""

    task_force: TaskForce
    milestone: Milestone
    values: dict
    expected_version: int


class BulkEditRefused(Exception):
    """One edit of a milestone_statuses_update could not be made; none was."""

    def __init__(self, edit: StatusEdit, error: StaleSaveError | ValidationError):
        self.edit, self.error = edit, error
        super().__init__(str(error))


# Edits are applied this many at a time: a lock, a read, an UPDATE and the
# inserts per chunk, and a progress report after each.
BULK_BATCH_SIZE = 500


@transaction.atomic
def milestone_statuses_update(
    *,
    edits: list[StatusEdit],
    user: AbstractBaseUser | None,
    source: str,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """milestone_status_update for many statuses at once (a spreadsheet
    import): all or nothing, with the same rules per status (one version
    check, validation, bookkeeping, history), in chunks of BULK_BATCH_SIZE
    edits, each a fixed number of queries whatever its values. Raises
    BulkEditRefused for the first edit that cannot be made, having saved
    nothing (the caller's transaction rolls back what earlier chunks wrote).
    `progress(done, total)` is called after each chunk. Returns how many
    statuses changed."""
    now = timezone.now()
    task_force_ids = sorted({edit.task_force.pk for edit in edits})
    # Lock order, as in milestone_status_update: the task forces' rows first,
    # in id order (an UPDATE of many rows promises no order), then their
    # statuses, by task force and milestone. Every other writer to these task
    # forces now waits for this transaction, so the versions read below
    # cannot move before it commits.
    list(
        TaskForce.objects.select_for_update()
        .filter(pk__in=task_force_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    page_cache.bump(task_force_ids)
    ordered = sorted(edits, key=lambda e: (e.task_force.pk, e.milestone.pk))
    changed: set[int] = set()
    checked: set = set()  # the values found valid so far (_clean_once)
    total = 0
    for start in range(0, len(ordered), BULK_BATCH_SIZE):
        chunk = ordered[start : start + BULK_BATCH_SIZE]
        total += _update_chunk(
            chunk, user=user, source=source, now=now, changed=changed, checked=checked
        )
        if progress is not None:
            progress(start + len(chunk), len(ordered))
    if changed:
        hooks.statuses_saved.send(sender=MilestoneStatus, task_force_ids=changed)
    return total


# What a chunk reads of the statuses it changes: the editor's fields and
# the bookkeeping that follows from them.
_CHUNK_FIELDS = [
    "task_force",
    "milestone",
    "version",
    "status_since",
    "confirmed_at",
    "confirmed_by",
    *StatusChange.TRACKED_FIELDS,
]
# The keys of _history_values, in its order.
_HISTORY_FIELDS = [
    "task_force_id",
    "milestone_id",
    "old_status",
    "new_status",
    "changes",
    "changed_by_id",
    "changed_by_name",
    "changed_at",
    "source",
]


def _update_chunk(
    chunk: list[StatusEdit],
    *,
    user: AbstractBaseUser | None,
    source: str,
    now: datetime.datetime,
    changed: set[int],
    checked: set,
) -> int:
    """Apply a chunk of edits (sorted by task force and milestone): its
    statuses locked and read in one query, changed in one UPDATE, created
    and recorded in one INSERT each (more on SQLite, 999 parameters a query)."""
    records = {
        (record.task_force_id, record.milestone_id): record
        for record in MilestoneStatus.objects.select_for_update()
        .filter(
            task_force_id__in={edit.task_force.pk for edit in chunk},
            milestone_id__in={edit.milestone.pk for edit in chunk},
        )
        .order_by("task_force_id", "milestone_id")
        .only(*_CHUNK_FIELDS)
    }
    to_update, to_create, history = [], [], []
    changed_fields: set[str] = set()
    for edit in chunk:
        record = records.get((edit.task_force.pk, edit.milestone.pk))
        try:
            if not edit.milestone.is_active:
                raise ValidationError(RETIRED_MILESTONE_MESSAGE, code="retired")
            if (record.version if record is not None else 0) != edit.expected_version:
                raise StaleSaveError(record)
            if record is None:
                record = MilestoneStatus(
                    task_force=edit.task_force,
                    milestone=edit.milestone,
                    status_since=now,
                    version=0,
                )
            changes = _set_values(record, edit.values, user=user, now=now, checked=checked)
        except (StaleSaveError, ValidationError) as error:
            raise BulkEditRefused(edit, error) from error
        if not changes:
            continue
        record.version += 1
        history.append(
            tuple(_history_values(record, changes, user=user, now=now, source=source).values())
        )
        changed.add(record.task_force_id)
        if record.pk is None:
            to_create.append(record)
        else:
            to_update.append(record)
            changed_fields.update(changes)
    # Only the columns some row of the chunk changes (the notes, long text,
    # mostly stay), each row giving its own value for each.
    written = [name for name in StatusChange.TRACKED_FIELDS if name in changed_fields]
    if "status" in changed_fields:
        written += ["status_since", "confirmed_at", "confirmed_by_id"]
    written += ["updated_by_id", "updated_at", "version"]
    bulk_sql.update_rows(
        MilestoneStatus,
        written,
        [(record.pk, *(getattr(record, name) for name in written)) for record in to_update],
    )
    MilestoneStatus.objects.bulk_create(to_create, batch_size=BULK_BATCH_SIZE)
    bulk_sql.insert_rows(StatusChange, _HISTORY_FIELDS, history)
    return len(history)
