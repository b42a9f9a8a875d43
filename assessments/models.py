"""Task forces and where each stands on every milestone of the guidance."""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty

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


class AppendOnlyQuerySet(models.QuerySet):
    """The history's records are never changed or deleted in bulk either."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model._meta.verbose_name_plural} are append-only.")

    def delete(self):
        raise TypeError(f"{self.model._meta.verbose_name_plural} are append-only.")


class AppendOnly(models.Model):
    """A row written once and never edited or deleted: save() of a saved row,
    delete(), and queryset update()/delete() all refuse. AppendOnlyRecord
    adds who and when; the parts of a review cycle snapshot use this alone."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError(f"{self._meta.verbose_name_plural} are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self._meta.verbose_name_plural} are append-only.")


class AppendOnlyRecord(AppendOnly):
    """One entry of a task force's history (statuses, register, evidence):
    who made the change and when, written once, in the same transaction as
    the change, and never edited or deleted."""

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

    class Meta:
        abstract = True


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
    # Which kind of entry of the merged history (assessments.history.timeline_for).
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


class ImportBatch(models.Model):
    """A checked spreadsheet import waiting to be applied (all or nothing)."""

    class Kind(models.TextChoices):
        # Each kind has its own pages, which open only their own batches.
        STATUSES = "statuses", "Milestone statuses"
        REGISTER = "register", "Partner register"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STATUSES)
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
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["statuses", "register"]), name="import_batch_known_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename or 'import'} ({len(self.changes)} changes)"

    def mark_applied(self) -> None:
        self.applied_at = timezone.now()
        self.save(update_fields=["applied_at"])


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


# The partner agency and MOU register (issue 14) -------------------------------

NO_IDENTIFYING_DETAILS = (
    "Do not record anything that identifies a victim or survivor. Survivor "
    "representation is recorded as the sector \u201csurvivor-led organizations\u201d, "
    "never as a person's name."
)


class Sector(models.Model):
    """A kind of partner agency (law enforcement, victim services, ...): a
    managed list, seeded by a migration and edited by admins. The register's
    summaries and flags name three of them by slug (see the constants)."""

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


class PartnershipType(models.TextChoices):
    """The partnership types of federal task force reporting."""

    REFERRAL = "referral", "Referral"
    INFORMATION_SHARING = "information_sharing", "Information sharing"
    JOINT_SERVICES = "joint_services", "Joint services"


class MouStatus(models.TextChoices):
    NONE = "none", "None"
    DRAFTING = "drafting", "Drafting"
    # Signing can need a city council's or a board's approval.
    LEGAL_REVIEW = "legal_review", "In legal review"
    SIGNED = "signed", "Signed"
    EXPIRED = "expired", "Expired"


class MouState(models.TextChoices):
    """Where an agency's MOU stands on a given day: see
    PartnerAgencyQuerySet.with_mou_state, the one rule."""

    CURRENT = "current", "Signed, current"
    EXPIRING = "expiring", "Signed, expiring soon"
    EXPIRED = "expired", "Expired"
    NONE = "none", "No signed MOU"

    @classmethod
    def in_force(cls) -> tuple[str, str]:
        """Signed and not past its renewal date: expiring ones still hold."""
        return (cls.CURRENT, cls.EXPIRING)


MOU_STATE_RULE = (
    "A signed MOU is current until its renewal date; within {window} days of "
    "that date it is expiring (still in force, the renewal date included), and "
    "from the day after it, or when marked expired, it is expired. Drafting "
    "and in legal review count as no signed MOU yet."
)


