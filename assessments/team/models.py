"""Invitations to coordinate a task force."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from assessments.core.models import TaskForce
from assessments.roles import is_signed_in_and_active


class InvitationQuerySet(models.QuerySet):
    def open(self) -> InvitationQuerySet:
        """Not answered (accepted or declined) nor withdrawn; expired ones
        included, since they can still be resent."""
        return self.filter(
            accepted_at__isnull=True, declined_at__isnull=True, withdrawn_at__isnull=True
        )

    def closed(self) -> InvitationQuerySet:
        return self.exclude(
            accepted_at__isnull=True, declined_at__isnull=True, withdrawn_at__isnull=True
        )

    def giving_access(self) -> InvitationQuerySet:
        """Open invitations of accounts made by inviting: those give their
        role from the moment of inviting, until withdrawn."""
        return self.open().filter(existing_account=False)

    def visible_to(self, user) -> InvitationQuerySet:
        """Staff see every invitation; coordinators those to their own task
        forces; everyone else none."""
        if not is_signed_in_and_active(user):
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(task_forces__coordinators=user).distinct()

    def for_list(self) -> InvitationQuerySet:
        return self.select_related("user", "invited_by").prefetch_related("task_forces")


class Invitation(models.Model):
    """An e-mail asking someone to coordinate task forces or to manage the
    program. For a new address the account exists (without a password) and
    has its role from the moment of inviting; the link lets its holder choose
    a password. An account that already has a password gets the role only
    when its holder, signed in, accepts (`existing_account`).

    Each inviter's invitation stays their own: inviting an address again
    makes another invitation, never changes an open one.

    Only a hash of the link's token is stored; resending makes a new token,
    so the old link stops working (and says so, InvitationReplacedLink).
    """

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", "Coordinator of task forces"
        PROGRAM_MANAGER = "program_manager", "Program manager (reads every task force)"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        EXPIRED = "expired", "Expired"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.COORDINATOR)
    task_forces = models.ManyToManyField(TaskForce, blank=True, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as text too, so the list still says who after an account is deleted.
    invited_by_name = models.CharField(max_length=150, blank=True)
    # The person already had an account with a password: the e-mail asks them
    # to accept or decline, signed in; the role waits for their answer.
    existing_account = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            # Closed once: accepted, declined or withdrawn, at most one of them.
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True, declined_at__isnull=True)
                | Q(accepted_at__isnull=True, withdrawn_at__isnull=True)
                | Q(declined_at__isnull=True, withdrawn_at__isnull=True),
                name="invitation_closed_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    def state(self, now: datetime.datetime | None = None) -> str:
        if self.accepted_at is not None:
            return self.State.ACCEPTED
        if self.declined_at is not None:
            return self.State.DECLINED
        if self.withdrawn_at is not None:
            return self.State.WITHDRAWN
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.PENDING

    @property
    def current_state(self) -> str:
        return self.state()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.declined_at is None and self.withdrawn_at is None


class InvitationReplacedLink(models.Model):
    """The hash of a link a resend replaced, so that link can say "replaced:
    use the newest e-mail" rather than "not valid"."""

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="replaced_links"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    replaced_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Replaced link of {self.invitation}"
