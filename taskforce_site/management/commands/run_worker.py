"""Run jobs from the queue until stopped (taskforce_site/worker.py)."""

from __future__ import annotations

import functools
from argparse import BooleanOptionalAction

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import autoreload
from django.utils.crypto import get_random_string

from taskforce_site import worker


class Command(BaseCommand):
    help = "Run background jobs (imports, e-mail, large exports) until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--queues",
            default="*",
            help="Comma-separated queues to take jobs from (default: all).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait when no job is due before looking again (default 1).",
        )
        parser.add_argument(
            "--batch", action="store_true", help="Run the jobs that are due, then stop."
        )
        parser.add_argument(
            "--reload",
            action=BooleanOptionalAction,
            default=settings.DEBUG,
            help="Restart when the code changes, as runserver does (default: DEBUG).",
        )

    def handle(self, *, queues: str, interval: float, batch: bool, reload: bool, **options) -> None:
        worker_id = get_random_string(32)
        if batch:
            worker.run_pending_jobs(worker_id=worker_id)
            return
        self.stdout.write(f"Worker {worker_id[:8]} taking jobs from queue(s) {queues}.")
        run = functools.partial(
            worker.run,
            worker_id=worker_id,
            heartbeat_seconds=settings.WORKER_HEARTBEAT_SECONDS,
            queue_names=queues.split(","),
            excluded_queue_names=[],
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=True,
            max_tasks=None,
            handle_signals=not reload,
        )
        if reload:
            autoreload.run_with_reloader(run)
        else:
            run()