class PartnerAgencyQuerySet(models.QuerySet):
    def active(self) -> PartnerAgencyQuerySet:
        return self.filter(left_on__isnull=True)

    def with_mou_state(
        self, today: datetime.date | None = None, *, window_days: int | None = None
    ) -> PartnerAgencyQuerySet:
        """Each agency with `mou_state` (a MouState value) on `today`: the one
        rule every page, hint, flag and statewide list uses, in SQL so the
        statewide pages can count and filter on it.

        - expired: marked expired, or signed with a renewal date before today;
        - expiring: signed, renewal date from today to today + window
          (REGISTER_EXPIRY_WINDOW_DAYS), both days included;
        - current: signed, with no renewal date or a later one;
        - none: no MOU, drafting or in legal review.
        """
        today = today or timezone.localdate()
        window = settings.REGISTER_EXPIRY_WINDOW_DAYS if window_days is None else window_days
        window_end = today + datetime.timedelta(days=window)
        return self.annotate(
            mou_state=Case(
                When(mou_status=MouStatus.EXPIRED, then=Value(MouState.EXPIRED)),
                When(
                    mou_status=MouStatus.SIGNED,
                    mou_renews_on__lt=today,
                    then=Value(MouState.EXPIRED),
                ),
                When(
                    mou_status=MouStatus.SIGNED,
                    mou_renews_on__lte=window_end,
                    then=Value(MouState.EXPIRING),
                ),
                When(mou_status=MouStatus.SIGNED, then=Value(MouState.CURRENT)),
                default=Value(MouState.NONE),
                output_field=models.CharField(max_length=10),
            )
        )

    def for_register(self, today: datetime.date | None = None) -> PartnerAgencyQuerySet:
        """What the register pages show of each agency, in one query."""
        return (
            self.with_mou_state(today)
            .select_related("sector")
            .order_by("sector__order", Lower("name"), "pk")
        )


