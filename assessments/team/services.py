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

from assessments.common.people import person_name
from assessments.core.events import EventKind, event_build, event_record, events_record
from assessments.core.models import PartnerLink, TaskForce, hash_token
from assessments.roles import PROGRAM_MANAGERS_GROUP, is_signed_in_and_active
from assessments.team.models import Invitation, InvitationReplacedLink
from taskforce_site.mail import absolute_url, queue_templated_mail
from taskforce_site.security import log_event

User = get_user_model()


@dataclass(frozen=True)
class InviteOutcome:
    invitation: Invitation
    # "invited": an account without a password, its role and a link to choose
    # one; "offered": an existing account, asked to accept or decline. Only
    # for the security log: the inviter is told the same either way, so
    # inviting does not reveal whether an address has an account.
    kind: str


class InvitationUnusable(Exception):
    """The link no longer works: `state` is the invitation's (expired,
    accepted, declined, withdrawn), "replaced" for a link a resend replaced,
    or None for a token that names nothing."""

    def __init__(self, state: str | None, invitation: Invitation | None = None):
        super().__init__(state)
        self.state = state
        self.invitation = invitation


REPLACED = "replaced"


def _expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.INVITATION_DAYS)


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


def _revoke(invitation: Invitation) -> None:
    """Take back what `invitation` gave, except what another of the account's
    open invitations gives too: each inviter's withdrawal undoes only their
    own invitation."""
    account = invitation.user
    others = account.invitations.giving_access().exclude(pk=invitation.pk)
    kept = set(others.values_list("task_forces", flat=True))
    for task_force in invitation.task_forces.all():
        if task_force.pk not in kept:
            task_force.coordinators.remove(account)
    if (
        invitation.role == Invitation.Role.PROGRAM_MANAGER
        and not others.filter(role=Invitation.Role.PROGRAM_MANAGER).exists()
    ):
        account.groups.remove(Group.objects.get(name=PROGRAM_MANAGERS_GROUP))


def _what_it_gave(invitation: Invitation) -> str:
    """ "coordinate Lane County", "be a program manager": for the inviter."""
    if invitation.role == Invitation.Role.PROGRAM_MANAGER:
        return "be a program manager"
    names = sorted(task_force.name for task_force in invitation.task_forces.all())
    if not names:
        return "coordinate a task force"
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"coordinate {listed}"


def _accepted_event(invitation: Invitation, account: AbstractBaseUser):
    """The event telling whoever sent `invitation` that it was accepted."""
    return event_build(
        kind=EventKind.INVITATION_ACCEPTED,
        about=invitation,
        actor=account,
        person=invitation.invited_by,
        name=_what_it_gave(invitation),
        at=invitation.accepted_at,
        path=reverse("assessments:invitations"),
    )


def _check_inviter(invited_by: AbstractBaseUser, role: str, task_forces: list[TaskForce]) -> None:
    """Staff invite anyone; coordinators invite coordinators to their own task
    forces and nowhere else."""
    if invited_by.is_staff:
        return
    if role != Invitation.Role.COORDINATOR:
        raise PermissionDenied("Only staff invite program managers.")
    if not task_forces or any(not tf.can_edit(invited_by) for tf in task_forces):
        raise PermissionDenied("Coordinators invite only to their own task forces.")


def _send(invitation: Invitation, *, replacing: bool) -> None:
    """A new token (the previous link dies, and says it was replaced), a new
    expiry, and the e-mail: a link to choose a password, or, to an existing
    account, a link (behind login) to accept or decline. Names, dates and
    links only."""
    if replacing and not invitation.existing_account:
        InvitationReplacedLink.objects.create(
            invitation=invitation, token_hash=invitation.token_hash
        )
    token = PartnerLink.new_token()
    invitation.token_hash = hash_token(token)
    invitation.sent_at = timezone.now()
    invitation.expires_at = _expiry()
    invitation.save()
    context = {
        "invitation": invitation,
        "name": invitation.user.get_full_name(),
        "inviter": invitation.invited_by_name,
        # Whom to ask about it: the inviter's own address, or the program's
        # support address once that account is gone or has none.
        "inviter_email": (invitation.invited_by.email if invitation.invited_by else "")
        or settings.SUPPORT_EMAIL,
        "task_forces": list(invitation.task_forces.all()),
    }
    if invitation.existing_account:
        # The token is never sent: the answer page is the account's own, behind login.
        context["answer_url"] = absolute_url(
            reverse("assessments:invitation_answer", args=[invitation.pk])
        )
        template = "role_offered"
    else:
        context["accept_url"] = absolute_url(reverse("assessments:invitation_accept", args=[token]))
        template = "invitation"
    # Queued in the invitation's transaction: sent once it commits, retried
    # by the worker if the mail server refuses.
    queue_templated_mail(to=[invitation.email], template=template, context=context)


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
    # A password means someone already uses the account: they decide. Without
    # one, nobody can sign in to it but through a link or a password reset.
    existing = account.has_usable_password()
    invitation = Invitation(
        user=account,
        email=account.email,
        role=role,
        invited_by=invited_by,
        invited_by_name=person_name(invited_by),
        existing_account=existing,
        expires_at=_expiry(),
        # Replaced by _send before anything is sent; required to save, and
        # saved first since the e-mail to an existing account links by id.
        token_hash=hash_token(PartnerLink.new_token()),
    )
    invitation.save()
    invitation.task_forces.set(task_forces)
    if not existing:
        _grant(account, role, task_forces)
    _send(invitation, replacing=False)
    kind = "offered" if existing else "invited"
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
    _send(invitation, replacing=True)
    log_event("invitation.resent", request, user=by, invitation_id=invitation.pk)


