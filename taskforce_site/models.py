"""The site's own records: which job-queue workers are alive, and the
e-mails it queued."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone


class WorkerHeartbeatQuerySet(models.QuerySet):
    def alive(self, *, stale_after: datetime.timedelta) -> WorkerHeartbeatQuerySet:
        return self.filter(last_seen__gte=timezone.now() - stale_after)


class WorkerHeartbeat(models.Model):
    """One row per `run_worker` process, touched every few seconds, busy or
    idle, so a worker that stopped is told apart from one with nothing to do."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    objects = WorkerHeartbeatQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"worker {self.hostname}:{self.pid}"


class OutgoingEmailQuerySet(models.QuerySet):
    def failed(self) -> OutgoingEmailQuerySet:
        return self.filter(status=OutgoingEmail.Status.FAILED)


class OutgoingEmail(models.Model):
    """One e-mail to one address, rendered when it was queued (in the
    transaction of the action that decided it) and sent by the job queue
    (taskforce_site/mail.py). Failed ones stay for staff to see and resend.

    The bodies are what the templates made: names, dates and links behind
    login, never notes or document contents. A link may carry a token (a
    password reset), so the bodies are emptied once the message is sent
    and never shown in the admin."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    to = models.EmailField("to", max_length=254)
    from_email = models.CharField(max_length=254)
    subject = models.CharField(max_length=998)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    template = models.CharField(max_length=100)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When the current attempt took the message: a message still "sending"
    # long after this was cut off mid-send (see mail.fail_interrupted_mail).
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "outgoing e-mail"
        verbose_name_plural = "outgoing e-mails"

    def __str__(self) -> str:
        return f"{self.template} to {self.to} ({self.status})"