class PartnerAgency(models.Model):
    """A member agency of one task force, with its MOU: the partner register.

    Contacts are the agency's own (a role or office), never a survivor. An
    agency that leaves is kept, with the day it left, so the history and the
    register still name it; active agencies have no `left_on`.
    """

    PartnershipType = PartnershipType
    MouStatus = MouStatus

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, related_name="partner_agencies"
    )
    name = models.CharField("agency name", max_length=200, help_text=NO_IDENTIFYING_DETAILS)
    # PROTECT: a sector in use is renamed, not deleted.
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="agencies")
    partnership_type = models.CharField(
        max_length=20, choices=PartnershipType.choices, default=PartnershipType.REFERRAL
    )
    mou_status = models.CharField(
        "MOU status", max_length=20, choices=MouStatus.choices, default=MouStatus.NONE
    )
    mou_signed_on = models.DateField("MOU signed on", null=True, blank=True)
    mou_renews_on = models.DateField(
        "MOU renewal date",
        null=True,
        blank=True,
        help_text="The day the MOU ends unless it is renewed.",
    )
    mou_covers_data_sharing = models.BooleanField("MOU covers data sharing", default=False)
    left_on = models.DateField(
        "left the task force on",
        null=True,
        blank=True,
        help_text="Empty while the agency is an active partner.",
    )
    contact_name = models.CharField(
        "agency contact",
        max_length=200,
        blank=True,
        help_text="A role or office at the agency, e.g. 'Victim services manager'. "
        "Agency contacts only, never a survivor.",
    )
    contact_email = models.EmailField("contact e-mail", blank=True)
    contact_phone = models.CharField("contact phone", max_length=40, blank=True)
    shown_to_partners = models.BooleanField(
        "show on the partner page",
        default=False,
        help_text="Show this agency's name and sector (never its contacts) to "
        "everyone holding a partner link.",
    )
    # Optimistic locking, as MilestoneStatus.version: every save increments
    # it, and a save based on an older version is refused.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = PartnerAgencyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "partner agencies"
        ordering = ["task_force", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "task_force",
                name="unique_partner_agency_name_per_task_force",
                violation_error_message="This task force already has an agency by that name.",
            ),
            models.CheckConstraint(
                condition=Q(partnership_type__in=PartnershipType.values),
                name="partner_agency_known_partnership_type",
            ),
            models.CheckConstraint(
                condition=Q(mou_status__in=MouStatus.values),
                name="partner_agency_known_mou_status",
            ),
            # A signed MOU without its date could not be told current from
            # expired by anyone reading the register later.
            models.CheckConstraint(
                condition=~Q(mou_status=MouStatus.SIGNED) | Q(mou_signed_on__isnull=False),
                name="signed_mou_has_signed_date",
                violation_error_message="A signed MOU needs the day it was signed.",
            ),
            models.CheckConstraint(
                condition=Q(mou_renews_on__isnull=True)
                | Q(mou_signed_on__isnull=True)
                | Q(mou_renews_on__gte=F("mou_signed_on")),
                name="mou_renews_after_signed",
                violation_error_message="The renewal date cannot be before the signing date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.task_force})"

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    @property
    def mou_state_label(self) -> str:
        """The label of `mou_state`, which PartnerAgencyQuerySet.with_mou_state annotates."""
        return MouState(self.mou_state).label


class RegisterChange(AppendOnlyRecord):
    """One change to a task force's partner register: append-only, written
    in the same transaction as the change by the register service
    (assessments/register.py), like StatusChange for statuses."""

    # Fields whose old -> new values the history keeps. Sector as its name,
    # choices as their values, dates as ISO 8601.
    TRACKED_FIELDS = (
        "name",
        "sector",
        "partnership_type",
        "mou_status",
        "mou_signed_on",
        "mou_renews_on",
        "mou_covers_data_sharing",
        "left_on",
        "contact_name",
        "contact_email",
        "contact_phone",
        "shown_to_partners",
    )

    class Action(models.TextChoices):
        CREATED = "created", "Added to the register"
        UPDATED = "updated", "Changed"
        LEFT = "left", "Left the task force"

    class Source(models.TextChoices):
        FORM = "form", "Register page"
        ADMIN = "admin", "Django admin"
        IMPORT = "import", "Spreadsheet import"
        DEMO = "demo", "Demo data"

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="register_changes"
    )
    agency = models.ForeignKey(PartnerAgency, on_delete=models.PROTECT, related_name="changes")
    # The name when the change was made: the timeline reads right after a rename.
    agency_name = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    # {"field": [old, new]} for every tracked field that changed.
    changes = models.JSONField(default=dict)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)

    timeline_kind = "register"

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["task_force", "-changed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["created", "updated", "left"]),
                name="register_change_known_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_force}: {self.agency_name} {self.action}"

    LABELS = {
        "name": "Name",
        "sector": "Sector",
        "partnership_type": "Partnership type",
        "mou_status": "MOU status",
        "mou_signed_on": "MOU signed on",
        "mou_renews_on": "MOU renewal date",
        "mou_covers_data_sharing": "MOU covers data sharing",
        "left_on": "Left on",
        "contact_name": "Agency contact",
        "contact_email": "Contact e-mail",
        "contact_phone": "Contact phone",
        "shown_to_partners": "Shown on the partner page",
    }

    @property
    def field_changes(self) -> list[tuple[str, str, str]]:
        """(label, old, new) in words, for the timeline."""
        return [
            (
                label,
                _register_value(field, self.changes[field][0]),
                _register_value(field, self.changes[field][1]),
            )
            for field, label in self.LABELS.items()
            if field in self.changes
        ]


def _register_value(field: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field == "partnership_type" and value in PartnershipType.values:
        return PartnershipType(value).label
    if field == "mou_status" and value in MouStatus.values:
        return MouStatus(value).label
    if field in ("mou_signed_on", "mou_renews_on", "left_on"):
        try:
            day = datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            return str(value)
        return f"{day.day} {day:%B %Y}"
    return str(value)


# Evidence for a milestone (issue 15) -------------------------------------------

EVIDENCE_NOTE_HELP = (
    "Optional: what the document is and what it shows. Never anything that "
    "identifies a victim or survivor."
)


class _EvidenceStorage(LazyObject):
    """The "evidence" storage of settings.STORAGES, looked up when first used
    and again after the setting changes (tests point it at a temporary
    folder): a FileField resolves its storage once, at import."""

    def _setup(self) -> None:
        self._wrapped = storages["evidence"]


_evidence_storage = _EvidenceStorage()


@receiver(setting_changed)
def _evidence_storage_changed(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        _evidence_storage._wrapped = empty


def evidence_storage():
    """Where evidence files live: never a public URL (docs/security.md#evidence-files)."""
    return _evidence_storage


def evidence_upload_to(evidence: Evidence, filename: str) -> str:
    """A generated name: nothing of what the uploader called the file reaches
    the storage, so a name like "../../settings.py" does nothing. The
    extension is the detected type's, set on `evidence.extension` by the
    evidence service; `filename` is ignored."""
    extension = getattr(evidence, "extension", "") or ""
    return f"evidence/{evidence.task_force_id}/{uuid.uuid4().hex}{extension}"


class EvidenceQuerySet(models.QuerySet):
    def present(self) -> EvidenceQuerySet:
        """Not removed: what coordinators, program managers and partners see."""
        return self.filter(removed_at__isnull=True)

    def removed(self) -> EvidenceQuerySet:
        """Removed and not yet purged: what staff may still restore."""
        return self.filter(removed_at__isnull=False, purged_at__isnull=True)

    def for_list(self) -> EvidenceQuerySet:
        return self.select_related("added_by", "checked_by", "removed_by").order_by(
            "-added_at", "-pk"
        )


class Evidence(models.Model):
    """A document or a link that backs a task force's status on a milestone.

    Removal is soft: the row and the file stay, hidden, for
    EVIDENCE_RETENTION_DAYS, and staff may restore them; then the
    purge_evidence command deletes the file and keeps the row (its title,
    who and when) as a tombstone, since the history points at it.
    """

    class Kind(models.TextChoices):
        FILE = "file", "Document"
        LINK = "link", "Link"

    task_force = models.ForeignKey(TaskForce, on_delete=models.PROTECT, related_name="evidence")
    # PROTECT, as for statuses: a milestone with evidence is retired, never deleted.
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    title = models.CharField(
        max_length=200,
        help_text="What it is, e.g. 'Signed MOU, 2026'. Never a victim's or survivor's name.",
    )
    note = models.TextField(
        blank=True,
        max_length=NOTES_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTES_MAX_LENGTH)],
        help_text=EVIDENCE_NOTE_HELP,
    )
    file = models.FileField(
        upload_to=evidence_upload_to, storage=evidence_storage, max_length=200, blank=True
    )
    # What the uploader called the file, as display text only (sanitised by
    # the evidence service): it names the download, never a stored file.
    original_name = models.CharField(max_length=150, blank=True)
    # Detected from the content, never the browser's claim.
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    url = models.URLField(
        "link",
        max_length=2000,
        blank=True,
        help_text="Where the document is kept, e.g. in the partner's own system (http or https).",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too, so the record still says who after an account is deleted.
    added_by_name = models.CharField(max_length=150, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_by_name = models.CharField(max_length=150, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    shared_with_partners = models.BooleanField(
        "share with partners",
        default=False,
        help_text="Show its title on the partner page and let partners download it.",
    )
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    # The file was deleted from storage after the retention period.
    purged_at = models.DateTimeField(null=True, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["-added_at", "-pk"]
        indexes = [models.Index(fields=["task_force", "milestone"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["file", "link"]), name="evidence_known_kind"
            ),
            # A document has its stored file (until purged) and no link; a
            # link has its address and no file.
            models.CheckConstraint(
                condition=Q(kind="file", url="") & (~Q(file="") | Q(purged_at__isnull=False))
                | Q(kind="link", file="") & ~Q(url=""),
                name="evidence_kind_fields",
            ),
            models.CheckConstraint(
                condition=~Q(kind="link")
                | Q(url__istartswith="http://")
                | Q(url__istartswith="https://"),
                name="evidence_link_is_http",
            ),
            # Only removed evidence is purged.
            models.CheckConstraint(
                condition=Q(purged_at__isnull=True) | Q(removed_at__isnull=False),
                name="evidence_purged_only_when_removed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_force}: {self.title}"

    @property
    def is_file(self) -> bool:
        return self.kind == self.Kind.FILE

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def is_checked(self) -> bool:
        return self.checked_at is not None

    def restorable_until(self) -> datetime.datetime | None:
        """The last moment staff may restore it; None when not removed."""
        if self.removed_at is None:
            return None
        return self.removed_at + datetime.timedelta(days=settings.EVIDENCE_RETENTION_DAYS)

    def can_restore(self, now: datetime.datetime | None = None) -> bool:
        until = self.restorable_until()
        return until is not None and self.purged_at is None and (now or timezone.now()) <= until


class EvidenceChange(AppendOnlyRecord):
    """One change to a task force's evidence: append-only, written in the
    same transaction as the change by the evidence service
    (assessments/evidence.py), like StatusChange and RegisterChange. Keeps
    the title and the milestone as they were, so the record reads the same
    after the evidence is purged."""

    class Action(models.TextChoices):
        ADDED = "added", "Evidence added"
        REMOVED = "removed", "Evidence removed"
        RESTORED = "restored", "Evidence restored"
        CHECKED = "checked", "Evidence checked"
        UNCHECKED = "unchecked", "Evidence check withdrawn"
        SHARED = "shared", "Evidence shared with partners"
        UNSHARED = "unshared", "Evidence no longer shared with partners"
        PURGED = "purged", "Evidence file deleted after the retention period"

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="evidence_changes"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, related_name="evidence_changes"
    )
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="changes")
    evidence_title = models.CharField(max_length=200)
    evidence_kind = models.CharField(max_length=4, choices=Evidence.Kind.choices)
    action = models.CharField(max_length=10, choices=Action.choices)

    # Which kind of entry of the merged history (assessments.history.timeline_for).
    timeline_kind = "evidence"

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["task_force", "-changed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    action__in=[
                        "added",
                        "removed",
                        "restored",
                        "checked",
                        "unchecked",
                        "shared",
                        "unshared",
                        "purged",
                    ]
                ),
                name="evidence_change_known_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_force}: {self.evidence_title} {self.action}"


# Reminders and the weekly digest (issue 17) ------------------------------------


class NotificationKind(models.TextChoices):
    """What the daily `send_reminders` run e-mails about: one preference each."""

    TARGET_DATE = "target_date", "Target dates coming up or overdue"
    REVIEW_DUE = "review_due", "Achieved milestones due for review"
    MOU_RENEWAL = "mou_renewal", "MOU renewals coming up"
    INVITATION_PENDING = "invitation_pending", "Invitations still pending"
    CYCLE_DUE = "cycle_due", "Review cycle due dates"
    DIGEST = "digest", "Weekly statewide digest (program managers)"


class NotificationFrequency(models.TextChoices):
    DAILY = "daily", "As they come up (daily)"
    WEEKLY = "weekly", "Once a week"
    NEVER = "never", "Never"


class NotificationPreferenceQuerySet(models.QuerySet):
    def frequencies(self, user_ids) -> dict[tuple[int, str], str]:
        """{(user id, kind): frequency} of the preferences set, in one query;
        a missing pair means the kind's default (NotificationPreference.default_for)."""
        return {
            (user_id, kind): frequency
            for user_id, kind, frequency in self.filter(user_id__in=user_ids).values_list(
                "user_id", "kind", "frequency"
            )
        }


class NotificationPreference(models.Model):
    """How often one person wants e-mail of one kind. No row means the
    default: daily for reminders, weekly for the digest."""

    Kind = NotificationKind
    Frequency = NotificationFrequency

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    frequency = models.CharField(max_length=10, choices=NotificationFrequency.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = NotificationPreferenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_user_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values),
                name="notification_preference_known_kind",
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=NotificationFrequency.values),
                name="notification_preference_known_frequency",
            ),
            # The digest is weekly by nature: it sums up a week.
            models.CheckConstraint(
                condition=~Q(kind=NotificationKind.DIGEST, frequency=NotificationFrequency.DAILY),
                name="digest_is_weekly_or_never",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.frequency}"

    @staticmethod
    def default_for(kind: str) -> str:
        if kind == NotificationKind.DIGEST:
            return NotificationFrequency.WEEKLY
        return NotificationFrequency.DAILY


class SentNotification(AppendOnly):
    """One reminder or digest e-mail that the mail server accepted: to whom,
    about what (kinds and item keys, never the items' text), for which run
    day. Append-only; staff read it at /reminders/sent/ and in the admin."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    email = models.EmailField("e-mail address")
    kinds = models.JSONField(default=list)
    item_keys = models.JSONField(default=list)
    run_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.email} {self.run_date}: {', '.join(self.kinds)}"

    @property
    def kind_labels(self) -> list[str]:
        """The kinds as people read them; a kind no longer known as it was stored."""
        labels = dict(NotificationKind.choices)
        return [labels.get(kind, kind) for kind in self.kinds]


class AnnouncedItem(AppendOnly):
    """That `recipient` was sent `key` (kind, item and occasion, see
    assessments/reminders.py): what makes send_reminders idempotent. Written
    in the same transaction as the SentNotification that carried it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=120)
    run_date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="announce_item_once"),
        ]
        indexes = [models.Index(fields=["run_date"])]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.key}"