@transaction.atomic
def invitation_withdraw(
    *, invitation: Invitation, by: AbstractBaseUser, request: HttpRequest | None = None
) -> None:
    """The link stops working and the account loses what the invitation gave
    it (an existing account was given nothing yet). The account stays
    (without a password), so the record says who was invited, and a later
    invitation reuses it."""
    # Locked: an accept of the same link waits, then finds it withdrawn.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_open(invitation)
    invitation.withdrawn_at = timezone.now()
    invitation.withdrawn_by = by
    # The token is kept, so its link can say "withdrawn" and who to ask.
    invitation.save()
    if not invitation.existing_account:
        _revoke(invitation)
    log_event("invitation.withdrawn", request, user=by, invitation_id=invitation.pk)


def invitation_for_token(token: str) -> Invitation:
    """The invitation whose link can still choose a password, else
    InvitationUnusable saying why not."""
    token_hash = hash_token(token)
    invitation = (
        Invitation.objects.select_related("user", "invited_by")
        .filter(token_hash=token_hash, existing_account=False)
        .first()
    )
    if invitation is None:
        replaced = (
            InvitationReplacedLink.objects.select_related("invitation__invited_by")
            .filter(token_hash=token_hash)
            .first()
        )
        if replaced is None:
            raise InvitationUnusable(None)
        raise InvitationUnusable(REPLACED, replaced.invitation)
    state = invitation.current_state
    if state != Invitation.State.PENDING:
        raise InvitationUnusable(state, invitation)
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, password: str, request: HttpRequest | None = None
) -> Invitation:
    """Set the password the link's holder chose and spend the link, or raise
    InvitationUnusable. The invitation's row is locked and its state read
    again in the transaction that sets the password: of several browsers
    using the link at once, or a browser and a withdrawal or resend, one
    wins, and the others find the link spent, withdrawn or replaced."""
    locked = (
        Invitation.objects.select_for_update()
        .filter(token_hash=hash_token(token), existing_account=False)
        .first()
    )
    if locked is None:
        invitation_for_token(token)  # raises: the link was replaced, or is not valid
        raise InvitationUnusable(None)
    state = locked.current_state
    if state != Invitation.State.PENDING:
        raise InvitationUnusable(state, locked)
    invitation = locked
    account = invitation.user
    account.set_password(password)
    account.save()
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    events_record([_accepted_event(invitation, account)])
    log_event("invitation.accepted", request, user=account, invitation_id=invitation.pk)
    return invitation


def invitation_to_answer(user: AbstractBaseUser, pk: int) -> Invitation | None:
    """The invitation `pk` if it asks `user`'s own existing account, else None."""
    if not is_signed_in_and_active(user):
        return None
    return (
        Invitation.objects.select_related("invited_by")
        .filter(pk=pk, user=user, existing_account=True)
        .first()
    )


@transaction.atomic
def invitation_answer(
    *,
    invitation: Invitation,
    user: AbstractBaseUser,
    accept: bool,
    request: HttpRequest | None = None,
) -> Invitation:
    """The invited account's own yes (it gets the role now) or no (nothing
    changes), once; InvitationUnusable if it was answered, withdrawn or has
    expired meanwhile."""
    invitation = Invitation.objects.select_for_update().get(
        pk=invitation.pk, user=user, existing_account=True
    )
    state = invitation.current_state
    if state != Invitation.State.PENDING:
        raise InvitationUnusable(state, invitation)
    if accept:
        invitation.accepted_at = timezone.now()
        _grant(user, invitation.role, list(invitation.task_forces.all()))
    else:
        invitation.declined_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "declined_at"])
    if accept:
        events_record([_accepted_event(invitation, user)])
    log_event(
        "invitation.accepted" if accept else "invitation.declined",
        request,
        user=user,
        invitation_id=invitation.pk,
    )
    return invitation


def invitations_accepted_by_sign_in(account: AbstractBaseUser) -> int:
    """Signing in at all (through the link, or after "Forgot your password?")
    accepts what an account without a password was invited to: those links
    then say they were used, and whoever sent them is told. An existing
    account's invitations wait for its answer."""
    now = timezone.now()
    accepted = list(
        account.invitations.giving_access()
        .select_related("invited_by")
        .prefetch_related("task_forces")
    )
    if not accepted:
        return 0
    with transaction.atomic():
        count = Invitation.objects.filter(pk__in=[i.pk for i in accepted]).update(accepted_at=now)
        for invitation in accepted:
            invitation.accepted_at = now
        events_record([_accepted_event(invitation, account) for invitation in accepted])
    return count


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
    if not task_force.coordinators.exists():
        event_record(
            kind=EventKind.NO_COORDINATOR,
            about=task_force,
            task_force=task_force,
            actor=by,
            person=account,
            # The task force's page: program managers read it (the team page
            # is for those who may edit).
            path=reverse("assessments:task_force", args=[task_force.slug]),
        )
    log_event(
        "team.coordinator_removed",
        request,
        user=by,
        task_force=task_force.slug,
        removed_user_id=account.pk,
        removed_username=account.get_username(),
    )
