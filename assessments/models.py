"""Task forces and where each stands on every milestone of the guidance."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
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
    # Census FIPS code of a county: 2 digits of state, 3 of county ("41039").
    fips = models.CharField(
        "FIPS code",
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{5}$", "A county FIPS code is five digits.")],
    )

    class Meta:
        ordering = ["state", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "state", "name"], name="unique_area_per_state"),
            models.UniqueConstraint(
                fields=["fips"], condition=~Q(fips=""), name="unique_area_fips"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.state}" if self.state else self.name


READ_ALL_PERMISSION = "assessments.view_all_task_forces"
PROGRAM_MANAGERS_GROUP = "Program managers"


def is_signed_in_and_active(user) -> bool:
    """The guard in front of every access rule: anonymous and deactivated
    accounts get nothing, whatever else they hold."""
    return user.is_authenticated and user.is_active


def is_staff_or_program_manager(user) -> bool:
    """Who reads every task force by role (and so must use two-factor sign-in)."""
    return user.is_staff or user.has_perm(READ_ALL_PERMISSION)


def can_read_all_task_forces(user) -> bool:
    """Staff and program managers read every task force; coordinators too
    when COORDINATORS_CAN_READ_ALL_TASK_FORCES is on."""
    if not is_signed_in_and_active(user):
        return False
    if is_staff_or_program_manager(user):
        return True
    return settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES and user.coordinated_task_forces.exists()


def edits_some_task_force(user) -> bool:
    """Staff, or a coordinator of at least one task force: who may import
    statuses (each row is then checked against TaskForce.can_edit) and invite
    (to the task forces they may edit)."""
    if not is_signed_in_and_active(user):
        return False
    return user.is_staff or user.coordinated_task_forces.exists()


can_import_statuses = edits_some_task_force


class TaskForceQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskForceQuerySet:
        """The task forces `user` may read: the one rule for reading.

        Deny by default: anonymous and inactive users see none; staff and
        program managers see all; coordinators see their own.
        """
        if not is_signed_in_and_active(user):
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
    # Goes up with every change to what the task force's pages show; cached
    # page parts are keyed on it (assessments/page_cache.py), so every app
    # server sees a change at once without sharing a cache.
    revision = models.PositiveIntegerField(default=0, editable=False)

    objects = TaskForceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_all_task_forces", "Can read every task force (program manager)"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Incremented in SQL, never written from memory: a stale instance
        # (an admin form opened before a status change) must not put the
        # revision back to a value whose cached pages are out of date.
        if not self._state.adding:
            self.revision = F("revision") + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                # A partial save changes what the pages show too.
                kwargs["update_fields"] = {*update_fields, "revision"}
        super().save(*args, **kwargs)
        if not isinstance(self.revision, int):
            self.refresh_from_db(fields=["revision"])

    def team(self) -> list:
        """Its coordinators, by name: who to contact, for its own team and staff."""
        return list(self.coordinators.order_by("first_name", "last_name", "username"))

    def can_edit(self, user) -> bool:
        """The one rule for who may change this task force's statuses and links:
        its own coordinators and staff. Program managers only read."""
        if not is_signed_in_and_active(user):
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

    @property
    def letter(self) -> str:
        """One letter, so the matrix reads without colour and in greyscale."""
        return _STATUS_MARKS[self.value][0]

    @property
    def symbol(self) -> str:
        """A symbol beside the colour, so a badge reads without colour vision
        and in greyscale print."""
        return _STATUS_MARKS[self.value][1]


# (letter, symbol) of each status: see Status.letter and Status.symbol.
_STATUS_MARKS = {
    "not_started": ("–", "○"),
    "planning": ("P", "◔"),
    "in_progress": ("I", "◑"),
    "achieved": ("A", "✔"),
    "lapsed": ("L", "✖"),
}


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
    # When the status itself last changed ("achieved since 12 March 2026");
    # edits to notes or dates leave it alone.
    status_since = models.DateTimeField(default=timezone.now)
    # Optimistic locking: every save increments it, and a save based on an
    # older version is refused (see services.milestone_status_update).
    version = models.PositiveIntegerField(default=0)
    # When someone last said an achieved milestone still holds (set when it
    # is achieved, and by "Confirm"); a year later it is due for review.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

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

    def is_overdue(self, today: datetime.date) -> bool:
        """Past its target date and not achieved."""
        return (
            self.target_date is not None
            and self.status != Status.ACHIEVED
            and self.target_date < today
        )

    @property
    def overdue_today(self) -> bool:
        return self.is_overdue(timezone.localdate())

    def review_due(self, today: datetime.date) -> bool:
        """An achieved milestone not confirmed for REVIEW_AFTER_DAYS days."""
        if self.status != Status.ACHIEVED:
            return False
        confirmed = timezone.localdate(self.confirmed_at or self.status_since)
        return (today - confirmed).days >= settings.REVIEW_AFTER_DAYS


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PartnerLinkQuerySet(models.QuerySet):
    def for_token(self, token: str) -> PartnerLink | None:
        """The usable link a URL's token opens, with its task force: the one
        read of a partner page view, whose body is cached. Looked up on the
        unique hash alone; revocation and expiry are is_usable's rule."""
        try:
            link = self.select_related("task_force").get(token_hash=hash_token(token))
        except self.model.DoesNotExist:
            return None
        return link if link.is_usable else None


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
    use_count = models.PositiveIntegerField(
        "visits", default=0, help_text="Views at least a minute apart (see VISIT_GAP)."
    )

    VISIT_GAP = datetime.timedelta(minutes=1)

    objects = PartnerLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.task_force}: {self.label}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def visited_recently(self) -> bool:
        """Viewed less than VISIT_GAP ago: a view now is not a new visit."""
        return self.last_used_at is not None and self.last_used_at > timezone.now() - self.VISIT_GAP

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_on is None or self.expires_on >= timezone.localdate()


class StatusChangeQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Status changes are append-only.")

    def delete(self):
        raise TypeError("Status changes are append-only.")

    def for_timeline(self) -> StatusChangeQuerySet:
        return self.select_related("task_force", "milestone__stage", "changed_by").order_by(
            "-changed_at", "-pk"
        )


class StatusChange(models.Model):
    """One change to a task force's status on a milestone: append-only.

    Written in the same transaction as the change itself, by the one service
    every path goes through (form, admin, import). Task forces and milestones
    with history cannot be deleted (PROTECT), so the record outlives edits.
    """

    TRACKED_FIELDS = ("status", "lead_partner", "target_date", "notes")

    class Source(models.TextChoices):
        FORM = "form", "Status page"
        ADMIN = "admin", "Django admin"
        IMPORT = "import", "Spreadsheet import"
        DEMO = "demo", "Demo data"
        # Statuses that existed before the history was kept.
        BACKFILL = "backfill", "Recorded before history began"
        CONFIRM = "confirm", "Confirmed still true"

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="status_changes"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, related_name="status_changes"
    )
    old_status = models.CharField(max_length=20, choices=Status.choices)
    new_status = models.CharField(max_length=20, choices=Status.choices)
    # {"field": [old, new]} for every tracked field that changed; dates as ISO 8601.
    changes = models.JSONField(default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as text too, so the record still says who after an account is deleted.
    changed_by_name = models.CharField(max_length=150, blank=True)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["task_force", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.task_force}: {self.milestone} {self.old_status} -> {self.new_status}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError("Status changes are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Status changes are append-only.")

    @property
    def status_changed(self) -> bool:
        return self.old_status != self.new_status

    DETAIL_LABELS = {"lead_partner": "Lead partner", "target_date": "Target date", "notes": "Notes"}

    @property
    def detail_changes(self) -> list[tuple[str, str, str]]:
        """(label, old, new) for the changed fields other than the status."""
        return [
            (label, *self.changes[field])
            for field, label in self.DETAIL_LABELS.items()
            if field in self.changes
        ]


class ImportBatch(models.Model):
    """A checked spreadsheet import waiting to be applied (all or nothing)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=200, blank=True)
    # [{"task_force": id, "milestone": id, "version": n, "values": {...}}]
    changes = models.JSONField(default=list)
    unchanged = models.PositiveIntegerField(default=0)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename or 'import'} ({len(self.changes)} changes)"

    def mark_applied(self) -> None:
        self.applied_at = timezone.now()
        self.save(update_fields=["applied_at"])


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
