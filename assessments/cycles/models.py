"""Review cycles: a program manager opens a cycle, each covered
task force reviews its milestones and submits, the submission is frozen as a
Snapshot, and a program manager accepts it or returns it.

Re-exported by assessments/models.py, so these are the app's models like any
other. The services that write them are in assessments/cycles/services.py.

For part B (compare, exports) and the reminders, the reads to use:
- `CycleSubmission.objects.with_late(today)` / `.late(today)` / `sub.is_late(today)`:
  the one rule for "late";
- `Snapshot.objects.latest_accepted_for(task_force)`, `.for_task_force(task_force)`;
- `snapshot.statuses()` -> {milestone_id: status} as frozen (every listed
  milestone has a row, "not_started" included);
- `snapshot.milestone_rows()` / `snapshot.plan()` for the frozen details
  (`Snapshot.objects.with_details()` reads them for many snapshots at once).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from assessments.common.models import AppendOnly, AppendOnlyQuerySet, AppendOnlyRecord
from assessments.core.models import Status, TaskForce
from stages.models import Milestone

NO_VICTIM_DETAILS = "Never anything that identifies a victim or survivor."

CYCLE_INSTRUCTIONS_HELP = (
    "Optional: what the state program asks for in this cycle. " + NO_VICTIM_DETAILS
)
NARRATIVE_HELP = (
    "A short account of this stage for the state program: what changed, what "
    "is next. " + NO_VICTIM_DETAILS + " Only totals, never a person's details."
)
REVIEW_COMMENTS_HELP = "What the task force should change before resubmitting. " + NO_VICTIM_DETAILS


class ReviewCycle(models.Model):
    """One round of self-assessment, e.g. "2027 annual self-assessment",
    covering every task force or those of one region."""

    title = models.CharField(max_length=200)
    due_on = models.DateField("due date")
    instructions = models.TextField(blank=True, max_length=4000, help_text=CYCLE_INSTRUCTIONS_HELP)
    region = models.CharField(
        max_length=100,
        blank=True,
        help_text="Empty: every task force. Otherwise the task forces of this region.",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def covered_task_forces(self) -> models.QuerySet[TaskForce]:
        """Who the cycle covers when it is opened: all, or one region's."""
        task_forces = TaskForce.objects.all()
        if self.region:
            task_forces = task_forces.filter(region=self.region)
        return task_forces


