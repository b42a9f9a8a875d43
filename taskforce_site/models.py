"""The site's own records: which job-queue workers are alive."""

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