class ReminderRun(models.Model):
    """One `send_reminders` run: claimed before it sends, so that two runs
    started at once (two hosts' cron, a slow run overlapping the next) cannot
    both send. At most one row is RUNNING: a database guarantee, the partial
    unique constraint below. A run that raised is FAILED and the next one
    goes ahead; one that was killed stays RUNNING until it is taken over
    (assessments/reminders.py, reminder_run_claim)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Sending"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Stopped"

    day = models.DateField(help_text="The day the run sent reminders for.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="running"),
                name="one_reminder_run_at_a_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["running", "finished", "failed"]),
                name="reminder_run_known_status",
            ),
        ]

    def __str__(self) -> str:
        return f"send_reminders {self.day} ({self.status})"


# Help requests to the state program (issue 17) ---------------------------------

HELP_BODY_MAX_LENGTH = 4000
HELP_TEXT_WARNING = (
    "Never write anything that identifies a victim or survivor: no names, "
    "dates of birth, addresses, case numbers or descriptions of a person."
)


class HelpRequestQuerySet(models.QuerySet):
    def open(self) -> HelpRequestQuerySet:
        """Not closed: open, assigned or answered (what the queue and the
        weekly digest count)."""
        return self.exclude(state=HelpRequest.State.CLOSED)

    def for_queue(self) -> HelpRequestQuerySet:
        """With what a queue or list row shows, in one query: oldest waiting first."""
        return self.select_related("task_force", "milestone", "assigned_to").order_by(
            "created_at", "pk"
        )

    def visible_to(self, user) -> HelpRequestQuerySet:
        """The requests `user` may see: every one for staff and program
        managers (the state program), their own task forces' for
        coordinators. Narrower than TaskForce.objects.visible_to: a
        coordinator who may read every task force still sees only their own
        task forces' requests (see assessments/help_views.py)."""
        if not is_signed_in_and_active(user):
            return self.none()
        if is_staff_or_program_manager(user):
            return self.all()
        return self.filter(task_force__coordinators=user)


