"""Importing statuses from a spreadsheet: check every row, plan the changes,
then apply them all or none.

The file has the export's layout (STATUS_SHEET, which the export writes);
only the columns in REQUIRED_COLUMNS are read, the others are ignored, so an
export imports back unchanged: the CSV as it is, the XLSX through its
header labels, status labels and date cells, read back as keys, codes and
dates.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, OperationalError, transaction

from assessments.common import importing, sheets
from assessments.common.importing import (  # noqa: F401  (the limits: importing.MAX_ROWS)
    MAX_ERRORS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportCheck,
    ImportConflict,
    plain,
)
from assessments.common.sheets import Column
from assessments.common.stale import StaleSaveError
from assessments.core import import_models, services
from assessments.core.models import (
    NOTES_MAX_LENGTH,
    ImportBatch,
    ImportChange,
    MilestoneStatus,
    Status,
    StatusChange,
    TaskForce,
)
from stages.models import Milestone

# The status export's columns (pages/exports.py writes them), here because
# the import reads them back: the XLSX's labels map to the keys.
STATUS_SHEET = [
    Column("task_force", "Task force code", 18),
    Column("task_force_name", "Task force", 28),
    Column("stage", "Stage", 22),
    Column("milestone", "Milestone code", 20),
    Column("milestone_name", "Milestone", 40),
    Column("status", "Status", 13, choices=sheets.choices_of(Status)),
    Column("lead_partner", "Lead partner", 26),
    Column("target_date", "Target date", 13, sheets.DATE),
    Column("notes", "Notes", 50),
    Column("status_since", "Status since", 17, sheets.DATETIME),
    Column("updated_at", "Last updated", 17, sheets.DATETIME),
    Column("updated_by", "Updated by", 22, source="updated_by_name"),
]
HEADER_KEYS = sheets.header_keys(STATUS_SHEET)
REQUIRED_COLUMNS = ["task_force", "milestone", "status", "lead_partner", "target_date", "notes"]
LEAD_PARTNER_MAX_LENGTH = MilestoneStatus._meta.get_field("lead_partner").max_length
STATUS_BY_TEXT = {
    **{choice.value: choice.value for choice in Status},
    **{choice.label.lower(): choice.value for choice in Status},
}


class CurrentStatus(NamedTuple):
    """What the plan reads of a saved status: its version and the values
    a row may change."""

    version: int
    status: str
    lead_partner: str
    target_date: datetime.date | None
    notes: str


@dataclass
class PlannedChange:
    task_force: TaskForce
    milestone: Milestone
    current: CurrentStatus | None
    values: dict
    # field -> (old, new) for the fields this row changes
    differences: dict = field(default_factory=dict)


class ImportTaskForces:
    """The task forces an import's rows may name, for both kinds of import:
    those the importer may read, and of those only the ones they may edit.
    Each task force's edit right is asked once, however many rows name it."""

    def __init__(self, user: AbstractBaseUser) -> None:
        self.user = user
        self.readable = {tf.slug: tf for tf in TaskForce.objects.visible_to(user)}
        self._editable: dict[str, bool] = {}

    def named(self, slug: str, problems: list[str]) -> TaskForce | None:
        """The task force a row names, or None; what is wrong goes to `problems`."""
        task_force = self.readable.get(slug)
        if task_force is None:
            problems.append(f"unknown task force '{slug}'")
            return None
        if slug not in self._editable:
            self._editable[slug] = task_force.can_edit(self.user)
        if not self._editable[slug]:
            problems.append(f"you may not change task force '{slug}'")
        return task_force


def check_file(
    *, content: bytes, user: AbstractBaseUser, progress: importing.Progress | None = None
) -> ImportCheck:
    """Every problem in the file, or the changes it makes (common/importing.py)."""
    return importing.check_file(
        content=content,
        columns=REQUIRED_COLUMNS,
        header_keys=HEADER_KEYS,
        layout="an export of your task force",
        check_rows=lambda check, rows, header: _check_rows(check, rows, header, user),
        plan=_plan,
        progress=progress,
    )


