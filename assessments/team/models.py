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
        """Neither accepted nor withdrawn; expired ones included, since they
        can still be resent."""
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True)

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
    program. The account exists (without a password) and has its role from
    the moment of inviting; the link lets its holder choose a password.

    Only a hash of the link's token is stored; resending makes a new token,
    so the old link stops working.
    """

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", "Coordinator of task forces"
        PROGRAM_MANAGER = "program_manager", "Program manager (reads every task force)"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        EXPIRED = "expired", "Expired"
        ACCEPTED = "accepted", "Accepted"
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
    # The person already had an account: it was given the role, no link sent.
    existing_account = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
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
            # A second invitation to the same person extends the open one.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(accepted_at__isnull=True, withdrawn_at__isnull=True),
                name="one_open_invitation_per_user",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(withdrawn_at__isnull=True),
                name="invitation_not_accepted_and_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    def state(self, now: datetime.datetime | None = None) -> str:
        if self.accepted_at is not None:
            return self.State.ACCEPTED
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
        return self.accepted_at is None and self.withdrawn_at is None
