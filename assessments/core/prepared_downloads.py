"""Prepared downloads: an export too large to build inside a request, built
by a job for the person who asked, kept for them for a few days.

A feature decides when its download is large, then calls `prepare` with its
job (a `@task()` in its own module); the job calls `run` with the function
that builds the file, the same function that builds it in the request when
it is small. The file is private: `prepared_views` serves it to its owner
only, and only while they may still read every task force it covers.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models, transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django_tasks.base import Task

from assessments.common.downloads import BuiltFile
from assessments.core.models import TaskForce
from assessments.roles import is_signed_in_and_active
from taskforce_site import jobs

logger = logging.getLogger(__name__)

# What a person sees when a job fails: never the exception, which may name
# the data or the server.
FAILED_MESSAGE = (
    "The file could not be prepared. Try again; if it fails again, tell the site's administrators."
)
INACTIVE_MESSAGE = "Your account can no longer read task forces, so nothing was prepared."
# A builder raises PermissionDenied when the person lost access to what they
# asked for between asking and the job (a role taken away, a task force
# moved): that is no fault of the site, and the person should know why.
NO_LONGER_READABLE_MESSAGE = (
    "You can no longer read everything this file would cover, so nothing was prepared."
)
# How many of a person's downloads a page lists.
RECENT_SHOWN = 10
# How often a long export says how far it is, in rows written.
PROGRESS_EVERY_ROWS = 10_000


class _DownloadsStorage(LazyObject):
    """The "downloads" storage of settings.STORAGES, looked up when first
    used and again after the setting changes (tests use a temporary folder)."""

    def _setup(self) -> None:
        self._wrapped = storages["downloads"]


_downloads_storage = _DownloadsStorage()


@receiver(setting_changed)
def _downloads_storage_changed(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        _downloads_storage._wrapped = empty


def downloads_storage():
    """Where prepared files live: never a public URL; only the file view reads it."""
    return _downloads_storage


def download_upload_to(download: PreparedDownload, filename: str) -> str:
    # A generated name: the person and the date are in the row, not the path.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"downloads/{download.user_id}/{uuid.uuid4().hex}.{extension}"


class PreparedDownloadQuerySet(models.QuerySet):
    def current(self) -> PreparedDownloadQuerySet:
        """Not yet past their expiry (purge_expired deletes the others)."""
        return self.filter(expires_at__gt=timezone.now())

    def recent_for(self, user, *, kind: str | None = None) -> list[PreparedDownload]:
        """A person's current downloads (of `kind`), newest first, as many as
        a page lists, without the list of task forces each covers."""
        found = self.current().filter(user=user).defer("covered")
        if kind is not None:
            found = found.filter(kind=kind)
        return list(found[:RECENT_SHOWN])


class PreparedDownload(models.Model):
    """One file a person asked for, built by a job."""

    class Kind(models.TextChoices):
        STATUSES = "statuses", "Every status"
        HISTORY = "history", "Every change (history)"
        STATEWIDE_REPORT = "statewide_report", "Statewide report"
        REPORT_PACK = "report_pack", "Report pack"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prepared_downloads"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # What was asked: {"format": "csv"} and the kind's filters ({"region": ...}).
    parameters = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    # How many task forces it covers: when asked (for the waiting page), then
    # which ones, once built (checked again before each download).
    task_force_count = models.PositiveIntegerField(default=0)
    covered = models.JSONField(default=list, blank=True)
    file = models.FileField(
        upload_to=download_upload_to, storage=downloads_storage, max_length=200, blank=True
    )
    filename = models.CharField(max_length=150, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    # The queue's id of the job, to notice a job whose worker died.
    job_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    objects = PreparedDownloadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "running", "ready", "failed"]),
                name="prepared_download_known_state",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("assessments:prepared_download", args=[self.pk])

    @property
    def format(self) -> str:
        return self.parameters.get("format", "")

    @property
    def finished(self) -> bool:
        return self.state in (self.State.READY, self.State.FAILED)


Progress = Callable[[str], None]
# A builder: the download (its user, kind, parameters) and a progress
# callback -> the file and the ids of the task forces it covers.
Builder = Callable[["PreparedDownload", Progress], tuple[BuiltFile, list[int]]]


def no_progress(text: str) -> None:
    """The progress callback of a download built inside a request."""


def counted_rows(rows: Iterable[dict], progress: Progress) -> Iterator[dict]:
    """`rows`, telling `progress` every PROGRESS_EVERY_ROWS rows how many were written."""
    for written, row in enumerate(rows, start=1):
        yield row
        if written % PROGRESS_EVERY_ROWS == 0:
            progress(f"{written:,} rows written…")


def is_large(task_force_count: int) -> bool:
    """Whether a download over this many task forces is prepared by a job."""
    return task_force_count > settings.DOWNLOAD_INLINE_MAX_TASK_FORCES


def prepare(
    *, user, kind: str, parameters: dict, task_force_count: int, task: Task
) -> PreparedDownload:
    """Record what `user` asked for and queue `task` (called with the
    download's id) to build it; the job starts once this transaction commits.
    The same thing asked again while it is still being prepared (a second
    click) is the same download, not a second job."""
    now = timezone.now()
    waiting = (
        PreparedDownload.objects.current()
        .filter(user=user, kind=kind, state__in=["queued", "running"])
        .only("pk", "parameters", "state", "job_id")
    )
    for download in waiting:
        # One whose worker died is failed now, and asked for afresh.
        if download.parameters == parameters and not notice_lost_job(download).finished:
            return download
    with transaction.atomic():
        download = PreparedDownload.objects.create(
            user=user,
            kind=kind,
            parameters=parameters,
            task_force_count=task_force_count,
            created_at=now,
            expires_at=now + datetime.timedelta(days=settings.PREPARED_DOWNLOAD_DAYS),
        )
        result = jobs.enqueue(task, download.pk)
        if result is not None:
            download.job_id = str(result.id)
            download.save(update_fields=["job_id"])
    return download


def _set(download: PreparedDownload, **fields) -> None:
    for name, value in fields.items():
        setattr(download, name, value)
    download.save(update_fields=list(fields))


def run(download_id: int, build: Builder) -> None:
    """The body of every prepared download's job: build the file under the
    permissions the person has now, store it, and say how it went. A
    failure is recorded on the download (and logged), not raised: the
    person sees it on the waiting page."""
    purge_expired()
    download = (
        PreparedDownload.objects.select_related("user")
        .filter(pk=download_id, state=PreparedDownload.State.QUEUED)
        .first()
    )
    if download is None:  # already run, or deleted
        return
    if not is_signed_in_and_active(download.user):
        _set(download, state="failed", error=INACTIVE_MESSAGE, finished_at=timezone.now())
        return
    _set(download, state="running", progress="Reading the task forces…")

    def progress(text: str) -> None:
        _set(download, progress=text[:200])

    try:
        built, covered = build(download, progress)
        progress("Saving the file…")
        download.file.save(built.filename, ContentFile(built.content), save=False)
    except PermissionDenied:
        logger.info("prepared download %s (%s): access lost", download.pk, download.kind)
        _set(download, state="failed", error=NO_LONGER_READABLE_MESSAGE, finished_at=timezone.now())
        return
    except Exception:
        logger.exception("prepared download %s (%s) failed", download.pk, download.kind)
        _set(download, state="failed", error=FAILED_MESSAGE, finished_at=timezone.now())
        return
    _set(
        download,
        state="ready",
        progress="",
        file=download.file.name,
        filename=built.filename,
        content_type=built.content_type,
        size=len(built.content),
        covered=covered,
        task_force_count=len(covered),
        finished_at=timezone.now(),
    )


def notice_lost_job(download: PreparedDownload) -> PreparedDownload:
    """A download still waiting whose job the queue marked failed (its
    worker died, taskforce_site/worker.py) is failed too, so nobody waits
    for it forever."""
    if download.finished or not download.job_id:
        return download
    if jobs.job_failed(download.job_id):
        _set(download, state="failed", error=FAILED_MESSAGE, finished_at=timezone.now())
    return download


def still_readable(download: PreparedDownload) -> bool:
    """Whether its owner may still read every task force the file covers."""
    covered = download.covered or []
    if not covered:
        return is_signed_in_and_active(download.user)
    readable = TaskForce.objects.visible_to(download.user).filter(pk__in=covered).count()
    return readable == len(covered)


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Delete the downloads past their expiry, and their files. Run at the
    start of every preparation job and by `purge_prepared_downloads`."""
    expired = PreparedDownload.objects.filter(expires_at__lte=now or timezone.now())
    count = 0
    for download in expired.only("pk", "file"):
        if download.file:
            download.file.delete(save=False)
        download.delete()
        count += 1
    return count
