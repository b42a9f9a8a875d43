"""Evidence for a milestone: every write goes through here (the evidence
pages, the purge command, demo data), so the checks on an upload, the
history and the revision bump happen the same way.

An upload is judged by its content, never its name or the browser's claim:
the size from the upload's own count before anything is read, then the type
from the first bytes (filetype), then, for office documents, which are zip
archives, the archive's directory (a real document, not a zip bomb, no
macros). Then the uploader's hourly limit and the task force's quota. Only
then is it written to the evidence storage, under a generated name; a
refused file writes nothing, and a write the storage fails (a full disk, a
read-only folder) leaves no partial file behind.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from assessments.core import page_cache
from assessments.core.models import TaskForce
from assessments.core.services import RETIRED_MILESTONE_MESSAGE
from assessments.evidence.models import Evidence, EvidenceChange, evidence_storage
from assessments.evidence.uploads import ACCEPTED, check_upload, refuse
from assessments.roles import is_signed_in_and_active, is_state_program
from stages.models import Milestone

logger = logging.getLogger(__name__)

STATEMENT = "This document contains no information that identifies a victim or survivor."
STATEMENT_REQUIRED = (
    "Tick the statement to confirm the document identifies no victim or survivor. "
    "Nothing was stored."
)
STATEMENT_HELP = (
    "Required before any upload. Remove or black out names, dates of birth, "
    "addresses, case numbers and photos of victims or survivors first; a "
    "document that identifies one must not be uploaded at all."
)
STORAGE_FAILED = (
    "The file could not be stored, so nothing was saved. Try again later; if it "
    "happens again, tell the site's administrators."
)


class UploadLimitReached(ValidationError):
    """The uploader's hourly limit or the task force's quota: refused, nothing
    stored. A ValidationError, shown above the form, and logged by the view."""


class StorageFailed(ValidationError):
    """The evidence storage refused the write (full disk, read-only folder)."""


def display_name(name: str) -> str:
    """The uploader's file name as display text only: no folders, no control
    or formatting characters, no quotes, at most 150 characters with its
    extension kept. It never names a stored file."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if char.isspace() else char
        for char in name
        if unicodedata.category(char)[0] != "C" and char not in '"<>:|?*;'
    )
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        return "document"
    if len(name) > 150:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: 150 - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:150]
    return name


def download_name(evidence: Evidence) -> str:
    """The name a download is saved as: the display name's stem with the
    detected type's extension, whatever the uploader's name said."""
    stem = evidence.original_name.rsplit(".", 1)[0] if "." in evidence.original_name else ""
    stem = stem or evidence.original_name or "evidence"
    extension = (
        ACCEPTED[evidence.content_type].extension if evidence.content_type in ACCEPTED else ""
    )
    return f"{stem}{extension}"


def can_see_removed(user) -> bool:
    """Staff see removed evidence, and restore it within the retention period."""
    return is_signed_in_and_active(user) and user.is_staff


def for_milestone(task_force: TaskForce, milestone: Milestone, *, user) -> QuerySet[Evidence]:
    """The milestone's evidence as `user` may see it (removed pieces for
    staff only), newest first, in one query."""
    evidence = Evidence.objects.filter(task_force=task_force, milestone=milestone)
    if not can_see_removed(user):
        evidence = evidence.present()
    else:
        evidence = evidence.filter(purged_at__isnull=True)
    return evidence.for_list()


