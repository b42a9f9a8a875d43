"""Task forces and where each stands on every milestone of the guidance."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from stages.models import Milestone

NOTES_MAX_LENGTH = 2000


class Area(models.Model):
    """A county or a Tribal Nation that a task force serves."""

    class Kind(models.TextChoices):
        COUNTY = "county", "County"
        TRIBAL_NATION = "tribal_nation", "Tribal Nation"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COUNTY)
    name = models.CharField(max_length=200)
    state = models.CharField(max_length=2, blank=True, help_text="Two-letter postal code, e.g. OR.")

    class Meta:
        ordering = ["state", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "state", "name"], name="unique_area_per_state"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.state}" if self.state else self.name


READ_ALL_PERMISSION = "assessments.view_all_task_forces"
PROGRAM_MANAGERS_GROUP = "Program managers"


def can_read_all_task_forces(user) -> bool:
    """Staff and program managers read every task force; coordinators too
    when COORDINATORS_CAN_READ_ALL_TASK_FORCES is on."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.has_perm(READ_ALL_PERMISSION):
        return True
    return settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES and user.coordinated_task_forces.exists()


class TaskForceQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskForceQuerySet:
        """The task forces `user` may read: the one rule for reading.

        Deny by default: anonymous and inactive users see none; staff and
        program managers see all; coordinators see their own.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if can_read_all_task_forces(user):
            return self.all()
        return self.filter(coordinators=user)


class TaskForce(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    region = models.CharField(max_length=100, blank=True)
    areas = models.ManyToManyField(
        Area,
        blank=True,
        related_name="task_forces",
        verbose_name="counties and Tribal Nations served",
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="coordinated_task_forces"
    )

    objects = TaskForceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_all_task_forces", "Can read every task force (program manager)"),
        ]

    def __str__(self) -> str:
        return self.name

    def can_edit(self, user) -> bool:
        """The one rule for who may change this task force's statuses and links:
        its own coordinators and staff. Program managers only read."""
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_staff:
            return True
        return self.coordinators.filter(pk=user.pk).exists()


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    PLANNING = "planning", "Planning"
    IN_PROGRESS = "in_progress", "In progress"
    ACHIEVED = "achieved", "Achieved"
    # Achieved once but no longer holds (funding ended, an MOU lapsed).
    LAPSED = "lapsed", "Lapsed"


class MilestoneStatus(models.Model):
    """Where one task force stands on one milestone. No row means not started."""

    Status = Status

    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="statuses")
    # PROTECT: a milestone with recorded history is retired, never deleted.
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="statuses")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    notes = models.TextField(
        blank=True,
        max_length=NOTES_MAX_LENGTH,
        # TextField's max_length only reaches forms; this holds it for every write.
        validators=[MaxLengthValidator(NOTES_MAX_LENGTH)],
        help_text="Internal to the task force; never shown on the partner page.",
    )
    lead_partner = models.CharField(
        max_length=200, blank=True, help_text="The member agency leading this work."
    )
    target_date = models.DateField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "milestone statuses"
        ordering = ["task_force", "milestone"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_force", "milestone"],
                name="one_status_per_task_force_and_milestone",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in Status]),
                name="milestone_status_known_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_force}: {self.milestone} ({self.get_status_display()})"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PartnerLinkQuerySet(models.QuerySet):
    def usable(self) -> PartnerLinkQuerySet:
        today = timezone.localdate()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        )

    def find(self, token: str) -> PartnerLink | None:
        """The usable link for a token from a URL, or None."""
        return (
            self.usable().select_related("task_force").filter(token_hash=hash_token(token)).first()
        )


class PartnerLink(models.Model):
    """A read-only link to one task force's progress, for member agencies.

    Only a hash of the token is stored: the full link is shown once, when it
    is created, and a leaked database does not hand out working links.
    """

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, related_name="partner_links"
    )
    label = models.CharField(
        max_length=100, help_text="Who the link is for, e.g. 'County Health Department'."
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField(
        null=True, blank=True, help_text="Optional: the link stops working after this day."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    use_count = models.PositiveIntegerField(default=0)

    objects = PartnerLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.task_force}: {self.label}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_on is None or self.expires_on >= timezone.localdate()