class HelpRequest(models.Model):
    """A coordinator's request to the state program for technical
    assistance, on a milestone or on the task force in general. The text is
    in its messages (HelpMessage); what happened to it is in
    HelpRequestChange, which the task force's history shows."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ASSIGNED = "assigned", "Assigned"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="help_requests"
    )
    # Null: about the task force in general. PROTECT, as for statuses.
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_requests",
    )
    subject = models.CharField(
        max_length=150,
        help_text="A few words on what you need help with. " + HELP_TEXT_WARNING,
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_help_requests",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too, so the request still says who after an account is deleted.
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The state program's first reply: the statewide median time to first reply.
    first_reply_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking, as MilestoneStatus.version: every change increments it.
    version = models.PositiveIntegerField(default=0)

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["task_force", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "assigned", "answered", "closed"]),
                name="help_request_known_state",
            ),
            # Closed exactly when it has a closing time.
            models.CheckConstraint(
                condition=Q(state="closed", closed_at__isnull=False)
                | (~Q(state="closed") & Q(closed_at__isnull=True)),
                name="help_request_closed_at_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(first_reply_at__isnull=True) | Q(first_reply_at__gte=F("created_at")),
                name="help_request_reply_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_force}: help request #{self.pk}"

    @property
    def about(self) -> str:
        """What it is about, for lists and the history: the milestone's name."""
        return self.milestone.name if self.milestone_id else "The task force in general"

    @property
    def is_closed(self) -> bool:
        return self.state == self.State.CLOSED