class SubmissionState(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    ACCEPTED = "accepted", "Accepted"


# Neither late nor waiting on the task force once in one of these.
HANDED_IN = (SubmissionState.SUBMITTED, SubmissionState.ACCEPTED)


def late_q(today: datetime.date) -> Q:
    """THE rule for "late": the due date has passed (the due day itself is
    not late) and the task force has not handed in (submitted or accepted).
    A returned submission past the due date is late again."""
    return Q(cycle__due_on__lt=today) & ~Q(state__in=HANDED_IN)


class CycleSubmissionQuerySet(models.QuerySet):
    def with_late(self, today: datetime.date | None = None) -> CycleSubmissionQuerySet:
        """Each submission with `late` (bool) on `today`: see late_q."""
        today = today or timezone.localdate()
        return self.annotate(
            late=Case(
                When(late_q(today), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def late(self, today: datetime.date | None = None) -> CycleSubmissionQuerySet:
        return self.filter(late_q(today or timezone.localdate()))

    def open_for_work(self) -> CycleSubmissionQuerySet:
        """Still waiting on the task force (for reminders): not handed in,
        in cycles not closed."""
        return self.exclude(state__in=HANDED_IN).filter(cycle__closed_at__isnull=True)

    def mark_started(self, task_force_ids: Iterable[int]) -> int:
        """A status saved or confirmed on these task forces is review work
        (it counts as reviewed, see cycles.reviewed_milestone_ids), so their
        submissions not yet started in open cycles become in progress; the
        cycle page would otherwise say "not started" of a task force halfway
        through. One query, on every status write path. The version is left
        alone: it guards the draft, which this does not touch, so a draft
        open in another tab is not made stale by a status save."""
        return self.filter(
            task_force_id__in=task_force_ids,
            state=SubmissionState.NOT_STARTED,
            cycle__closed_at__isnull=True,
        ).update(state=SubmissionState.IN_PROGRESS)

    def waiting_on(
        self, task_force: TaskForce, today: datetime.date | None = None
    ) -> CycleSubmissionQuerySet:
        """The task force's submissions still to be done, soonest due first,
        with their cycle and `late`: the task force page's "Review cycle"."""
        return (
            self.filter(task_force=task_force)
            .open_for_work()
            .with_late(today)
            .select_related("cycle")
            .order_by("cycle__due_on", "pk")
        )


class CycleSubmission(models.Model):
    """One task force's part in a cycle: its state and its draft. Created
    for every covered task force when the cycle is opened. The draft
    (narrative, plan) changes until submitted; what was submitted is in
    the Snapshots."""

    State = SubmissionState

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="submissions")
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="cycle_submissions"
    )
    state = models.CharField(
        max_length=20, choices=SubmissionState.choices, default=SubmissionState.NOT_STARTED
    )
    # {stage_id (as text): narrative}: the draft, frozen into the snapshot.
    narrative = models.JSONField(default=dict, blank=True)
    # [{"milestone": id, "owner": text, "due_on": "YYYY-MM-DD"}]: the draft plan.
    plan = models.JSONField(default=list, blank=True)
    # Milestones count as reviewed in this round when their history has an
    # entry since this moment: the cycle's opening, then each return.
    round_started_at = models.DateTimeField(default=timezone.now)
    # Optimistic locking, as MilestoneStatus.version.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CycleSubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "task_force__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "task_force"], name="one_submission_per_cycle_and_task_force"
            ),
            models.CheckConstraint(
                condition=Q(state__in=SubmissionState.values),
                name="cycle_submission_known_state",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.task_force}"

    def is_late(self, today: datetime.date | None = None) -> bool:
        """late_q for one loaded submission (its cycle loaded too)."""
        today = today or timezone.localdate()
        return self.cycle.due_on < today and self.state not in HANDED_IN

    @property
    def is_editable(self) -> bool:
        """The draft may change: not handed in."""
        return self.state not in HANDED_IN


def _in_milestone_order(rows: models.QuerySet) -> models.QuerySet:
    """A snapshot's milestone rows or plan items in the guidance's order."""
    return rows.select_related("milestone__stage").order_by(
        "milestone__stage__order", "milestone__order"
    )


class SnapshotQuerySet(AppendOnlyQuerySet):
    def with_details(self) -> SnapshotQuerySet:
        """Every snapshot's milestone rows and plan in two queries, whatever
        the number of snapshots (a submission page lists every version), as
        `snapshot.milestone_list` and `snapshot.plan_list`."""
        return self.prefetch_related(
            models.Prefetch(
                "milestones",
                queryset=_in_milestone_order(SnapshotMilestone.objects.all()),
                to_attr="milestone_list",
            ),
            models.Prefetch(
                "plan_items",
                queryset=_in_milestone_order(PlanItem.objects.all()),
                to_attr="plan_list",
            ),
        )

    def for_task_force(self, task_force: TaskForce) -> SnapshotQuerySet:
        """Its snapshots, newest first, with their cycle."""
        return (
            self.filter(submission__task_force=task_force)
            .select_related("submission__cycle", "changed_by")
            .order_by("-changed_at", "-pk")
        )

    def accepted(self) -> SnapshotQuerySet:
        return self.filter(reviews__decision=SubmissionReview.Decision.ACCEPTED)

    def latest_accepted_for(self, task_force: TaskForce) -> Snapshot | None:
        """The task force's most recently submitted snapshot that was accepted."""
        return self.for_task_force(task_force).accepted().first()


class Snapshot(AppendOnlyRecord):
    """A submission as it was submitted: frozen, never changed.

    The history's who/when fields say who submitted and when
    (`changed_by`, `changed_by_name`, `changed_at`; read them as
    submitted_by, submitted_by_name, submitted_at), so the task force's
    history timeline merges snapshots like its other records.
    """

    submission = models.ForeignKey(
        CycleSubmission, on_delete=models.PROTECT, related_name="snapshots"
    )
    # 1 for the first submission, n + 1 for a resubmission after a return.
    number = models.PositiveIntegerField()
    # {stage_id (as text): narrative}, as submitted.
    narrative = models.JSONField(default=dict)

    objects = SnapshotQuerySet.as_manager()
    timeline_kind = "snapshot"

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "number"], name="one_snapshot_number_per_submission"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission}, version {self.number}"

    @property
    def submitted_by(self):
        return self.changed_by

    @property
    def submitted_by_name(self) -> str:
        return self.changed_by_name

    @property
    def submitted_at(self) -> datetime.datetime:
        return self.changed_at

    def statuses(self) -> dict[int, str]:
        """{milestone_id: status} as submitted, one query."""
        return dict(self.milestones.values_list("milestone_id", "status"))

    def milestone_rows(self) -> models.QuerySet[SnapshotMilestone]:
        return _in_milestone_order(self.milestones.all())

    def plan(self) -> models.QuerySet[PlanItem]:
        return _in_milestone_order(self.plan_items.all())


class SnapshotMilestone(AppendOnly):
    """One milestone of a snapshot, as it stood when submitted."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="milestones")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    lead_partner = models.CharField(max_length=200, blank=True)
    target_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "milestone"], name="one_row_per_snapshot_and_milestone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot}: {self.milestone} ({self.status})"


class PlanItem(AppendOnly):
    """A target milestone for the next cycle, submitted with a snapshot."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="plan_items")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="+")
    owner = models.CharField(
        max_length=200, blank=True, help_text="The lead partner: an agency, never a person's case."
    )
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "milestone"], name="one_plan_item_per_snapshot_and_milestone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot}: plan {self.milestone}"


class SubmissionReview(AppendOnlyRecord):
    """A program manager's decision on a snapshot. Who and when are the
    history's fields (read changed_by as reviewed_by, changed_at as
    reviewed_at)."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned"

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comments = models.TextField(blank=True, max_length=4000, help_text=REVIEW_COMMENTS_HELP)

    timeline_kind = "review"

    class Meta:
        ordering = ["-changed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=["accepted", "returned"]),
                name="submission_review_known_decision",
            ),
            # The coordinator must be told why it came back.
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(comments=""),
                name="returned_review_has_comments",
            ),
            # One decision per snapshot: a returned one is resubmitted as a new snapshot.
            models.UniqueConstraint(fields=["snapshot"], name="one_review_per_snapshot"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot}: {self.decision}"

    @property
    def reviewed_by_name(self) -> str:
        return self.changed_by_name

    @property
    def reviewed_at(self) -> datetime.datetime:
        return self.changed_at
