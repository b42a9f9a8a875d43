"""Inviting people, and taking coordinators off a task force.

Every write here goes through one of these functions, each in one
transaction with the e-mail it sends: when the mail server refuses, nothing
is saved and the caller shows why.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from assessments.core.models import PartnerLink, TaskForce, hash_token
from assessments.roles import PROGRAM_MANAGERS_GROUP, is_signed_in_and_active
from assessments.team.models import Invitation
from taskforce_site.mail import absolute_url, send_templated_mail
from taskforce_site.security import log_event

User = get_user_model()


@dataclass(frozen=True)
class InviteOutcome:
    invitation: Invitation
    # "invited": a new account and a link; "extended": an open invitation now
    # covers more and was sent again; "added": an existing account got the role.
    kind: str


def _expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.INVITATION_DAYS)


def _display_name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def _new_username(email: str) -> str:
    """The e-mail address, which the invitee knows; numbered if taken."""
    base = email.lower()[:140]
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def _account_for(*, email: str, first_name: str, last_name: str) -> tuple[AbstractBaseUser, bool]:
    """The one account for `email`, made (without a password) if none exists."""
    accounts = list(User.objects.filter(email__iexact=email)[:2])
    if len(accounts) > 1:
        raise ValidationError(
            {
                "email": "More than one account uses this address. An administrator must "
                "fix that in the admin (Users) before inviting it."
            }
        )
    if accounts:
        account = accounts[0]
        if not account.is_active:
            raise ValidationError(
                {
                    "email": "The account for this address is deactivated. An administrator "
                    "can reactivate it in the admin (Users)."
                }
            )
        return account, False
    account = User(
        username=_new_username(email), email=email, first_name=first_name, last_name=last_name
    )
    account.set_unusable_password()
    account.full_clean(exclude=["password"])
    account.save()
    return account, True


def _grant(account: AbstractBaseUser, role: str, task_forces: list[TaskForce]) -> None:
    for task_force in task_forces:
        task_force.coordinators.add(account)
    if role == Invitation.Role.PROGRAM_MANAGER:
        account.groups.add(Group.objects.get(name=PROGRAM_MANAGERS_GROUP))


def _check_inviter(invited_by: AbstractBaseUser, role: str, task_forces: list[TaskForce]) -> None:
    """Staff invite anyone; coordinators invite coordinators to their own task
    forces and nowhere else."""
    if invited_by.is_staff:
        return
    if role != Invitation.Role.COORDINATOR:
        raise PermissionDenied("Only staff invite program managers.")
    if not task_forces or any(not tf.can_edit(invited_by) for tf in task_forces):
        raise PermissionDenied("Coordinators invite only to their own task forces.")


def _send_link(invitation: Invitation) -> None:
    """A new token (the previous link dies), a new expiry, and the e-mail."""
    token = PartnerLink.new_token()
    invitation.token_hash = hash_token(token)
    invitation.sent_at = timezone.now()
    invitation.expires_at = _expiry()
    invitation.save()
    send_templated_mail(
        to=[invitation.email],
        template="invitation",
        context={
            "invitation": invitation,
            "name": invitation.user.get_full_name(),
            "inviter": invitation.invited_by_name,
            "task_forces": list(invitation.task_forces.all()),
            "accept_url": absolute_url(reverse("assessments:invitation_accept", args=[token])),
        },
    )


@transaction.atomic
def invitation_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    task_forces: list[TaskForce],
    invited_by: AbstractBaseUser,
    request: HttpRequest | None = None,
) -> InviteOutcome:
    email = email.strip()
    if role == Invitation.Role.COORDINATOR and not task_forces:
        raise ValidationError({"task_forces": "Choose at least one task force."})
    _check_inviter(invited_by, role, task_forces)
    account, created = _account_for(email=email, first_name=first_name, last_name=last_name)
    _grant(account, role, task_forces)

    if account.has_usable_password():
        # Attach the account that exists instead of making a second one. A
        # password chosen through "Forgot your password?" answers any open
        # invitation.
        invitations_accepted_by_sign_in(account)
        invitation = Invitation.objects.create(
            user=account,
            email=account.email,
            role=role,
            invited_by=invited_by,
            invited_by_name=_display_name(invited_by),
            existing_account=True,
            expires_at=timezone.now(),
            accepted_at=timezone.now(),
            token_hash=hash_token(PartnerLink.new_token()),
        )
        invitation.task_forces.set(task_forces)
        send_templated_mail(
            to=[account.email],
            template="role_added",
            context={
                "name": account.get_full_name(),
                "inviter": invitation.invited_by_name,
                "invitation": invitation,
                "task_forces": task_forces,
                "login_url": absolute_url(reverse("login")),
            },
        )
        kind = "added"
    else:
        invitation = account.invitations.open().select_for_update().first()
        kind = "extended" if invitation else "invited"
        if invitation is None:
            invitation = Invitation(
                user=account, email=account.email, invited_by=invited_by, expires_at=_expiry()
            )
        invitation.invited_by = invited_by
        invitation.invited_by_name = _display_name(invited_by)
        if role == Invitation.Role.PROGRAM_MANAGER:
            invitation.role = role
        # A token hash is required before the first save; _send_link replaces it.
        invitation.token_hash = invitation.token_hash or hash_token(PartnerLink.new_token())
        invitation.save()
        invitation.task_forces.add(*task_forces)
        _send_link(invitation)
    log_event(
        "invitation.created",
        request,
        user=invited_by,
        invitation_id=invitation.pk,
        invitee_user_id=account.pk,
        role=role,
        task_forces=[tf.slug for tf in task_forces],
        outcome=kind,
        account_created=created,
    )
    return InviteOutcome(invitation=invitation, kind=kind)


def can_manage_invitation(user: AbstractBaseUser, invitation: Invitation) -> bool:
    """Staff manage every invitation; a coordinator those whose task forces
    are all their own."""
    if not is_signed_in_and_active(user):
        return False
    if user.is_staff:
        return True
    task_forces = list(invitation.task_forces.all())
    return (
        invitation.role == Invitation.Role.COORDINATOR
        and bool(task_forces)
        and all(tf.can_edit(user) for tf in task_forces)
    )


def _require_open(invitation: Invitation) -> None:
    if not invitation.is_open:
        raise ValidationError(
            f"This invitation was already {invitation.current_state}; nothing was changed."
        )


@transaction.atomic
def invitation_resend(
    *, invitation: Invitation, by: AbstractBaseUser, request: HttpRequest | None = None
) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_open(invitation)
    _send_link(invitation)
    log_event("invitation.resent", request, user=by, invitation_id=invitation.pk)


@transaction.atomic
def invitation_withdraw(
    *, invitation: Invitation, by: AbstractBaseUser, request: HttpRequest | None = None
) -> None:
    """The link stops working and the account loses what the invitation gave
    it. The account stays (without a password), so the record says who was
    invited, and a later invitation reuses it."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_open(invitation)
    invitation.withdrawn_at = timezone.now()
    invitation.withdrawn_by = by
    # The token is kept, so its link can say "withdrawn" and who to ask.
    invitation.save()
    account = invitation.user
    for task_force in invitation.task_forces.all():
        task_force.coordinators.remove(account)
    if invitation.role == Invitation.Role.PROGRAM_MANAGER:
        account.groups.remove(Group.objects.get(name=PROGRAM_MANAGERS_GROUP))
    log_event("invitation.withdrawn", request, user=by, invitation_id=invitation.pk)


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("user", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def invitations_accepted_by_sign_in(account: AbstractBaseUser) -> int:
    """Signing in at all (through the link, or after "Forgot your password?")
    is accepting: the open invitation's link then says it was used."""
    return account.invitations.open().update(accepted_at=timezone.now())


@transaction.atomic
def coordinator_remove(
    *,
    task_force: TaskForce,
    account: AbstractBaseUser,
    by: AbstractBaseUser,
    request: HttpRequest | None = None,
) -> None:
    """Take `account` off `task_force`: one action, in the security log. An
    open invitation then no longer covers the task force, and is withdrawn
    when it covers nothing else."""
    if not task_force.coordinators.filter(pk=account.pk).exists():
        raise ValidationError("That person is not a coordinator of this task force.")
    task_force.coordinators.remove(account)
    for invitation in account.invitations.open().select_for_update():
        invitation.task_forces.remove(task_force)
        if invitation.role == Invitation.Role.COORDINATOR and not invitation.task_forces.exists():
            invitation.withdrawn_at = timezone.now()
            invitation.withdrawn_by = by
            invitation.save()
    log_event(
        "team.coordinator_removed",
        request,
        user=by,
        task_force=task_force.slug,
        removed_user_id=account.pk,
        removed_username=account.get_username(),
    )