class HelpMessage(AppendOnlyRecord):
    """One message of a help request's thread: append-only. `changed_by`
    is its author and `changed_at` when it was sent."""

    request = models.ForeignKey(HelpRequest, on_delete=models.PROTECT, related_name="messages")
    body = models.TextField(
        "message",
        max_length=HELP_BODY_MAX_LENGTH,
        # TextField's max_length only reaches forms; this holds it for every write.
        validators=[MaxLengthValidator(HELP_BODY_MAX_LENGTH)],
        help_text=HELP_TEXT_WARNING,
    )
    # Written by a program manager or staff (the state program), not the task force.
    from_state_program = models.BooleanField(default=False)

    class Meta:
        ordering = ["changed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="help_message_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Message on help request #{self.request_id}"


class HelpRequestChange(AppendOnlyRecord):
    """One event of a help request, for the task force's history: who and
    when, and to whom it was assigned. Never the subject or a message's
    text (the history export carries these lines too)."""

    class Action(models.TextChoices):
        OPENED = "opened", "Help requested"
        ASSIGNED = "assigned", "Assigned"
        REPLIED = "replied", "Reply from the state program"
        ANSWERED = "answered", "Reply from the task force"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="help_request_changes"
    )
    request = models.ForeignKey(HelpRequest, on_delete=models.PROTECT, related_name="changes")
    # As it was then, so the line reads the same if the request is edited in the admin.
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    assigned_to_name = models.CharField(max_length=150, blank=True)

    timeline_kind = "help"

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["task_force", "-changed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    action__in=["opened", "assigned", "replied", "answered", "closed", "reopened"]
                ),
                name="help_request_change_known_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_force}: help request #{self.request_id} {self.action}"

    @property
    def line(self) -> str:
        """The history's line: never the subject or a message."""
        about = self.milestone.name if self.milestone_id else "the task force in general"
        if self.action == self.Action.OPENED:
            return f"Help requested on {about}"
        if self.action == self.Action.ASSIGNED:
            return f"Help request on {about} assigned to {self.assigned_to_name or 'nobody'}"
        return f"{self.get_action_display()}: help request on {about}"


# Review cycles (issue 16) live in their own module; imported here so Django
# finds them with the app's other models.
from assessments.cycles_models import (  # noqa: E402, F401
    CycleSubmission,
    PlanItem,
    ReviewCycle,
    Snapshot,
    SnapshotMilestone,
    SubmissionReview,
)
