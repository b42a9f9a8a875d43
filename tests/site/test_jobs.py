"""The job queue's plumbing (taskforce_site/jobs.py, worker.py): a job is
queued with its transaction, runs once, and a job cut off by a dead worker
is marked failed."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from taskforce_site import jobs
from taskforce_site.models import WorkerHeartbeat
from taskforce_site.worker import beat, fail_abandoned_jobs

RAN: list[int] = []


@task()
def remember(number: int) -> int:
    RAN.append(number)
    return number


@pytest.fixture(autouse=True)
def _forget():
    RAN.clear()


def test_a_job_queued_in_a_transaction_that_rolls_back_is_gone(db, run_jobs):
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.enqueue(remember, 1)
        raise RuntimeError
    assert not DBTaskResult.objects.exists()
    run_jobs()
    assert RAN == []


def test_a_queued_job_runs_once(db, run_jobs):
    result = jobs.enqueue(remember, 7)
    run_jobs()
    run_jobs()
    assert RAN == [7]
    result.refresh()
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, 7)


def test_run_worker_batch_runs_what_is_due_and_stops(db):
    jobs.enqueue(remember, 3)
    call_command("run_worker", "--batch")
    assert RAN == [3]


def _running_job(worker_id: str) -> DBTaskResult:
    result = jobs.enqueue(remember, 5)
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker_id)
    return row


def test_a_job_whose_worker_stopped_is_marked_failed(db, settings):
    settings.WORKER_STALE_AFTER_SECONDS = 60
    started = datetime.datetime(2026, 6, 17, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(started, tick=False):
        beat("gone", started_at=started)
        row = _running_job("gone")
    with time_machine.travel(started + datetime.timedelta(seconds=61), tick=False):
        assert fail_abandoned_jobs() == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "taskforce_site.worker.WorkerLost"
    assert "nothing it was writing was saved" in row.traceback


def test_a_job_whose_worker_still_beats_is_left_running(db, settings):
    settings.WORKER_STALE_AFTER_SECONDS = 60
    started = datetime.datetime(2026, 6, 17, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(started, tick=False):
        beat("busy", started_at=started)
        row = _running_job("busy")
    later = started + datetime.timedelta(minutes=30)
    with time_machine.travel(later, tick=False):
        beat("busy", started_at=started)
        assert fail_abandoned_jobs() == 0
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING
    assert WorkerHeartbeat.objects.get(worker_id="busy").last_seen == later
