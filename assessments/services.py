"""Writes. Every change to a status or a partner link goes through here, so
validation and bookkeeping (who, when) happen the same way from the form, the
demo seeder and, later, imports."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from assessments import page_cache
from assessments.models import (
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


def person_name(user: AbstractBaseUser | None) -> str:
    """What pages and messages call a person: their full name, else their username."""
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()


class StaleStatusError(Exception):
    """Someone saved this status after the editor loaded it. Carries the
    current record so the editor can be shown who changed what, and when."""

    def __init__(self, current: MilestoneStatus | None):
        self.current = current
        super().__init__("The status was changed by someone else.")

    def saved_by(self, viewer: AbstractBaseUser | None) -> str:
        """Who saved the newer version, and when, as the viewer reads it: "You
        saved this in another window at 14:05" when it was the viewer."""
        current = self.current
        when = (
            f" at {timezone.localtime(current.updated_at):%H:%M}"
            if current is not None and current.updated_at
            else ""
        )
        who = current.updated_by if current is not None else None
        if who is not None and viewer is not None and who.pk == viewer.pk:
            return f"You saved this in another window{when}"
        return f"{person_name(who) if who is not None else 'Someone'} saved this{when}"


def _jsonable(value):
    if isinstance(value, datetime.date):  # dates and datetimes
        return value.isoformat()
    return value


@transaction.atomic
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
    was no record yet); if the record has moved on since, StaleStatusError is
    raised and nothing is saved. None skips the check (no editor involved).
    Raises ValidationError, saving nothing, for a retired milestone or an
    invalid value. A save that changes nothing writes no history.
    """
    if not milestone.is_active:
        raise ValidationError(RETIRED_MILESTONE_MESSAGE, code="retired")
    now = at or timezone.now()
    current = (
        MilestoneStatus.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .filter(task_force=task_force, milestone=milestone)
        .first()
    )
    if expected_version is not None and (current.version if current else 0) != expected_version:
        raise StaleStatusError(current)
    record = current or MilestoneStatus(
        task_force=task_force, milestone=milestone, status_since=now
    )
    old = {field: getattr(record, field) for field in StatusChange.TRACKED_FIELDS}
    old_status = record.status if current else Status.NOT_STARTED
    record.status = status
    record.notes = notes
    record.lead_partner = lead_partner
    record.target_date = target_date
    record.full_clean(exclude=["version"])
    changes = {
        field: [_jsonable(old[field]), _jsonable(getattr(record, field))]
        for field in StatusChange.TRACKED_FIELDS
        if old[field] != getattr(record, field)
    }
    if not changes:
        return current or record  # nothing to save, nothing to record
    if status != old_status:
        record.status_since = now
        if status == Status.ACHIEVED:
            record.confirmed_at, record.confirmed_by = now, user
    record.updated_by = user
    record.updated_at = now
    if current is None:
        record.version = 1
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            # Another editor created the record between our read and write.
            raise StaleStatusError(
                MilestoneStatus.objects.filter(task_force=task_force, milestone=milestone).first()
            ) from None
    else:
        # Conditional update: only if nobody saved since we read the row. The
        # row lock above already serialises writers on PostgreSQL; this also
        # holds where SELECT ... FOR UPDATE is a no-op (SQLite).
        updated = MilestoneStatus.objects.filter(pk=record.pk, version=record.version).update(
            status=record.status,
            notes=record.notes,
            lead_partner=record.lead_partner,
            target_date=record.target_date,
            status_since=record.status_since,
            confirmed_at=record.confirmed_at,
            confirmed_by=record.confirmed_by,
            updated_by=user,
            updated_at=now,
            version=F("version") + 1,
        )
        if updated != 1:
            raise StaleStatusError(MilestoneStatus.objects.filter(pk=record.pk).first())
        record.version += 1
    page_cache.bump([task_force.pk])
    StatusChange.objects.create(
        task_force=task_force,
        milestone=milestone,
        old_status=old_status,
        new_status=status,
        changes=changes,
        changed_by=user,
        changed_by_name=user.get_username() if user is not None else "",
        changed_at=now,
        source=source,
    )
    return record


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
    record = (
        MilestoneStatus.objects.select_for_update(of=("self",))
        .filter(task_force=task_force, milestone=milestone, status=Status.ACHIEVED)
        .first()
    )
    if record is None:
        raise ValidationError("Only an achieved milestone can be confirmed.", code="not_achieved")
    previous = record.confirmed_at
    MilestoneStatus.objects.filter(pk=record.pk).update(
        confirmed_at=now, confirmed_by=user, version=F("version") + 1
    )
    page_cache.bump([task_force.pk])
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
    user: AbstractBaseUser | None,
) -> tuple[PartnerLink, str]:
    """Create a link and return it with its token. The token is not stored,
    only its hash: the caller shows it once."""
    token = PartnerLink.new_token()
    link = PartnerLink(
        task_force=task_force,
        label=label,
        expires_on=expires_on,
        token_hash=hash_token(token),
        created_by=user,
    )
    link.full_clean()
    link.save()
    return link, token


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
