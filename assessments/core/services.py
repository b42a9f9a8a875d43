"""Writes. Every change to a status or a partner link goes through here, so
validation and bookkeeping (who, when) happen the same way from the form, the
demo seeder and, later, imports."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from assessments.common.stale import StaleSaveError
from assessments.core import hooks, page_cache
from assessments.core.models import (
    MilestoneStatus,
    PartnerLink,
    Status,
    StatusChange,
    TaskForce,
    hash_token,
)
from stages.models import Milestone

RETIRED_MILESTONE_MESSAGE = (
    "This milestone has been retired by an administrator and no longer takes "
    "updates. Its recorded status is kept."
)


# The database's words for "another transaction got there first": PostgreSQL's
# serialization failure and deadlock, and SQLite's lock timeout.
_CONFLICT_PGCODES = {"40001", "40P01"}


def is_write_conflict(error: Exception) -> bool:
    """True for the errors two concurrent writers can still meet despite the
    lock order (see milestone_status_update), which mean "try again"."""
    if isinstance(error, IntegrityError):
        return True
    if isinstance(error, OperationalError):
        cause = error.__cause__
        return getattr(cause, "pgcode", None) in _CONFLICT_PGCODES or "database is locked" in str(
            error
        )
    return False


def _jsonable(value):
    if isinstance(value, datetime.date):  # dates and datetimes
        return value.isoformat()
    return value


def _current(task_force: TaskForce, milestone: Milestone) -> MilestoneStatus | None:
    return (
        MilestoneStatus.objects.select_related("updated_by")
        .filter(task_force=task_force, milestone=milestone)
        .first()
    )


# What the editor supplies; everything else (the task force and milestone in
# hand, who, when, the version) is set here and needs no checking.
_NOT_FROM_THE_EDITOR = [
    field.name
    for field in MilestoneStatus._meta.concrete_fields
    if field.name not in StatusChange.TRACKED_FIELDS
]

# Every field but one of the editor's excludes the others (_clean_once).
_EDITOR_EXCLUDES = [*_NOT_FROM_THE_EDITOR, *StatusChange.TRACKED_FIELDS]


def milestone_status_update(
    *,
    task_force: TaskForce,
    milestone: Milestone,
    status: str,
    notes: str = "",
    lead_partner: str = "",
    target_date: datetime.date | None = None,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    source: str = StatusChange.Source.FORM,
    at: datetime.datetime | None = None,
) -> MilestoneStatus:
    """Set where `task_force` stands on `milestone`: the one path for every
    status change, and the one place that writes its history.

    `expected_version` is the version the editor started from (0 when there
    was no record yet); if the record has moved on since, StaleSaveError is
    raised and nothing is saved. None skips the check (no editor involved).
    Raises ValidationError, saving nothing, for a retired milestone or an
    invalid value. A save that changes nothing writes no history.

    One guard against concurrent writers: the write is conditional on the
    version that was read (an UPDATE ... WHERE version = read, or an INSERT
    the unique constraint refuses if someone created the row first), which
    holds on SQLite and PostgreSQL alike. A concurrent write that the
    database refuses (a deadlock, a lock timeout) becomes StaleSaveError
    too, once this transaction is rolled back.
    """
    try:
        return _update(
            task_force=task_force,
            milestone=milestone,
            values={
                "status": status,
                "notes": notes,
                "lead_partner": lead_partner,
                "target_date": target_date,
            },
            user=user,
            expected_version=expected_version,
            source=source,
            now=at or timezone.now(),
        )
    except (IntegrityError, OperationalError) as error:
        if not is_write_conflict(error):
            raise
        current = _current(task_force, milestone)
        if isinstance(error, IntegrityError) and current is None:
            raise  # not the unique constraint: a real fault
        raise StaleSaveError(current) from error


@transaction.atomic
def _update(
    *,
    task_force: TaskForce,
    milestone: Milestone,
    values: dict,
    user: AbstractBaseUser | None,
    expected_version: int | None,
    source: str,
    now: datetime.datetime,
) -> MilestoneStatus:
    if not milestone.is_active:
        raise ValidationError(RETIRED_MILESTONE_MESSAGE, code="retired")
    current = _current(task_force, milestone)
    read_version = current.version if current is not None else 0
    if expected_version is not None and read_version != expected_version:
        raise StaleSaveError(current)
    record = current or MilestoneStatus(
        task_force=task_force, milestone=milestone, status_since=now, version=0
    )
    changes = _set_values(record, values, user=user, now=now)
    # What this save changed, {field: [old, new]}, for the editor's message
    # ("Saved: target date 15 Mar 2027"); not stored.
    record.saved_changes = changes
    if not changes:
        return record  # nothing to save, nothing to record
    # Lock order, the same on every write path: the task force's row first
    # (the revision bump, which the pages need in this transaction anyway),
    # then its statuses in milestone order. Two writers to one task force
    # then queue instead of deadlocking.
    page_cache.bump([task_force.pk])
    if current is None:
        record.version = 1
        record.save(force_insert=True)
    else:
        updated = MilestoneStatus.objects.filter(pk=record.pk, version=read_version).update(
            **{field: getattr(record, field) for field in values},
            status_since=record.status_since,
            confirmed_at=record.confirmed_at,
            confirmed_by=record.confirmed_by,
            updated_by=user,
            updated_at=now,
            version=F("version") + 1,
        )
        if updated != 1:
            raise StaleSaveError(_current(task_force, milestone))
        record.version = read_version + 1
    _history(record, changes, user=user, now=now, source=source).save(force_insert=True)
    hooks.statuses_saved.send(sender=MilestoneStatus, task_force_ids=[task_force.pk])
    return record


def _set_values(
    record: MilestoneStatus,
    values: dict,
    *,
    user: AbstractBaseUser | None,
    now: datetime.datetime,
    checked: set | None = None,
) -> dict[str, list]:
    """Put the editor's values on `record` (validated, raising ValidationError)
    with the bookkeeping that follows from them, and return what changed as
    {field: [old, new]} for the history: empty when nothing did, and then
    `record` is left as it was read."""
    old = {field: getattr(record, field) for field in StatusChange.TRACKED_FIELDS}
    old_status = old["status"] if record.pk is not None else Status.NOT_STARTED
    for field, value in values.items():
        setattr(record, field, value)
    if checked is None:
        record.clean_fields(exclude=_NOT_FROM_THE_EDITOR)
    else:
        _clean_once(record, checked)
    changes = {
        field: [_jsonable(old[field]), _jsonable(getattr(record, field))]
        for field in StatusChange.TRACKED_FIELDS
        if old[field] != getattr(record, field)
    }
    if not changes:
        return {}
    if record.status != old_status:
        record.status_since = now
        if record.status == Status.ACHIEVED:
            record.confirmed_at, record.confirmed_by = now, user
    record.updated_by = user
    record.updated_at = now
    return changes


def _clean_once(record: MilestoneStatus, checked: set) -> None:
    """record.clean_fields for the editor's fields, skipping a value already
    found valid (`checked`, per bulk update): the checks of these fields
    depend on the value alone, and an import repeats the same statuses,
    partners and dates thousands of times."""
    unchecked = [
        name for name in StatusChange.TRACKED_FIELDS if _checked_key(record, name) not in checked
    ]
    if unchecked:
        record.clean_fields(exclude=[name for name in _EDITOR_EXCLUDES if name not in unchecked])
        checked.update(_checked_key(record, name) for name in unchecked)
        checked.discard(None)


def _checked_key(record: MilestoneStatus, name: str) -> tuple | None:
    value = getattr(record, name)
    if value is None or isinstance(value, str | datetime.date):
        return (name, type(value), value)
    return None  # anything else is checked every time


def _history(
    record: MilestoneStatus,
    changes: dict[str, list],
    *,
    user: AbstractBaseUser | None,
    now: datetime.datetime,
    source: str,
) -> StatusChange:
    return StatusChange(**_history_values(record, changes, user=user, now=now, source=source))


def _history_values(
    record: MilestoneStatus,
    changes: dict[str, list],
    *,
    user: AbstractBaseUser | None,
    now: datetime.datetime,
    source: str,
) -> dict:
    return {
        "task_force_id": record.task_force_id,
        "milestone_id": record.milestone_id,
        "old_status": changes["status"][0] if "status" in changes else record.status,
        "new_status": record.status,
        "changes": changes,
        "changed_by_id": user.pk if user is not None else None,
        "changed_by_name": user.get_username() if user is not None else "",
        "changed_at": now,
        "source": source,
    }


@transaction.atomic
def milestone_confirm(
    *,
    task_force: TaskForce,
    milestone: Milestone,
    user: AbstractBaseUser,
    at: datetime.datetime | None = None,
) -> MilestoneStatus:
    """Record that an achieved milestone still holds: resets its review clock,
    and the history says who confirmed it and when."""
    now = at or timezone.now()
    # The task force's row first, as on every write path (see
    # milestone_status_update): writers to one task force queue here.
    page_cache.bump([task_force.pk])
    record = MilestoneStatus.objects.filter(
        task_force=task_force, milestone=milestone, status=Status.ACHIEVED
    ).first()
    if record is None:
        raise ValidationError("Only an achieved milestone can be confirmed.", code="not_achieved")
    previous = record.confirmed_at
    MilestoneStatus.objects.filter(pk=record.pk).update(
        confirmed_at=now, confirmed_by=user, version=F("version") + 1
    )
    StatusChange.objects.create(
        task_force=task_force,
        milestone=milestone,
        old_status=Status.ACHIEVED,
        new_status=Status.ACHIEVED,
        changes={"confirmed_at": [_jsonable(previous), now.isoformat()]},
        changed_by=user,
        changed_by_name=user.get_username(),
        changed_at=now,
        source=StatusChange.Source.CONFIRM,
    )
    hooks.statuses_saved.send(sender=MilestoneStatus, task_force_ids=[task_force.pk])
    record.refresh_from_db()
    return record


@transaction.atomic
def milestones_confirm(
    *,
    task_force: TaskForce,
    milestones: list[Milestone],
    user: AbstractBaseUser,
    at: datetime.datetime | None = None,
) -> list[Milestone]:
    """Confirm several achieved milestones still hold in one action, each
    recorded in the history as if confirmed alone. Those no longer achieved
    (changed since the page was shown) are skipped; returns the confirmed."""
    now = at or timezone.now()
    # The task force first (lock order), so what is read as achieved stays so.
    page_cache.bump([task_force.pk])
    achieved = set(
        MilestoneStatus.objects.filter(
            task_force=task_force, milestone__in=milestones, status=Status.ACHIEVED
        ).values_list("milestone_id", flat=True)
    )
    confirmed = [milestone for milestone in milestones if milestone.pk in achieved]
    for milestone in confirmed:
        milestone_confirm(task_force=task_force, milestone=milestone, user=user, at=now)
    return confirmed


def partner_link_create(
    *,
    task_force: TaskForce,
    label: str,
    expires_on: datetime.date | None = None,
    # A PartnerAgency of the task force's register (the register is a feature).
    agency: models.Model | None = None,
    user: AbstractBaseUser | None,
) -> tuple[PartnerLink, str]:
    """Create a link and return it with its token. The token is not stored,
    only its hash: the caller shows it once. `agency`, from the task force's
    register, says which agency holds it."""
    if agency is not None and agency.task_force_id != task_force.pk:
        raise ValidationError({"agency": ["Choose an agency of this task force's register."]})
    token = PartnerLink.new_token()
    link = PartnerLink(
        task_force=task_force,
        agency=agency,
        label=label,
        expires_on=expires_on,
        token_hash=hash_token(token),
        created_by=user,
    )
    link.full_clean()
    link.save()
    return link, token


def task_force_contact_update(
    *, task_force: TaskForce, name: str, email: str, phone: str
) -> TaskForce:
    """Set the contact the partner page shows. Saving the task force bumps its
    revision, so the cached partner page shows the new contact at once."""
    task_force.public_contact_name = name.strip()
    task_force.public_contact_email = email.strip()
    task_force.public_contact_phone = phone.strip()
    task_force.full_clean(
        exclude=[
            field.name
            for field in TaskForce._meta.fields
            if not field.name.startswith("public_contact_")
        ]
    )
    task_force.save(
        update_fields=["public_contact_name", "public_contact_email", "public_contact_phone"]
    )
    return task_force


def partner_link_revoke(*, link: PartnerLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


def partner_link_record_visit(*, link: PartnerLink) -> bool:
    """Count a visit: views of a link less than VISIT_GAP apart are one visit
    (a partner reading and reloading is not ten uses), which also spares the
    database a write on every view. True when a new visit was recorded."""
    if link.visited_recently:
        return False
    now = timezone.now()
    since = now - PartnerLink.VISIT_GAP
    # Conditional, so two app servers seeing the same view count it once.
    return bool(
        PartnerLink.objects.filter(pk=link.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=since))
        .update(use_count=F("use_count") + 1, last_used_at=now)
    )


def locked(record: models.Model, expected_version: int | None, *related: str) -> models.Model:
    """`record` as saved now, locked, in the lock order of every write path:
    its task force's row first (the revision bump), then the record (with
    `related` read along). StaleSaveError when its version moved on from
    `expected_version` (None skips the check)."""
    page_cache.bump([record.task_force_id])
    current = (
        # of=self: PostgreSQL locks no outer-joined row (a related row may be null).
        type(record)
        .objects.select_for_update(of=("self",))
        .select_related(*related)
        .get(pk=record.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise StaleSaveError(current)
    return current


# The bulk path (an import), in its own module; its names stay services'.
from assessments.core.bulk_status import (  # noqa: E402, F401
    BULK_BATCH_SIZE,
    BulkEditRefused,
    StatusEdit,
    milestone_statuses_update,
)