def _check_rows(
    check: ImportCheck,
    rows: Iterator[tuple[int, list[str]]],
    header: list[str],
    user: AbstractBaseUser,
) -> list[tuple[TaskForce, Milestone, dict]]:
    """Check each row as it is read (common/importing.py stops after MAX_ERRORS)."""

    task_forces = ImportTaskForces(user)
    milestones = {m.slug: m for m in Milestone.objects.all()}
    seen: dict[tuple[str, str], int] = {}
    planned: list[tuple[TaskForce, Milestone, dict]] = []

    for number, cells in importing.rows_to_check(check, rows, header, REQUIRED_COLUMNS):
        problems = []
        task_force = task_forces.named(cells["task_force"], problems)
        milestone = milestones.get(cells["milestone"])
        if milestone is None:
            problems.append(f"unknown milestone '{cells['milestone']}'")
        elif not milestone.is_active:
            problems.append(f"milestone '{milestone.slug}' is retired and takes no updates")
        status = STATUS_BY_TEXT.get(cells["status"].lower())
        if status is None:
            problems.append(
                f"status '{cells['status']}' is not one of "
                + ", ".join(choice.label for choice in Status)
                + " (or their codes "
                + ", ".join(choice.value for choice in Status)
                + ")"
            )
        target_date = None
        if cells["target_date"]:
            try:
                target_date = importing.parse_date(cells["target_date"])
            except ValueError:
                problems.append(f"target date '{cells['target_date']}' is not a date (YYYY-MM-DD)")
        for column, limit in (
            ("lead_partner", LEAD_PARTNER_MAX_LENGTH),
            ("notes", NOTES_MAX_LENGTH),
        ):
            if len(cells[column]) > limit:
                problems.append(f"{column} is longer than {limit} characters")
        if "\x00" in "".join(cells.values()):
            problems.append("contains a NUL character")
        key = (cells["task_force"], cells["milestone"])
        if key in seen and task_force is not None and milestone is not None:
            problems.append(f"the same task force and milestone as row {seen[key]}")
        seen.setdefault(key, number)
        if problems:
            check.errors.append(f"Row {number}: " + "; ".join(problems) + ".")
            continue
        values = {
            "status": status,
            "lead_partner": cells["lead_partner"],
            "target_date": target_date,
            "notes": cells["notes"],
        }
        planned.append((task_force, milestone, values))
    return planned


# What a task force x milestone without a status record stands at.
_NO_RECORD = {
    "status": Status.NOT_STARTED.value,
    "lead_partner": "",
    "target_date": None,
    "notes": "",
}


def _plan(check: ImportCheck, planned: list[tuple[TaskForce, Milestone, dict]]) -> None:
    # One query, as tuples (a whole country is 88,000 records), of only what
    # the comparison and save_plan (the version) read.
    current = {
        (task_force_id, milestone_id): CurrentStatus(*rest)
        for task_force_id, milestone_id, *rest in MilestoneStatus.objects.filter(
            task_force_id__in={task_force.pk for task_force, _, _ in planned}
        ).values_list("task_force_id", "milestone_id", *CurrentStatus._fields)
    }
    for task_force, milestone, values in planned:
        record = current.get((task_force.pk, milestone.pk))
        old = _NO_RECORD if record is None else record._asdict()
        differences = {name: (old[name], new) for name, new in values.items() if old[name] != new}
        if differences:
            check.changes.append(PlannedChange(task_force, milestone, record, values, differences))
        else:
            check.unchanged += 1


def save_plan(*, check: ImportCheck, batch: ImportBatch) -> None:
    """Keep the checked changes with the batch until the user applies them,
    with the version of each status they were checked against."""
    import_models.save_plan(
        batch,
        unchanged=check.unchanged,
        changes=[
            ImportChange(
                task_force=change.task_force,
                object_id=change.milestone.pk,
                subject=change.milestone.name[:200],
                added=change.current is None,
                version=change.current.version if change.current else 0,
                values={name: plain(value) for name, value in change.values.items()},
                differences={
                    name: [plain(old), plain(new)]
                    for name, (old, new) in change.differences.items()
                },
            )
            for change in check.changes
        ],
    )


def apply_plan(*, batch: ImportBatch, user: AbstractBaseUser) -> int:
    """Apply every change of a checked import, or none: a status changed by
    someone since the check, or any other failure, rolls back the lot."""
    try:
        return _apply(batch=batch, user=user)
    except (IntegrityError, OperationalError) as error:
        # A concurrent writer the lock order did not serialise (a lock
        # timeout, a serialization failure): rolled back, like any conflict.
        if not services.is_write_conflict(error):
            raise
        raise ImportConflict(
            "Someone changed these statuses while the import was being applied."
        ) from error


@transaction.atomic
def _apply(*, batch: ImportBatch, user: AbstractBaseUser) -> int:
    if batch.applied_at is not None:
        raise ImportConflict("This import has already been applied.")
    changes = list(batch.planned.values_list("task_force_id", "object_id", "version", "values"))
    task_forces = TaskForce.objects.in_bulk({tf for tf, _, _, _ in changes})
    milestones = Milestone.objects.in_bulk({milestone for _, milestone, _, _ in changes})
    for task_force in task_forces.values():
        if not task_force.can_edit(user):
            raise ImportConflict(f"You may no longer change {task_force.name}.")
    edits = []
    for task_force_id, milestone_id, version, values in changes:
        values = dict(values)
        if values["target_date"]:
            values["target_date"] = datetime.date.fromisoformat(values["target_date"])
        edits.append(
            services.StatusEdit(
                task_force=task_forces[task_force_id],
                milestone=milestones[milestone_id],
                values=values,
                expected_version=version,
            )
        )
    try:
        # Locks in the same order as every other write path (see there).
        services.milestone_statuses_update(
            edits=edits, user=user, source=StatusChange.Source.IMPORT
        )
    except services.BulkEditRefused as refused:
        where = f"{refused.edit.task_force.name}: {refused.edit.milestone.name}"
        if isinstance(refused.error, StaleSaveError):
            raise ImportConflict(f"{where}: {refused.error.message_for(user)}") from refused
        raise ImportConflict(f"{where}: {' '.join(refused.error.messages)}") from refused
    batch.mark_applied()
    return len(changes)
