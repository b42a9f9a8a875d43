"""Importing the partner register from a spreadsheet: check every row, plan
the changes, then apply them all or none, as the status import does
(common/importing.py: the same limits, header check and refusal).

Rows are keyed by task force slug and agency name (in any case): a name the
task force has is updated, a new one is added. The file has the export's
layout (register_exports.REGISTER_COLUMNS); only IMPORT_COLUMNS are read, so
an export imports back unchanged.

The writes follow the register service's rules (assessments/register/services.py),
and its history helpers write the records: the task force's revision is
bumped first (the lock order of every write), versions go up by one, and
every agency added or changed gets a RegisterChange with the same
{"field": [old, new]} record. They are written here in bulk, since a
state-wide file holds thousands.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, OperationalError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from assessments.common import importing
from assessments.common.importing import (  # noqa: F401  (the limits, as the status import's)
    MAX_ERRORS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportCheck,
    ImportConflict,
    plain,
)
from assessments.core import import_models, page_cache, services
from assessments.core.importing import ImportTaskForces
from assessments.core.models import ImportBatch, ImportChange, TaskForce
from assessments.register.exports import HEADER_KEYS
from assessments.register.models import (
    MouStatus,
    PartnerAgency,
    PartnershipType,
    RegisterChange,
    Sector,
)
from assessments.register.services import (
    added_changes,
    change_action,
    history_record,
    history_value,
)

__all__ = ["ImportConflict", "apply_plan", "check_file", "save_plan"]

DATE_FIELDS = ("mou_signed_on", "mou_renews_on", "left_on")
BOOLEAN_FIELDS = ("mou_covers_data_sharing", "shown_to_partners")
TEXT_FIELDS = ("contact_name", "contact_email", "contact_phone")
# What the import sets: every field the history tracks but the name, which
# is the key (with the task force), in the "agency" column.
SET_FIELDS = [name for name in RegisterChange.TRACKED_FIELDS if name != "name"]
IMPORT_COLUMNS = ["task_force", "agency", *SET_FIELDS]
_max = {f.name: f.max_length for f in PartnerAgency._meta.fields if f.max_length}
NAME_MAX_LENGTH = _max["name"]
BOOLEANS = {"": False, "no": False, "n": False, "false": False, "0": False}
BOOLEANS.update({"yes": True, "y": True, "true": True, "1": True})


def _by_text(choices) -> dict[str, str]:
    return {
        **{choice.value: choice.value for choice in choices},
        **{choice.label.lower(): choice.value for choice in choices},
    }


def _allowed(choices) -> str:
    """The labels an XLSX export shows, and the codes a CSV has."""
    labels = ", ".join(choice.label for choice in choices)
    return f"{labels} (or their codes {', '.join(choice.value for choice in choices)})"


PARTNERSHIP_BY_TEXT = _by_text(PartnershipType)
MOU_STATUS_BY_TEXT = _by_text(MouStatus)


@dataclass
class PlannedAgency:
    task_force: TaskForce
    # None for an agency the import adds.
    agency: PartnerAgency | None
    name: str
    # field -> value, as the model holds it (sector as a Sector)
    values: dict
    # field -> [old, new], as the history records them
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
        columns=IMPORT_COLUMNS,
        header_keys=HEADER_KEYS,
        layout="an export of the partner register",
        check_rows=lambda check, rows, header: _check_rows(check, rows, header, user, today),
        plan=_plan,
        progress=progress,
    )


def _check_rows(
    check: ImportCheck,
    rows: Iterator[tuple[int, list[str]]],
    header: list[str],
    user: AbstractBaseUser,
    today: datetime.date,
) -> list[tuple[TaskForce, str, dict]]:
    task_forces = ImportTaskForces(user)
    sectors: dict[str, Sector] = {}
    for sector in Sector.objects.all():
        sectors[sector.name.lower()] = sectors[sector.slug] = sector
    seen: dict[tuple[str, str], int] = {}
    planned: list[tuple[TaskForce, str, dict]] = []

    for number, cells in importing.rows_to_check(check, rows, header, IMPORT_COLUMNS):
        problems = []
        task_force = task_forces.named(cells["task_force"], problems)
        name = cells["agency"]
        if not name:
            problems.append("the agency name is empty")
        elif len(name) > NAME_MAX_LENGTH:
            problems.append(f"agency is longer than {NAME_MAX_LENGTH} characters")
        values: dict = {}
        values["sector"] = sectors.get(cells["sector"].lower())
        if values["sector"] is None:
            problems.append(f"unknown sector '{cells['sector']}'")
        for column, table, default in (
            ("partnership_type", PARTNERSHIP_BY_TEXT, PartnershipType.REFERRAL),
            ("mou_status", MOU_STATUS_BY_TEXT, MouStatus.NONE),
        ):
            text = cells[column]
            values[column] = table.get(text.lower()) if text else default.value
            if values[column] is None:
                problems.append(f"{column} '{text}' is not one of {_allowed(type(default))}")
        for column in DATE_FIELDS:
            values[column] = None
            if cells[column]:
                try:
                    values[column] = importing.parse_date(cells[column])
                except ValueError:
                    problems.append(f"{column} '{cells[column]}' is not a date (YYYY-MM-DD)")
        for column in BOOLEAN_FIELDS:
            values[column] = BOOLEANS.get(cells[column].lower())
            if values[column] is None:
                problems.append(f"{column} '{cells[column]}' is not yes or no")
        for column in TEXT_FIELDS:
            values[column] = cells[column]
            if len(cells[column]) > _max[column]:
                problems.append(f"{column} is longer than {_max[column]} characters")
        if values["contact_email"]:
            try:
                validate_email(values["contact_email"])
            except ValidationError:
                problems.append(f"contact_email '{cells['contact_email']}' is not an e-mail")
        problems += _rule_problems(values, today)
        if any("\x00" in value for value in cells.values()):
            problems.append("contains a NUL character")
        key = (cells["task_force"], name.lower())
        if key in seen and task_force is not None and name:
            problems.append(f"the same task force and agency as row {seen[key]}")
        seen.setdefault(key, number)
        if problems:
            check.errors.append(f"Row {number}: " + "; ".join(problems) + ".")
            continue
        planned.append((task_force, name, values))
    return planned


def _rule_problems(values: dict, today: datetime.date) -> list[str]:
    """The model's constraints and the register form's rule, in words, so a
    bad row is named before anything is written."""
    problems = []
    signed_on, renews_on, left_on = (values[name] for name in DATE_FIELDS)
    if values["mou_status"] == MouStatus.SIGNED and signed_on is None:
        problems.append("a signed MOU needs mou_signed_on")
    if signed_on is not None and renews_on is not None and renews_on < signed_on:
        problems.append("mou_renews_on is before mou_signed_on")
    if left_on is not None and left_on > today:
        problems.append("left_on is after today")
    return problems


def _plan(check: ImportCheck, planned: list[tuple[TaskForce, str, dict]]) -> None:
    current = {
        (agency.task_force_id, agency.name.lower()): agency
        for agency in PartnerAgency.objects.filter(
            task_force__in=[task_force for task_force, _, _ in planned]
        ).select_related("sector")
    }
    for task_force, name, values in planned:
        agency = current.get((task_force.pk, name.lower()))
        if agency is None:
            differences = added_changes({"name": name, **values})
            check.changes.append(PlannedAgency(task_force, None, name, values, differences))
            continue
        differences = {
            column: [history_value(getattr(agency, column)), history_value(value)]
            for column, value in values.items()
            if getattr(agency, column) != value
        }
        if differences:
            check.changes.append(
                PlannedAgency(task_force, agency, agency.name, values, differences)
            )
        else:
            check.unchanged += 1


def _plain(value):
    return value.pk if isinstance(value, Sector) else plain(value)


def save_plan(*, check: ImportCheck, batch: ImportBatch) -> None:
    """Keep the checked changes with the batch until the user applies them,
    with the version of each agency they were checked against (0 for one to
    add)."""
    import_models.save_plan(
        batch,
        unchanged=check.unchanged,
        changes=[
            ImportChange(
                task_force=change.task_force,
                object_id=change.agency.pk if change.agency else None,
                subject=change.name,
                added=change.agency is None,
                version=change.agency.version if change.agency else 0,
                values={name: _plain(value) for name, value in change.values.items()},
                differences=change.differences,
            )
            for change in check.changes
        ],
    )


def apply_plan(*, batch: ImportBatch, user: AbstractBaseUser) -> int:
    """Apply every change of a checked register import, or none: an agency
    changed (or added) by someone since the check, or any other failure,
    rolls back the lot."""
    try:
        return _apply(batch=batch, user=user)
    except IntegrityError as error:
        # Every value was checked against the constraints: what is left is
        # a name someone added in the meantime.
        raise ImportConflict(
            "Someone changed the partner register while the import was being applied."
        ) from error
    except OperationalError as error:
        if not services.is_write_conflict(error):
            raise
        raise ImportConflict(
            "Someone changed the partner register while the import was being applied."
        ) from error


def _values(change: dict, sectors: dict[int, Sector]) -> dict:
    values = dict(change["values"])
    values["sector"] = sectors[values["sector"]]
    for name in DATE_FIELDS:
        if values[name]:
            values[name] = datetime.date.fromisoformat(values[name])
    return values


@transaction.atomic
def _apply(*, batch: ImportBatch, user: AbstractBaseUser) -> int:
    if batch.applied_at is not None:
        raise ImportConflict("This import has already been applied.")
    changes = [
        {
            "task_force": tf,
            "agency": agency,
            "name": name,
            "version": version,
            "values": values,
            "differences": differences,
        }
        for tf, agency, name, version, values, differences in batch.planned.values_list(
            "task_force_id", "object_id", "subject", "version", "values", "differences"
        )
    ]
    task_forces = TaskForce.objects.in_bulk({c["task_force"] for c in changes})
    for task_force in task_forces.values():
        if not task_force.can_edit(user):
            raise ImportConflict(f"You may no longer change {task_force.name}.")
    if len(task_forces) != len({c["task_force"] for c in changes}):
        raise ImportConflict("A task force in the file no longer exists.")
    # The task forces' rows first, as every register and status write does:
    # writers to these registers now wait for this transaction, so the
    # versions read next cannot move before it ends.
    page_cache.bump(sorted(task_forces))
    now = timezone.now()
    sectors = Sector.objects.in_bulk({c["values"]["sector"] for c in changes})
    if len(sectors) != len({c["values"]["sector"] for c in changes}):
        raise ImportConflict("A sector in the file no longer exists.")
    current = PartnerAgency.objects.in_bulk([c["agency"] for c in changes if c["agency"]])
    taken = set(
        PartnerAgency.objects.filter(task_force__in=list(task_forces))
        .annotate(lower_name=Lower("name"))
        .values_list("task_force_id", "lower_name")
    )
    created, updated, history = [], [], []
    for change in changes:
        task_force = task_forces[change["task_force"]]
        values = _values(change, sectors)
        where = f"{task_force.name}: {change['name']}"
        if change["agency"] is None:
            if (task_force.pk, change["name"].lower()) in taken:
                raise ImportConflict(f"{where} was added to the register since the check.")
            agency = PartnerAgency(
                task_force=task_force,
                name=change["name"],
                **values,
                version=1,
                created_at=now,
                updated_at=now,
                updated_by=user,
            )
            created.append(agency)
            action = RegisterChange.Action.CREATED
        else:
            agency = current.get(change["agency"])
            if agency is None:
                raise ImportConflict(f"{where} is no longer in the register.")
            if agency.version != change["version"]:
                raise ImportConflict(f"{where} was changed since the check.")
            action = change_action(old_left_on=agency.left_on, new_left_on=values["left_on"])
            for name, value in values.items():
                setattr(agency, name, value)
            agency.version += 1
            agency.updated_at, agency.updated_by = now, user
            updated.append(agency)
        history.append((agency, action, change["differences"]))
    PartnerAgency.objects.bulk_create(created)
    PartnerAgency.objects.bulk_update(
        updated, [*SET_FIELDS, "version", "updated_at", "updated_by"], batch_size=500
    )
    RegisterChange.objects.bulk_create(
        [
            history_record(
                agency,
                action=action,
                changes=differences,
                user=user,
                now=now,
                source=RegisterChange.Source.IMPORT,
            )
            for agency, action, differences in history
        ]
    )
    batch.mark_applied()
    return len(changes)
