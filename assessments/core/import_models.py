"""The spreadsheet imports' batches (core/import_flow.py) and their planned
changes, one row each, so a preview page of a state-wide file is an indexed
query with a LIMIT instead of a 88,000-item JSON list read on every request."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone


class ImportBatch(models.Model):
    """One uploaded spreadsheet, from its upload to its check (a job), its
    preview and its application (a job), all or nothing."""

    class Kind(models.TextChoices):
        # Each kind has its own pages, which open only their own batches.
        STATUSES = "statuses", "Milestone statuses"
        REGISTER = "register", "Partner register"
        ACTIVITY = "activity", "Activity log"

    class State(models.TextChoices):
        # uploaded -> checking -> checked | refused | failed;
        # checked | apply_failed -> applying -> applied | apply_failed.
        UPLOADED = "uploaded", "Waiting to be checked"
        CHECKING = "checking", "Being checked"
        CHECKED = "checked", "Checked, not applied"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Check failed"
        APPLYING = "applying", "Being applied"
        APPLIED = "applied", "Applied"
        APPLY_FAILED = "apply_failed", "Not applied"

    RUNNING = (State.UPLOADED, State.CHECKING, State.APPLYING)

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STATUSES)
    state = models.CharField(max_length=12, choices=State.choices, default=State.UPLOADED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=200, blank=True)
    # The uploaded file, until it is checked: then emptied, the plan being
    # all that is needed from it.
    content = models.BinaryField(null=True, blank=True, editable=False)
    # The job now working on the batch (django-tasks' result id), to tell a
    # job that is still running from one whose worker stopped.
    task_result_id = models.UUIDField(null=True, blank=True, editable=False)
    # Rows of the file checked so far, of `rows` (known once read).
    checked_rows = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(null=True, blank=True)
    # A refused file's problems, and the row at which checking stopped.
    errors = models.JSONField(default=list, blank=True)
    stopped_at = models.PositiveIntegerField(null=True, blank=True)
    # The plan's counts, for the preview's summary and filters:
    # {"added": n, "changed": n, "fields": {name: n}, "task_forces": {id: n}}
    summary = models.JSONField(default=dict, blank=True)
    change_count = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # Why a check or an apply failed, in words for the person.
    failure = models.TextField(blank=True)
    apply_started_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "kind", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["statuses", "register", "activity"]),
                name="import_batch_known_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename or 'import'} ({self.change_count} changes)"

    @property
    def is_running(self) -> bool:
        return self.state in self.RUNNING

    def mark_applied(self) -> None:
        """Called by the kind's apply, inside its transaction: the batch is
        applied exactly when its changes are."""
        self.applied_at = timezone.now()
        self.state = self.State.APPLIED
        self.failure = ""
        self.save(update_fields=["applied_at", "state", "failure"])


class ImportChange(models.Model):
    """One change a checked import plans: a status of a milestone, or an
    agency of the partner register."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="planned")
    task_force = models.ForeignKey(
        "assessments.TaskForce", on_delete=models.CASCADE, related_name="+"
    )
    # The milestone (status import) or the agency (register import, None for
    # one the import adds) the change is about, and its name as shown.
    object_id = models.PositiveIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=200)
    # A status or agency the import creates, rather than changes.
    added = models.BooleanField(default=False)
    # The version of the record the change was checked against (0: none).
    version = models.PositiveIntegerField(default=0)
    values = models.JSONField(default=dict)
    # field -> [old, new]
    differences = models.JSONField(default=dict)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # The preview's pages, whole or filtered, in the file's order.
            models.Index(fields=["batch", "id"]),
            models.Index(fields=["batch", "task_force", "id"]),
            models.Index(fields=["batch", "added", "id"]),
        ]

    def __str__(self) -> str:
        return self.subject


def save_plan(batch: ImportBatch, *, changes: list[ImportChange], unchanged: int) -> None:
    """Keep a checked file's changes with its batch, and forget the file:
    all at once, so a half-written plan is never shown or applied."""
    summary: dict = {"added": 0, "changed": 0, "fields": {}, "task_forces": {}}
    for change in changes:
        change.batch = batch
        summary["added" if change.added else "changed"] += 1
        if not change.added:
            for name in change.differences:
                summary["fields"][name] = summary["fields"].get(name, 0) + 1
        key = str(change.task_force_id)
        summary["task_forces"][key] = summary["task_forces"].get(key, 0) + 1
    with transaction.atomic():
        # In chunks (Django makes them smaller where SQLite needs it).
        ImportChange.objects.bulk_create(changes, batch_size=1000)
        batch.summary = summary
        batch.change_count = len(changes)
        batch.unchanged = unchanged
        batch.content = None
        batch.state = ImportBatch.State.CHECKED
        batch.save(update_fields=["summary", "change_count", "unchanged", "content", "state"])