def _name(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else ""


def _history(
    evidence: Evidence, *, action: str, user: AbstractBaseUser | None, now: datetime.datetime
) -> EvidenceChange:
    return EvidenceChange.objects.create(
        task_force_id=evidence.task_force_id,
        milestone_id=evidence.milestone_id,
        evidence=evidence,
        evidence_title=evidence.title,
        evidence_kind=evidence.kind,
        action=action,
        changed_by=user,
        changed_by_name=_name(user),
        changed_at=now,
    )


def _validate_fields(evidence: Evidence) -> None:
    """The model's own checks on the typed fields (title, note, link)."""
    try:
        evidence.full_clean(
            exclude=["task_force", "milestone", "file", "added_by", "checked_by", "removed_by"]
        )
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def _check_milestone(milestone: Milestone) -> None:
    if not milestone.is_active:
        raise ValidationError(RETIRED_MILESTONE_MESSAGE)


def evidence_add_file(
    *,
    task_force: TaskForce,
    milestone: Milestone,
    upload: UploadedFile | None,
    title: str,
    note: str = "",
    statement: bool,
    shared_with_partners: bool = False,
    user: AbstractBaseUser | None,
    at: datetime.datetime | None = None,
) -> Evidence:
    """Store an uploaded document as evidence for `milestone`, with its
    history record. Raises ValidationError (by field), storing nothing, when
    the statement is not ticked, the file is refused (see check_upload), the
    title or note is invalid, or a limit is reached (UploadLimitReached);
    StorageFailed, with nothing left in storage, when the write fails."""
    if not statement:
        raise refuse("statement", STATEMENT_REQUIRED)
    if upload is None:
        raise refuse("file", "Choose the document to upload.")
    _check_milestone(milestone)
    content_type, accepted = check_upload(upload)
    now = at or timezone.now()
    evidence = Evidence(
        task_force=task_force,
        milestone=milestone,
        kind=Evidence.Kind.FILE,
        title=title.strip(),
        note=note.strip(),
        original_name=display_name(upload.name),
        content_type=content_type,
        size=upload.size,
        shared_with_partners=shared_with_partners,
        added_by=user,
        added_by_name=_name(user),
        added_at=now,
    )
    _validate_fields(evidence)
    # The stored name's extension is the detected type's (evidence_upload_to).
    evidence.extension = accepted.extension
    storage = evidence_storage()
    # A new random name, chosen before the write, so that a write the storage
    # fails part-way (a full disk) can be found and deleted under it.
    name = evidence.file.field.generate_filename(evidence, upload.name or "upload")
    written = ""
    try:
        with transaction.atomic():
            page_cache.bump([task_force.pk])  # the task force's row first: lock order
            _check_limits(task_force=task_force, size=upload.size, user=user, now=now)
            written = name  # before the write: a failed one may leave part of a file
            try:
                # Streams from the upload's temporary file (moved into place on
                # a local folder), never reading it whole.
                written = storage.save(name, upload, max_length=evidence.file.field.max_length)
            except Exception as error:  # noqa: BLE001
                # Any backend's failure, not only a folder's OSError: S3's
                # client raises botocore's own errors.
                logger.error(
                    "Evidence upload for task force %s could not be stored: %s",
                    task_force.pk,
                    error,
                    exc_info=True,
                )
                raise StorageFailed({"file": [STORAGE_FAILED]}) from error
            evidence.file = written
            evidence.save(force_insert=True)
            _history(evidence, action=EvidenceChange.Action.ADDED, user=user, now=now)
    except BaseException:
        if written:
            _discard(storage, written)  # no file, whole or partial, without its row
        raise
    return evidence


def _discard(storage, name: str) -> None:
    """Delete what a failed upload left under `name`, if anything."""
    try:
        storage.delete(name)
    except Exception:  # noqa: BLE001 (any backend's failure, as in evidence_upload)
        # A read-only folder refuses this too (and had nothing written);
        # anything left is listed by check_evidence_storage.
        logger.error("Could not delete %s from the evidence storage", name, exc_info=True)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def _check_limits(
    *, task_force: TaskForce, size: int, user: AbstractBaseUser | None, now: datetime.datetime
) -> None:
    """Refuse (UploadLimitReached) when `user` already uploaded
    EVIDENCE_UPLOADS_PER_HOUR documents in the hour before `now`, or when
    `size` more bytes would take the task force past EVIDENCE_QUOTA_MB.
    Called with the task force's row locked, so uploads to it are counted
    one after the other."""
    per_hour = settings.EVIDENCE_UPLOADS_PER_HOUR
    if user is not None:
        recent = (
            Evidence.objects.filter(
                kind=Evidence.Kind.FILE,
                added_by=user,
                added_at__gt=now - datetime.timedelta(hours=1),
            )
            .order_by()
            .count()
        )
        if recent >= per_hour:
            raise UploadLimitReached(
                {
                    NON_FIELD_ERRORS: [
                        f"You have uploaded {recent} documents in the last hour, the most "
                        "allowed. Nothing was saved: try again later, or add a link to "
                        "where the document is kept."
                    ]
                }
            )
    quota = settings.EVIDENCE_QUOTA_MB * 1024 * 1024
    # Removed documents keep their files until purge_evidence deletes them.
    used = (
        Evidence.objects.filter(
            task_force=task_force, kind=Evidence.Kind.FILE, purged_at__isnull=True
        )
        .order_by()
        .aggregate(total=Sum("size"))["total"]
        or 0
    )
    if used + size > quota:
        raise UploadLimitReached(
            {
                NON_FIELD_ERRORS: [
                    f"{task_force.name}'s documents take {_megabytes(used)} of the "
                    f"{settings.EVIDENCE_QUOTA_MB:,} MB it may store, and this file "
                    f"({_megabytes(size)}) would go past it. Nothing was saved. Remove "
                    "documents that are no longer needed (removed ones count until their "
                    f"files are deleted, {settings.EVIDENCE_RETENTION_DAYS} days later), "
                    "add a link to where the document is kept, or ask the site's "
                    "administrators for more room."
                ]
            }
        )


def same_as_previous_upload(evidence: Evidence) -> Evidence | None:
    """The task force's upload just before `evidence`, when it is the same
    document under the same title (a double submit, or the same file chosen
    twice), for a warning; None otherwise, or when it has been removed. Both
    files are read, in chunks, only when title, type and size already match."""
    previous = (
        Evidence.objects.filter(
            task_force_id=evidence.task_force_id, kind=Evidence.Kind.FILE, pk__lt=evidence.pk
        )
        .select_related("milestone")
        .order_by("-pk")
        .first()
    )
    if (
        previous is None
        or previous.removed_at is not None
        or not previous.file.name
        or previous.title.strip().casefold() != evidence.title.strip().casefold()
        or (previous.size, previous.content_type) != (evidence.size, evidence.content_type)
    ):
        return None
    try:
        same = _digest(previous.file.name) == _digest(evidence.file.name)
    except OSError:
        return None  # a missing file is check_evidence_storage's to report
    return previous if same else None


def _digest(name: str) -> bytes:
    digest = hashlib.sha256()
    with evidence_storage().open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(64 * 1024), b""):
            digest.update(chunk)
    return digest.digest()


