"""The partner agency and MOU register."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format

from assessments.common.models import AppendOnlyRecord

# Sector lives in core since the activity log counts people by it too; it is
# re-exported here, where the register always found it.
from assessments.core.models import NO_IDENTIFYING_DETAILS, Sector, TaskForce


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
    (assessments/register/services.py), like StatusChange for statuses."""

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
        return date_format(day)
    return str(value)
