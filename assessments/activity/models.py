"""The activity log: what a task force did (meetings, case reviews,
trainings, outreach, protocols), with counts only.

The model, for the pages, the import and the report pack:

- `ActivityEntry`: one thing a task force did on a `date`, of a `kind`
  (ActivityKind), with a `title` and optional `milestones` it serves.
  Never a participant's name, never anything about a victim or survivor.
- `ActivityCount`: the entry's counts, one row per (measure, sector) with a
  count above zero (a missing row means 0):
  - `Measure.AGENCIES`: agencies attending, by sector; their sum is the
    entry's "agencies present" (`ActivityEntryQuerySet.with_totals`);
  - `Measure.ATTENDEES`: people attending, by sector;
  - `Measure.TRAINED`: people trained, by audience sector.
  The sectors are the partner register's (core.Sector).
- `ActivityChange`: the append-only history of every add, edit and removal,
  written in the same transaction by assessments/activity/services.py, the
  only write path.

Removing an entry deletes it (and its counts); its history stays, keyed by
`entry_pk`, with the entry's last values in `changes`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, Q, Sum
from django.utils import timezone

from assessments.common.models import AppendOnlyRecord
from assessments.core.models import Sector, TaskForce
from stages.models import Milestone

NO_NAMES = (
    "A few words on what it was, e.g. \u201cMonthly task force meeting\u201d or "
    "\u201cLabor trafficking training for health care staff\u201d. Never a "
    "participant's name, never anything that identifies a victim or survivor."
)


class ActivityKind(models.TextChoices):
    TASK_FORCE_MEETING = "task_force_meeting", "Task force meeting"
    SUBCOMMITTEE_MEETING = "subcommittee_meeting", "Subcommittee meeting"
    CASE_REVIEW = "case_review", "Case review"
    TRAINING_DELIVERED = "training_delivered", "Training delivered"
    TRAINING_ATTENDED = "training_attended", "Training attended"
    OUTREACH = "outreach", "Outreach or awareness event"
    PROTOCOL = "protocol", "Protocol adopted or revised"
    OTHER = "other", "Other"

    @classmethod
    def meetings(cls) -> tuple[str, ...]:
        return (cls.TASK_FORCE_MEETING, cls.SUBCOMMITTEE_MEETING, cls.CASE_REVIEW)

    @classmethod
    def trainings(cls) -> tuple[str, ...]:
        return (cls.TRAINING_DELIVERED, cls.TRAINING_ATTENDED)


class Measure(models.TextChoices):
    """What an ActivityCount counts, by sector."""

    AGENCIES = "agencies", "Agencies attending"
    ATTENDEES = "attendees", "People attending"
    TRAINED = "trained", "People trained"

    @classmethod
    def people(cls) -> tuple[str, ...]:
        """The measures that count people (the statewide view's people)."""
        return (cls.ATTENDEES, cls.TRAINED)


class ActivityEntryQuerySet(models.QuerySet):
    def for_task_force(self, task_force: TaskForce) -> ActivityEntryQuerySet:
        return self.filter(task_force=task_force)

    def between(self, start, end) -> ActivityEntryQuerySet:
        """Entries dated from `start` to `end`, both days included."""
        return self.filter(date__gte=start, date__lte=end)

    def with_totals(self) -> ActivityEntryQuerySet:
        """Each entry with `agencies_total`, `attendees_total` and
        `trained_total` (0 when none), in the same query."""
        return self.annotate(
            **{
                f"{measure}_total": models.functions.Coalesce(
                    Sum("counts__count", filter=Q(counts__measure=measure)), 0
                )
                for measure in Measure.values
            }
        )

    def count_by_kind(self) -> dict[str, int]:
        """kind -> number of entries, in one query."""
        rows = self.order_by().values("kind").annotate(n=Count("pk"))
        return {row["kind"]: row["n"] for row in rows}


class ActivityEntry(models.Model):
    """One thing a task force did on a day. See the module docstring."""

    Kind = ActivityKind

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, related_name="activity_entries"
    )
    date = models.DateField(db_index=True)
    kind = models.CharField(max_length=30, choices=ActivityKind.choices)
    title = models.CharField(max_length=200, help_text=NO_NAMES)
    milestones = models.ManyToManyField(
        Milestone,
        blank=True,
        related_name="activity_entries",
        help_text="The milestones this work serves, if any.",
    )
    # Optimistic locking, as PartnerAgency.version: every save increments
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

    objects = ActivityEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "activity entries"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["task_force", "-date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActivityKind.values),
                name="activity_entry_known_kind",
            ),
            models.CheckConstraint(
                condition=~Q(title=""),
                name="activity_entry_has_title",
                violation_error_message="Give the entry a title.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"


class ActivityCount(models.Model):
    """How many (agencies, people attending, people trained) of one sector
    an entry counts. Only counts above zero are stored."""

    Measure = Measure

    entry = models.ForeignKey(ActivityEntry, on_delete=models.CASCADE, related_name="counts")
    measure = models.CharField(max_length=10, choices=Measure.choices)
    # PROTECT: a sector in use is renamed, not deleted (as for agencies).
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="activity_counts")
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["entry", "measure", "sector__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "measure", "sector"],
                name="unique_activity_count_per_sector",
            ),
            models.CheckConstraint(
                condition=Q(measure__in=Measure.values),
                name="activity_count_known_measure",
            ),
            models.CheckConstraint(
                condition=Q(count__gte=0),
                name="activity_count_not_negative",
                violation_error_message="Counts cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry}: {self.count} {self.measure} ({self.sector})"


class ActivityChange(AppendOnlyRecord):
    """One add, edit or removal of an activity entry: append-only, written in
    the same transaction as the change by the activity services, like
    RegisterChange for the register."""

    # What `changes` keeps, {"field": [old, new]}: dates as ISO 8601, kind
    # as its value, milestones as a sorted list of slugs, counts as
    # {"measure": {"sector slug": n}} (zeros left out).
    TRACKED_FIELDS = ("date", "kind", "title", "milestones", "counts")

    class Action(models.TextChoices):
        CREATED = "created", "Added"
        UPDATED = "updated", "Changed"
        REMOVED = "removed", "Removed"

    class Source(models.TextChoices):
        FORM = "form", "Activity log page"
        ADMIN = "admin", "Django admin"
        IMPORT = "import", "Spreadsheet import"
        DEMO = "demo", "Demo data"

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="activity_changes"
    )
    # The entry's id, not a foreign key: a removed entry is deleted, and its
    # history must outlive it unchanged.
    entry_pk = models.PositiveIntegerField(db_index=True)
    # The title when the change was made: the history reads right after a removal.
    entry_title = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)

    timeline_kind = "activity"

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["task_force", "-changed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["created", "updated", "removed"]),
                name="activity_change_known_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_force}: {self.entry_title} {self.action}"

    LABELS = {
        "date": "Date",
        "kind": "Kind",
        "title": "Title",
        "milestones": "Milestones",
        "counts": "Counts",
    }

    @property
    def field_changes(self) -> list[tuple[str, str, str]]:
        """(label, old, new) in words, for the history and the import preview."""
        return [
            (
                label,
                change_value(field, self.changes[field][0]),
                change_value(field, self.changes[field][1]),
            )
            for field, label in self.LABELS.items()
            if field in self.changes
        ]


def change_value(field: str, value) -> str:
    """One value of ActivityChange.changes in words."""
    if value in (None, "", [], {}):
        return "\u2014"
    if field == "kind" and value in ActivityKind.values:
        return ActivityKind(value).label
    if field == "milestones":
        return ", ".join(value)
    if field == "counts":
        return "; ".join(
            f"{Measure(measure).label if measure in Measure.values else measure}: "
            + ", ".join(f"{slug} {n}" for slug, n in by_sector.items())
            for measure, by_sector in value.items()
        )
    return str(value)
