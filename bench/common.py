"""Shared by the benchmark's parts: the environment, the bench database, timing."""

from __future__ import annotations

import os
import platform
import sys
import time
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
# Passed to both gunicorn instances when set, so they share one cache.
CACHE_VARIABLES = ("CACHE_URL", "REDIS_URL")


def bench_environment(database_url: str) -> dict[str, str]:
    """The variables the app runs with, in the benchmark process and in gunicorn."""
    return {
        "DJANGO_SETTINGS_MODULE": "taskforce_site.settings",
        "DJANGO_SECRET_KEY": BENCH_SECRET_KEY,
        "DJANGO_DEBUG": "0",
        # gunicorn and the test client speak plain HTTP.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SITE_URL": "http://127.0.0.1",
        # The bench signs its users in with a password only; under the default
        # ("staff") its staff user would be sent to set up a second factor,
        # and every measured page would be that redirect.
        "DJANGO_TWO_FACTOR_REQUIRED": "optional",
        "DATABASE_URL": database_url,
    }


def database_name(database_url: str) -> str:
    name = urlsplit(database_url).path.lstrip("/")
    if not name:
        raise SystemExit(f"--database-url must name a database: {database_url}")
    return name


def _maintenance_dsn(database_url: str) -> str:
    """The same server, the `postgres` database: for DROP and CREATE DATABASE."""
    parts = urlsplit(database_url)
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql", "pgsql") else parts.scheme
    return urlunsplit((scheme, parts.netloc, "/postgres", parts.query, ""))


def recreate_database(database_url: str) -> None:
    """Drop the bench database (ending its connections) and create it empty."""
    import psycopg2
    from psycopg2 import sql

    name = database_name(database_url)
    if not name.startswith("taskforce_bench"):
        # This drops the database: only ever one made for the benchmark.
        raise SystemExit(f"Refusing to drop {name!r}: the bench database must be taskforce_bench*")
    connection = psycopg2.connect(_maintenance_dsn(database_url))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


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
    """Wall-clock time of each phase, for the report."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        # The 1-minute load average when each phase started: anything else
        # running on the machine shows up in the timings.
        self.load: dict[str, float] = {}
        self.started = time.perf_counter()

    @contextmanager
    def __call__(self, name: str):
        self.load[name] = round(os.getloadavg()[0], 2)
        log(f"-- {name} (load average {self.load[name]}) ...")
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.seconds[name] = round(elapsed, 1)
            log(f"-- {name}: {elapsed:.1f} s")

    def total(self) -> float:
        return round(time.perf_counter() - self.started, 1)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
