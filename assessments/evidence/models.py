"""Evidence for a milestone."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from assessments.common.models import AppendOnlyRecord
from assessments.core.models import NOTES_MAX_LENGTH, TaskForce
from stages.models import Milestone

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
    (assessments/evidence/services.py), like StatusChange and RegisterChange. Keeps
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

    # Which kind of entry of the merged history (assessments.pages.history.timeline_for).
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