def evidence_add_link(
    *,
    task_force: TaskForce,
    milestone: Milestone,
    url: str,
    title: str,
    note: str = "",
    shared_with_partners: bool = False,
    user: AbstractBaseUser | None,
    at: datetime.datetime | None = None,
) -> Evidence:
    """Record a link to a document kept elsewhere (the partner's own system)
    as evidence for `milestone`. Only http and https links."""
    _check_milestone(milestone)
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise refuse(
            "url", "Enter the full address of the document, starting with https:// or http://."
        ) from None
    now = at or timezone.now()
    evidence = Evidence(
        task_force=task_force,
        milestone=milestone,
        kind=Evidence.Kind.LINK,
        title=title.strip(),
        note=note.strip(),
        url=url,
        shared_with_partners=shared_with_partners,
        added_by=user,
        added_by_name=_name(user),
        added_at=now,
    )
    _validate_fields(evidence)
    with transaction.atomic():
        page_cache.bump([task_force.pk])
        evidence.save(force_insert=True)
        _history(evidence, action=EvidenceChange.Action.ADDED, user=user, now=now)
    return evidence


def _locked(evidence: Evidence) -> Evidence:
    """The evidence as saved now, read after its task force's row is locked
    (page_cache.bump), so two writers to it queue."""
    page_cache.bump([evidence.task_force_id])
    current = Evidence.objects.filter(pk=evidence.pk).first()
    if current is None:
        raise ValidationError("This evidence no longer exists.")
    return current


def evidence_remove(
    *, evidence: Evidence, user: AbstractBaseUser | None, at: datetime.datetime | None = None
) -> Evidence:
    """Hide the evidence: kept, with its file, for EVIDENCE_RETENTION_DAYS,
    during which staff may restore it; the history records the removal."""
    now = at or timezone.now()
    with transaction.atomic():
        current = _locked(evidence)
        if current.removed_at is not None:
            raise ValidationError("This evidence was already removed.")
        Evidence.objects.filter(pk=current.pk).update(removed_at=now, removed_by=user)
        current.removed_at, current.removed_by = now, user
        _history(current, action=EvidenceChange.Action.REMOVED, user=user, now=now)
    return current


