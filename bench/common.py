"""Shared by the benchmark's parts: the environment, the bench database, timing."""

from __future__ import annotations

import os
import platform
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/taskforce_bench"
# A bench-only value: nothing real is ever signed with it.
BENCH_SECRET_KEY = "bench-only-secret-key-never-used-outside-the-benchmark-0123456789"  # noqa: S105
# Every bench account has this password (hashed once, see bench/data.py).
BENCH_PASSWORD = "bench-password-not-secret-2026"  # noqa: S105


def bench_environment(database_url: str, static_root: str) -> dict[str, str]:
    """The variables the app runs with, in the benchmark process and in gunicorn."""
    return {
        "DJANGO_SETTINGS_MODULE": "taskforce_site.settings",
        "DJANGO_SECRET_KEY": BENCH_SECRET_KEY,
        "DJANGO_DEBUG": "0",
        "DJANGO_STATIC_ROOT": static_root,  # DEBUG off needs collectstatic's manifest
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # gunicorn and the test client speak plain HTTP
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SITE_URL": "http://127.0.0.1",
        # The bench signs in with a password only; under the default ("staff")
        # every staff page would redirect to setting up a second factor.
        "DJANGO_TWO_FACTOR_REQUIRED": "optional",
        "DATABASE_URL": database_url,
        # Over 200 task forces, the export of every status is built by a job
        # and the request only queues it (0.02 s). The bench times building
        # the file in process, which is what that job does and what its
        # per-row target is about.
        "DJANGO_DOWNLOAD_INLINE_MAX_TASK_FORCES": "100000",
    }


def setup_django(database_url: str) -> str:
    """The benchmark's environment and django.setup(); returns the temporary
    STATIC_ROOT for collectstatic (the caller removes it)."""
    import logging
    import tempfile

    static_root = tempfile.mkdtemp(prefix="bench-static-")
    os.environ.update(bench_environment(database_url, static_root))

    import django

    django.setup()
    # The security log writes a JSON line per partner page view: keep the
    # cost in the measurement but the lines off the terminal.
    for handler in logging.getLogger("taskforce.security").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - for the process's life
    return static_root


def prepare_database(database_url: str) -> None:
    """Drop the bench database (ending its connections), create it, migrate
    it and load the stages; empty the caches, which described the old one."""
    import psycopg2
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connections
    from psycopg2 import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.startswith("taskforce_bench"):
        raise SystemExit(f"Refusing to drop {name!r}: the bench database must be taskforce_bench*")
    connections.close_all()
    # Dropped and created from the same server's `postgres` database.
    connection = psycopg2.connect(urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            name_sql = sql.Identifier(name)
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name_sql))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(name_sql))
    finally:
        connection.close()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("loaddata", "stages", verbosity=0)
    for alias in caches:  # with a shared Redis cache this empties its database
        caches[alias].clear()


def machine_info() -> dict:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
    except Exception as error:  # the report is still written
        server_version = f"unknown ({type(error).__name__})"
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "postgres": server_version,
        "platform": platform.platform(),
    }


class Phases:
    """Wall-clock time of each phase and the 1-minute load average when it
    started (anything else running shows up in the timings)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.load: dict[str, float] = {}
        self.errors: list[str] = []
        self.started = time.perf_counter()

    @contextmanager
    def __call__(self, name: str, *, carry_on: bool = False):
        """With carry_on, a failure is recorded (and said loudly) and the run goes on."""
        self.load[name] = round(os.getloadavg()[0], 2)
        log(f"-- {name} (load average {self.load[name]}) ...")
        start = time.perf_counter()
        try:
            yield
        except Exception as error:
            if not carry_on:
                raise
            self.errors.append(f"{name}: {type(error).__name__}: {error}")
            log(f"ERROR in {name}: {type(error).__name__}: {error}")
            traceback.print_exc()
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 1)
            log(f"-- {name}: {self.seconds[name]} s")

    def total(self) -> float:
        return round(time.perf_counter() - self.started, 1)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
