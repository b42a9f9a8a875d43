"""Writes. Every change to a status or a partner link goes through here, so
validation and bookkeeping (who, when) happen the same way from the form, the
demo seeder and, later, imports."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments.models import MilestoneStatus, PartnerLink, TaskForce, hash_token
from stages.models import Milestone

RETIRED_MILESTONE_MESSAGE = (
    "This milestone has been retired by an administrator and no longer takes "
    "updates. Its recorded status is kept."
)


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
) -> MilestoneStatus:
    """Set where `task_force` stands on `milestone`. Raises ValidationError
    (and saves nothing) for a retired milestone or any invalid value."""
    if not milestone.is_active:
        raise ValidationError(RETIRED_MILESTONE_MESSAGE, code="retired")
    record = (
        MilestoneStatus.objects.select_for_update()
        .filter(task_force=task_force, milestone=milestone)
        .first()
    ) or MilestoneStatus(task_force=task_force, milestone=milestone)
    record.status = status
    record.notes = notes
    record.lead_partner = lead_partner
    record.target_date = target_date
    record.updated_by = user
    record.updated_at = timezone.now()
    record.full_clean()
    record.save()
    return record


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


def partner_link_record_use(*, link: PartnerLink) -> None:
    # One UPDATE with F(): concurrent partner views each count.
    PartnerLink.objects.filter(pk=link.pk).update(
        use_count=F("use_count") + 1, last_used_at=timezone.now()
    )
