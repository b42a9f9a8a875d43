"""Writes to the partner register. Every change to a partner agency goes
through here (register page, Django admin, demo data, and imports), so
validation, the history and the revision bump happen the same way."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from assessments.common.stale import StaleSaveError
from assessments.core import page_cache
from assessments.core.models import TaskForce
from assessments.register.models import (
    MouStatus,
    PartnerAgency,
    PartnershipType,
    RegisterChange,
    Sector,
)

DUPLICATE_NAME_MESSAGE = "This task force already has an agency by that name."


def history_value(value):
    """A value as the register history keeps it: a sector by its name (still
    readable after the sector is renamed), a date in ISO 8601."""
    if isinstance(value, Sector):
        return value.name
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def added_changes(values: dict) -> dict:
    """The history's {"field": [None, new]} for an agency being added: the
    fields given a value."""
    return {
        field: [None, history_value(value)]
        for field, value in values.items()
        if value not in (None, "", False)
    }


def change_action(*, old_left_on, new_left_on) -> str:
    """Setting a day where there was none is the agency leaving."""
    if old_left_on is None and new_left_on is not None:
        return RegisterChange.Action.LEFT
    return RegisterChange.Action.UPDATED


def _tracked(agency: PartnerAgency) -> dict:
    return {field: getattr(agency, field) for field in RegisterChange.TRACKED_FIELDS}


def _validate(agency: PartnerAgency, *, today: datetime.date) -> None:
    """The model's own checks (fields, choices, the constraints' messages,
    the case-insensitive unique name), plus what only a form can say."""
    errors: dict[str, list[str]] = {}
    if agency.left_on is not None and agency.left_on > today:
        errors.setdefault("left_on", []).append(
            "Enter the day the agency left: today or an earlier day."
        )
    try:
        agency.full_clean(exclude=["task_force", "version", "updated_by"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def history_record(
    agency: PartnerAgency,
    *,
    action: str,
    changes: dict,
    user: AbstractBaseUser | None,
    now: datetime.datetime,
    source: str,
) -> RegisterChange:
    """The (unsaved) history record of one change: saved alone here, in bulk
    by the register import."""
    return RegisterChange(
        task_force_id=agency.task_force_id,
        agency=agency,
        agency_name=agency.name,
        action=action,
        changes=changes,
        changed_by=user,
        changed_by_name=user.get_username() if user is not None else "",
        changed_at=now,
        source=source,
    )


def _history(agency: PartnerAgency, **kwargs) -> None:
    history_record(agency, **kwargs).save(force_insert=True)


def partner_agency_create(
    *,
    task_force: TaskForce,
    name: str,
    sector: Sector,
    partnership_type: str = PartnershipType.REFERRAL,
    mou_status: str = MouStatus.NONE,
    mou_signed_on: datetime.date | None = None,
    mou_renews_on: datetime.date | None = None,
    mou_covers_data_sharing: bool = False,
    left_on: datetime.date | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    shown_to_partners: bool = False,
    user: AbstractBaseUser | None,
    source: str = RegisterChange.Source.FORM,
    at: datetime.datetime | None = None,
) -> PartnerAgency:
    """Add an agency to `task_force`'s register, with its history record.
    Raises ValidationError (by field), saving nothing, for invalid values or
    a name the task force already has in any case."""
    now = at or timezone.now()
    agency = PartnerAgency(
        task_force=task_force,
        name=name.strip(),
        sector=sector,
        partnership_type=partnership_type,
        mou_status=mou_status,
        mou_signed_on=mou_signed_on,
        mou_renews_on=mou_renews_on,
        mou_covers_data_sharing=mou_covers_data_sharing,
        left_on=left_on,
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
        contact_phone=contact_phone.strip(),
        shown_to_partners=shown_to_partners,
        version=1,
        created_at=now,
        updated_at=now,
        updated_by=user,
    )
    _validate(agency, today=timezone.localdate(now))
    try:
        with transaction.atomic():
            page_cache.bump([task_force.pk])  # the task force's row first: lock order
            agency.save(force_insert=True)
            _history(
                agency,
                action=RegisterChange.Action.CREATED,
                changes=added_changes(_tracked(agency)),
                user=user,
                now=now,
                source=source,
            )
    except IntegrityError as error:
        # The same name added by someone else since the check above.
        if PartnerAgency.objects.filter(task_force=task_force, name__iexact=agency.name).exists():
            raise ValidationError({"name": [DUPLICATE_NAME_MESSAGE]}) from error
        raise
    return agency


def partner_agency_update(
    *,
    agency: PartnerAgency,
    name: str,
    sector: Sector,
    partnership_type: str,
    mou_status: str,
    mou_signed_on: datetime.date | None,
    mou_renews_on: datetime.date | None,
    mou_covers_data_sharing: bool,
    left_on: datetime.date | None,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    shown_to_partners: bool,
    user: AbstractBaseUser | None,
    expected_version: int | None,
    source: str = RegisterChange.Source.FORM,
    at: datetime.datetime | None = None,
) -> PartnerAgency:
    """Set every field of `agency` (as an edit form has them all). Refuses
    with StaleSaveError when the agency moved on from `expected_version`
    (None skips the check), and with ValidationError for invalid values;
    either way nothing is saved. A save that changes nothing records nothing.
    Setting `left_on` where there was none is recorded as the agency leaving."""
    return _update(
        agency,
        {
            "name": name.strip(),
            "sector": sector,
            "partnership_type": partnership_type,
            "mou_status": mou_status,
            "mou_signed_on": mou_signed_on,
            "mou_renews_on": mou_renews_on,
            "mou_covers_data_sharing": mou_covers_data_sharing,
            "left_on": left_on,
            "contact_name": contact_name.strip(),
            "contact_email": contact_email.strip(),
            "contact_phone": contact_phone.strip(),
            "shown_to_partners": shown_to_partners,
        },
        user=user,
        expected_version=expected_version,
        source=source,
        now=at or timezone.now(),
    )


def partner_agency_leave(
    *,
    agency: PartnerAgency,
    left_on: datetime.date,
    user: AbstractBaseUser | None,
    expected_version: int | None,
    source: str = RegisterChange.Source.FORM,
    at: datetime.datetime | None = None,
) -> PartnerAgency:
    """Record that `agency` left the task force on `left_on`. It stays in the
    register (and the history), no longer counted among the partners."""
    if agency.left_on is not None:
        day = agency.left_on
        message = f"{agency.name} already left on {date_format(day)}."
        raise ValidationError({"left_on": [message]})
    return _update(
        agency,
        {"left_on": left_on},
        user=user,
        expected_version=expected_version,
        source=source,
        now=at or timezone.now(),
    )


def _update(
    agency: PartnerAgency,
    values: dict,
    *,
    user: AbstractBaseUser | None,
    expected_version: int | None,
    source: str,
    now: datetime.datetime,
) -> PartnerAgency:
    with transaction.atomic():
        # Lock order, as for statuses: the task force's row first. Writers
        # to one task force's register then queue, so the version read next
        # cannot move before this transaction ends.
        page_cache.bump([agency.task_force_id])
        current = (
            PartnerAgency.objects.select_related("sector", "updated_by", "task_force")
            .filter(pk=agency.pk)
            .first()
        )
        if current is None:
            raise ValidationError("This agency is no longer in the register.")
        if expected_version is not None and current.version != expected_version:
            raise StaleSaveError(current)
        old = _tracked(current)
        for field, value in values.items():
            setattr(current, field, value)
        _validate(current, today=timezone.localdate(now))
        new = _tracked(current)
        changes = {
            field: [history_value(old[field]), history_value(new[field])]
            for field in RegisterChange.TRACKED_FIELDS
            if old[field] != new[field]
        }
        if not changes:
            transaction.set_rollback(True)  # not even the revision moves
            return current
        try:
            with transaction.atomic():
                updated = PartnerAgency.objects.filter(
                    pk=current.pk, version=current.version
                ).update(
                    **{field: getattr(current, field) for field in values},
                    updated_by=user,
                    updated_at=now,
                    version=F("version") + 1,
                )
        except IntegrityError as error:
            raise ValidationError({"name": [DUPLICATE_NAME_MESSAGE]}) from error
        if updated != 1:
            raise StaleSaveError(PartnerAgency.objects.get(pk=current.pk))
        current.version += 1
        current.updated_by, current.updated_at = user, now
        _history(
            current,
            action=change_action(old_left_on=old["left_on"], new_left_on=new["left_on"]),
            changes=changes,
            user=user,
            now=now,
            source=source,
        )
    return current
