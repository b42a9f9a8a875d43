"""The job-queue worker (`manage.py run_worker`): django-tasks-db's worker,
plus a heartbeat, and the clean-up of jobs whose worker died.

A worker records that it is alive every WORKER_HEARTBEAT_SECONDS from a
thread of its own, so a long job does not make it look dead, and /healthz
can tell a stopped worker from an idle one. A job still marked as running
by a worker not seen for WORKER_STALE_AFTER_SECONDS was cut off (a restart,
a crash, a killed machine): it is marked as failed, so whoever waits on it
sees that, instead of a job that runs forever. Whatever it wrote was in
an open transaction, which the database rolled back. An e-mail it was
sending is marked failed for staff to judge (taskforce_site/mail.py).
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading

from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult

from taskforce_site.jobs import stale_after
from taskforce_site.mail import fail_interrupted_mail
from taskforce_site.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """The worker running a job stopped before the job finished."""


def fail_abandoned_jobs() -> int:
    """Mark as failed every running job whose worker is no longer seen."""
    alive = set(
        WorkerHeartbeat.objects.alive(stale_after=stale_after()).values_list("worker_id", flat=True)
    )
    cutoff = timezone.now() - stale_after()
    failed = 0
    for result in DBTaskResult.objects.running().filter(started_at__lt=cutoff):
        if result.worker_ids and result.worker_ids[-1] in alive:
            continue
        result.set_failed(
            WorkerLost(
                "The worker running this job stopped before it finished; "
                "nothing it was writing was saved."
            )
        )
        logger.warning("job %s (%s) failed: its worker stopped", result.id, result.task_path)
        failed += 1
    return failed


def beat(worker_id: str, *, started_at) -> None:
    now = timezone.now()
    # Workers killed without a goodbye leave their row; a day on, nobody
    # needs it.
    WorkerHeartbeat.objects.filter(last_seen__lt=now - datetime.timedelta(days=1)).delete()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"last_seen": now},
        create_defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "last_seen": now,
        },
    )


class Heartbeat(threading.Thread):
    def __init__(self, worker_id: str, interval: float) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.started_at = timezone.now()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                beat(self.worker_id, started_at=self.started_at)
                fail_abandoned_jobs()
                fail_interrupted_mail()
            except Exception:
                # A database that is briefly away must not end the worker;
                # the next beat tries again, and /healthz shows the gap.
                logger.exception("worker heartbeat failed")
            self.stopped.wait(self.interval)
        connection.close()


def run(
    *, worker_id: str, heartbeat_seconds: float, handle_signals: bool = True, **options
) -> None:
    """Take jobs until stopped. With `handle_signals`, a first Ctrl-C or
    SIGTERM lets the running job finish, a second ends it (under the
    autoreloader, which runs this in a thread, signals stay Python's)."""
    heartbeat = Heartbeat(worker_id, heartbeat_seconds)
    heartbeat.start()
    try:
        worker = DatabaseWorker(worker_id=worker_id, **options)
        if handle_signals:
            worker.configure_signals()
        worker.run()
    finally:
        heartbeat.stopped.set()
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def run_pending_jobs(*, worker_id: str = "inline") -> None:
    """Run every job that is due now, in this process, then return: for
    tests and `manage.py run_worker --batch`."""
    DatabaseWorker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
    ).run()


__all__ = ["TaskResultStatus", "fail_abandoned_jobs", "run", "run_pending_jobs"]
