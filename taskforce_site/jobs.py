"""Work that runs off the request: Django's tasks API (the django-tasks
backport of Django 6's django.tasks) on the database queue of django-tasks-db.

Jobs are functions decorated with `@task` in the module of the feature they
belong to; they are put on the queue with `enqueue` below and run by
`manage.py run_worker` (taskforce_site/worker.py).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from taskforce_site.models import WorkerHeartbeat


def enqueue(task: Task, *args: Any, **kwargs: Any) -> TaskResult | None:
    """Put `task` on the queue once the caller's transaction commits.

    On the database queue the job's row is written in the caller's
    transaction: a worker sees it only once that commits, and a rollback
    takes it away with the rest, so a job never runs on data that was not
    saved, and a commit never loses its job. Another backend (Redis, RQ) is
    told only after the commit; its result is then not known here (None)."""
    if isinstance(task.get_backend(), DatabaseBackend):
        return task.enqueue(*args, **kwargs)
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
    return None


def job_failed(result_id) -> bool:
    """Whether the queue marked this job failed: it raised, or its worker
    stopped mid-job (taskforce_site/worker.py). A record that waits on a job
    asks this, so nobody waits forever for one that will never finish."""
    status = DBTaskResult.objects.filter(pk=result_id).values_list("status", flat=True).first()
    return status == TaskResultStatus.FAILED


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WORKER_STALE_AFTER_SECONDS)


def worker_last_seen() -> datetime.datetime | None:
    """When a worker last said it was alive, or None if none ever did."""
    return WorkerHeartbeat.objects.values_list("last_seen", flat=True).first()
