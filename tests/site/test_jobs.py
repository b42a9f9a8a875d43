"""The job queue's plumbing (taskforce_site/jobs.py, worker.py): a job is
queued with its transaction, runs once, and a job cut off by a dead worker
is marked failed."""

import datetime
import threading
import time
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from taskforce_site import jobs
from taskforce_site.models import WorkerHeartbeat
from taskforce_site.worker import beat, fail_abandoned_jobs, run_pending_jobs

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
    # Between jobs the worker closes connections it takes for left over;
    # the test's own is inside the test's transaction.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
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


@task()
def remember_slowly(number: int) -> int:
    time.sleep(0.05)
    RAN.append(number)
    return number


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_never_run_one_job_twice():
    """Each worker claims a job in a transaction of its own (a row lock
    skipped by the others on PostgreSQL, an exclusive transaction on
    SQLite): twenty jobs, two workers at once, each job runs once."""
    if connection.vendor == "sqlite":
        # The test database is SQLite's shared in-memory cache, which
        # answers a second writer with "table is locked" at once instead of
        # waiting as a database file does; CI's PostgreSQL run covers this.
        pytest.skip("needs a database that lets two connections wait on each other")
    for number in range(20):
        jobs.enqueue(remember_slowly, number)

    def work(worker_id: str) -> None:
        try:
            run_pending_jobs(worker_id=worker_id)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)
    assert sorted(RAN) == list(range(20))
    assert DBTaskResult.objects.successful().count() == 20
    ran_by = {tuple(row.worker_ids) for row in DBTaskResult.objects.all()}
    assert ran_by <= {("w0",), ("w1",)}
