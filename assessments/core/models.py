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

from assessments.common.models import AppendOnlyQuerySet, AppendOnlyRecord
from assessments.roles import (
    can_read_all_task_forces,
    is_signed_in_and_active,
)
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


class Sector(models.Model):
    """A kind of partner agency (law enforcement, victim services, ...): a
    managed list, seeded by a migration and edited by admins. In core because
    two features use it: the partner register (each agency's sector) and the
    activity log (counts by sector). The register's summaries and flags name
    three of them by slug (see the constants)."""

    TRIBAL_GOVERNMENT = "tribal-government"
    CULTURALLY_SPECIFIC = "culturally-specific-organizations"
    SURVIVOR_LED = "survivor-led-organizations"
    # Diversify Task Force Representation: underserved and marginalized
    # communities and Tribal Nations.
    DIVERSIFYING = (TRIBAL_GOVERNMENT, CULTURALLY_SPECIFIC, SURVIVOR_LED)

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="Fixed identifier. The milestone hints rely on "
        "'tribal-government', 'culturally-specific-organizations' and "
        "'survivor-led-organizations': do not change those.",
    )
    order = models.PositiveSmallIntegerField(help_text="Position in lists: 1 comes first.")

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


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
    # How partners reach the task force, shown on the partner page: what its
    # coordinators choose to publish (a shared inbox is best), nothing else.
    public_contact_name = models.CharField(
        "contact name or role",
        max_length=150,
        blank=True,
        help_text="For example “Task force coordinator” or a person's name.",
    )
    public_contact_email = models.EmailField("contact e-mail address", blank=True)
    public_contact_phone = models.CharField("contact telephone", max_length=40, blank=True)
    # Goes up with every change to what the task force's pages show; cached
    # page parts are keyed on it (assessments/core/page_cache.py), so every app
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


def review_due_before(today: datetime.date) -> datetime.datetime:
    """The one review rule: an achieved milestone is due for review on `today`
    when it was last confirmed (or achieved) before this moment, i.e. on a
    local day at least REVIEW_AFTER_DAYS days before `today`."""
    last_day = today - datetime.timedelta(days=settings.REVIEW_AFTER_DAYS)
    next_day = last_day + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))


class MilestoneStatusQuerySet(models.QuerySet):
    def overdue(self, today: datetime.date) -> MilestoneStatusQuerySet:
        """MilestoneStatus.is_overdue in SQL: past its target date, not achieved."""
        return self.filter(target_date__lt=today).exclude(status=Status.ACHIEVED)

    def target_due_within(self, today: datetime.date, days: int) -> MilestoneStatusQuerySet:
        """Not achieved, with a target date from today to today + days, both included."""
        return self.filter(
            target_date__gte=today, target_date__lte=today + datetime.timedelta(days=days)
        ).exclude(status=Status.ACHIEVED)

    def review_due(self, today: datetime.date) -> MilestoneStatusQuerySet:
        """MilestoneStatus.review_due in SQL (see review_due_before)."""
        before = review_due_before(today)
        return self.filter(status=Status.ACHIEVED).filter(
            Q(confirmed_at__lt=before) | Q(confirmed_at__isnull=True, status_since__lt=before)
        )


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

    objects = MilestoneStatusQuerySet.as_manager()

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
        """Past its target date and not achieved (MilestoneStatusQuerySet.overdue in SQL)."""
        return (
            self.target_date is not None
            and self.status != Status.ACHIEVED
            and self.target_date < today
        )

    @property
    def overdue_today(self) -> bool:
        return self.is_overdue(timezone.localdate())

    def review_due(self, today: datetime.date) -> bool:
        """An achieved milestone not confirmed for REVIEW_AFTER_DAYS days:
        the rule of review_due_before, which MilestoneStatusQuerySet.review_due
        applies in SQL."""
        if self.status != Status.ACHIEVED:
            return False
        return (self.confirmed_at or self.status_since) < review_due_before(today)

    @property
    def confirmed_on(self) -> datetime.date:
        """The local day it was last said to hold (achieved or confirmed)."""
        return timezone.localdate(self.confirmed_at or self.status_since)


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
    # The registered agency holding the link, when it is in the register
    # (the label still names it); links for others stay possible.
    agency = models.ForeignKey(
        "PartnerAgency",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_links",
        help_text="Optional: the agency from the partner register that holds this link.",
    )
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


NO_IDENTIFYING_DETAILS = (
    "Do not record anything that identifies a victim or survivor. Survivor "
    "representation is recorded as the sector \u201csurvivor-led organizations\u201d, "
    "never as a person's name."
)


class StatusChangeQuerySet(AppendOnlyQuerySet):
    def for_timeline(self) -> StatusChangeQuerySet:
        return self.select_related("task_force", "milestone__stage", "changed_by").order_by(
            "-changed_at", "-pk"
        )


class StatusChange(AppendOnlyRecord):
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
        # Confirmed as it stands while preparing a review cycle submission.
        REVIEW = "review", "Reviewed for a review cycle, unchanged"

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
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)

    objects = StatusChangeQuerySet.as_manager()
    # Which kind of entry of the merged history (assessments.pages.history.timeline_for).
    timeline_kind = "status"

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["task_force", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.task_force}: {self.milestone} {self.old_status} -> {self.new_status}"

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


# The spreadsheet imports' batches live in their own module (kept short).
from assessments.core.import_models import ImportBatch, ImportChange  # noqa: E402, F401