def evidence_restore(
    *, evidence: Evidence, user: AbstractBaseUser | None, at: datetime.datetime | None = None
) -> Evidence:
    """Bring removed evidence back, within the retention period."""
    now = at or timezone.now()
    with transaction.atomic():
        current = _locked(evidence)
        if current.removed_at is None:
            raise ValidationError("This evidence is not removed.")
        if not current.can_restore(now):
            raise ValidationError(
                "This evidence was removed more than "
                f"{settings.EVIDENCE_RETENTION_DAYS} days ago and can no longer be restored."
            )
        Evidence.objects.filter(pk=current.pk).update(removed_at=None, removed_by=None)
        current.removed_at = current.removed_by = None
        _history(current, action=EvidenceChange.Action.RESTORED, user=user, now=now)
    return current


def evidence_check(
    *,
    evidence: Evidence,
    checked: bool,
    user: AbstractBaseUser,
    at: datetime.datetime | None = None,
) -> Evidence:
    """Mark the evidence checked by `user` (a program manager or staff), or
    withdraw the check. Checking again moves the date: it was looked at again."""
    if not is_state_program(user):
        raise ValidationError("Only program managers and staff check evidence.")
    now = at or timezone.now()
    with transaction.atomic():
        current = _locked(evidence)
        if current.removed_at is not None:
            raise ValidationError("Removed evidence cannot be checked.")
        if not checked and current.checked_at is None:
            transaction.set_rollback(True)  # nothing changes, not even the revision
            return current
        values = (
            {"checked_at": now, "checked_by": user, "checked_by_name": _name(user)}
            if checked
            else {"checked_at": None, "checked_by": None, "checked_by_name": ""}
        )
        Evidence.objects.filter(pk=current.pk).update(**values)
        for field, value in values.items():
            setattr(current, field, value)
        action = EvidenceChange.Action.CHECKED if checked else EvidenceChange.Action.UNCHECKED
        _history(current, action=action, user=user, now=now)
    return current


def evidence_share(
    *,
    evidence: Evidence,
    shared: bool,
    user: AbstractBaseUser | None,
    at: datetime.datetime | None = None,
) -> Evidence:
    """Share the evidence with partners (its title on the partner page, and
    its download through the link), or stop sharing it."""
    now = at or timezone.now()
    with transaction.atomic():
        current = _locked(evidence)
        if current.removed_at is not None:
            raise ValidationError("Removed evidence cannot be shared.")
        if current.shared_with_partners == shared:
            transaction.set_rollback(True)
            return current
        Evidence.objects.filter(pk=current.pk).update(shared_with_partners=shared)
        current.shared_with_partners = shared
        action = EvidenceChange.Action.SHARED if shared else EvidenceChange.Action.UNSHARED
        _history(current, action=action, user=user, now=now)
    return current


def evidence_purge_removed(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of evidence removed more than EVIDENCE_RETENTION_DAYS
    ago. Each row stays as a tombstone (title, who added and removed it,
    when), since the history points at it; it can no longer be restored.
    Returns how many pieces were purged."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
    due = list(
        Evidence.objects.removed()
        .filter(removed_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", "task_force_id")
    )
    purged = 0
    for pk, task_force_id in due:
        with transaction.atomic():
            page_cache.bump([task_force_id])
            current = Evidence.objects.filter(pk=pk).removed().first()
            if current is None or current.removed_at >= cutoff:
                continue  # restored (or purged) since the list was read
            stored = current.file.name
            Evidence.objects.filter(pk=pk).update(file="", purged_at=now)
            _history(current, action=EvidenceChange.Action.PURGED, user=None, now=now)
        # Deleted once the row says so: a failure here leaves an orphan file
        # at worst (the next run cannot see it), never a row whose file is gone.
        if stored:
            evidence_storage().delete(stored)
        purged += 1
    return purged


def evidence_to_review(task_force: TaskForce, milestones) -> list[Evidence]:
    """The present evidence of these milestones: what a coordinator is asked
    to look at again when a status lapses or is confirmed."""
    return list(
        Evidence.objects.filter(task_force=task_force, milestone__in=milestones)
        .present()
        .select_related("milestone")
        .order_by("milestone__stage__order", "milestone__order", "-added_at", "-pk")
    )
