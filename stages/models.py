"""The Task Force Stages guidance: three stages, each with its milestones.

Reference data, loaded from fixtures/stages.json and edited by admins. Slugs
are natural keys so the fixture can be loaded again without duplicating rows.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Count, Q
from simple_history.models import HistoricalRecords


class StageQuerySet(models.QuerySet):
    def with_active_totals(self) -> StageQuerySet:
        """Each stage with `active_total`: its milestones that still count."""
        # Explicit order_by: Meta.ordering is not applied to GROUP BY queries.
        return self.annotate(
            active_total=Count("milestones", filter=Q(milestones__is_active=True))
        ).order_by("order", "name")


class StageManager(models.Manager.from_queryset(StageQuerySet)):
    def get_by_natural_key(self, slug: str) -> Stage:
        return self.get(slug=slug)


class Stage(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(
        help_text="Position in the guidance: 1 is the first stage."
    )
    description = models.TextField(blank=True)

    objects = StageManager()
    # Every admin edit to the guidance text is kept, with who and when.
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class MilestoneQuerySet(models.QuerySet):
    def active(self) -> MilestoneQuerySet:
        return self.filter(is_active=True)


class MilestoneManager(models.Manager.from_queryset(MilestoneQuerySet)):
    def get_by_natural_key(self, slug: str) -> Milestone:
        return self.get(slug=slug)


class Milestone(models.Model):
    # Deleting a stage takes its milestones with it, but a milestone with
    # recorded statuses is protected (see assessments.MilestoneStatus), so a
    # stage in use cannot be deleted either. Retire milestones instead.
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField()
    order = models.PositiveSmallIntegerField(
        help_text="Position within its stage, as in the guidance."
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Untick to retire: a retired milestone is not offered for new "
        "updates and does not count towards progress; statuses already "
        "recorded for it are kept.",
    )

    objects = MilestoneManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["stage__order", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "name"], name="unique_milestone_name_per_stage"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class MilestoneResource(models.Model):
    """Help for reaching a milestone that admins attach to it: a link (a
    toolkit, a model MOU, a protocol template) or a short note (who at the
    state program to ask). Shown with the milestone and its priority entry;
    on partner pages only when public."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=200)
    url = models.URLField("address", max_length=500, blank=True)
    note = models.TextField(
        max_length=500,
        blank=True,
        help_text="Optional: what it is for, or who to ask. Never anything that identifies "
        "a victim or survivor.",
    )
    public = models.BooleanField(
        "shown to partners",
        default=False,
        help_text="Tick to show it on partner pages too; otherwise only signed-in people see it.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "title", "pk"]
        constraints = [
            # A resource with neither says nothing.
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(note=""), name="milestone_resource_has_url_or_note"
            ),
        ]

    def __str__(self) -> str:
        return self.title
