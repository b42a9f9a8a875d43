"""The job worker, for browser tests: they run a live server and no worker,
so a test runs the queued jobs (the e-mails) where a worker would have."""

from unittest import mock

from taskforce_site.worker import run_pending_jobs


def run_worker() -> None:
    # The worker closes connections it thinks are left over between jobs;
    # the test's own must stay open.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        run_pending_jobs()
