import copy
import datetime
import functools
import json
import logging
import os
import shutil
import zoneinfo
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from stages.models import Milestone, Stage
from tests.factories import TaskForceFactory, UserFactory
from tests.routes import build_world


def _test_today() -> datetime.datetime:
    """The moment every test starts at: 10:00 on TEST_TODAY (YYYY-MM-DD) in
    the site's time zone, a Wednesday in mid-June unless set."""
    day = datetime.date.fromisoformat(os.environ.get("TEST_TODAY") or "2026-06-17")
    return datetime.datetime.combine(
        day, datetime.time(10), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)
    )


@pytest.fixture(autouse=True)
def _frozen_clock():
    """No test depends on the day it runs: the digest goes out on Mondays,
    months and years end, and a suite that passes on a Tuesday must pass on
    any day. The clock starts at one fixed moment and ticks from there (so
    "later" still comes after "earlier"). To find what breaks on a given
    day, run the suite with TEST_TODAY=2026-12-31 (docs: Development)."""
    with time_machine.travel(_test_today(), tick=True):
        yield


def _test_storages(folder) -> dict:
    """Storages under `folder`: evidence files and prepared downloads, and
    plain static files storage (production uses WhiteNoise's manifest
    storage, which needs collectstatic; tests render templates without it)."""
    return {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder / "evidence-storage"},
        },
        # Prepared downloads too (assessments/core/prepared_downloads.py).
        "downloads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder / "downloads-storage"},
        },
    }


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    """The folder evidence files go to in this test: a fresh temporary one,
    never the project's own (prepared downloads likewise)."""
    folder = tmp_path / "evidence-storage"
    folder.mkdir()
    settings.STORAGES = _test_storages(tmp_path)
    return folder


@pytest.fixture(autouse=True)
def _empty_cache():
    # Cached page parts are keyed on database ids, which a later test's rows
    # can reuse: every test starts with empty caches.
    from django.core.cache import caches

    for alias in caches:
        caches[alias].clear()
    yield
    for alias in caches:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness protects real passwords, not test ones.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_optional(settings):
    # Most tests sign staff in with force_login, which cannot carry a second
    # factor; tests/site/test_two_factor.py and the invitation tests turn the
    # production rule ("staff") back on.
    settings.TWO_FACTOR_REQUIRED = "optional"


def _run_jobs():
    from django.db import connection

    from taskforce_site.worker import run_pending_jobs

    # The worker closes connections it thinks are left over between jobs; a
    # test's connection is inside the test's transaction and must stay open.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        run_pending_jobs()
    assert connection.connection is not None


@pytest.fixture
def run_jobs(db):
    """Run the jobs that are due, as a worker would, in this test's
    transaction: call it where a worker would have picked them up."""
    return _run_jobs


@pytest.fixture(autouse=True)
def _worker_after_each_request(request):
    """A site in service has a worker taking jobs as soon as they are queued.
    Here the test client's requests stand in for that: after each request,
    the jobs it queued run, in the test's transaction, before the test
    looks at the result. A test that wants to see a job waiting (its
    progress page, a failed send) marks itself `no_worker` and calls the
    `run_jobs` fixture when it chooses."""
    if request.node.get_closest_marker("no_worker") or request.node.get_closest_marker("e2e"):
        yield
        return
    from django.test.client import Client
    from django_tasks.signals import task_enqueued

    original = Client.request
    queued = []

    def remember(sender, task_result, **kwargs):
        queued.append(task_result.id)

    def request_then_run_jobs(self, **kwargs):
        queued.clear()
        response = original(self, **kwargs)
        # Only after a request that queued something: the query counts of
        # the others stay the page's own.
        if queued:
            _run_jobs()
        return response

    task_enqueued.connect(remember)
    try:
        with mock.patch.object(Client, "request", request_then_run_jobs):
            yield
    finally:
        task_enqueued.disconnect(remember)


@pytest.fixture
def worker_alive(db):
    """A job-queue worker that said it was alive just now."""
    from django.utils import timezone

    from taskforce_site.models import WorkerHeartbeat

    now = timezone.now()
    return WorkerHeartbeat.objects.create(
        worker_id="test-worker", hostname="test", pid=1, started_at=now, last_seen=now
    )


@pytest.fixture
def events(caplog):
    """The security log's records, all or those of one event name."""
    caplog.set_level(logging.INFO, logger="taskforce.security")

    def _events(name=None):
        found = [r for r in caplog.records if r.name == "taskforce.security"]
        return [r for r in found if name is None or r.event == name]

    return _events


@functools.cache
def _guidance_fixture() -> tuple[list[dict], list[dict]]:
    """fixtures/stages.json's stages and milestones, as field values."""
    objects = json.loads((settings.BASE_DIR / "fixtures" / "stages.json").read_text())
    stages = [o["fields"] for o in objects if o["model"] == "stages.stage"]
    milestones = [o["fields"] for o in objects if o["model"] == "stages.milestone"]
    assert len(stages) + len(milestones) == len(objects), "stages.json holds other models"
    return stages, milestones


def _load_guidance() -> None:
    stage_fields, milestone_fields = _guidance_fixture()
    stages = {
        stage.slug: stage for stage in Stage.objects.bulk_create(Stage(**f) for f in stage_fields)
    }
    Milestone.objects.bulk_create(
        Milestone(**{**f, "stage": stages[f["stage"][0]]}) for f in milestone_fields
    )


@pytest.fixture
def guidance(db):
    """The 3 stages and 28 milestones of the guidance, from fixtures/stages.json.

    Written in two bulk inserts rather than by `loaddata stages` (about 120
    queries: a natural-key lookup and an update-or-insert per object, and a
    page-cache bump each), as some 1,400 tests need them; that is a tenth of
    the suite's time. `loaddata` itself, the documented reset, is tested in
    tests/site/test_fixture.py and tests/core/test_page_cache.py."""
    # A module with a `shared_world` has loaded them for all its tests.
    if not Stage.objects.exists():
        _load_guidance()


@pytest.fixture
def task_force(db):
    return TaskForceFactory()


@pytest.fixture
def coordinator(task_force):
    user = UserFactory()
    task_force.coordinators.add(user)
    return user


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def admin_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def world(guidance):
    """Every role and one object of every kind: see tests/routes.py."""
    return build_world()


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The guidance and build_world(), written once per test module inside a
    transaction that is rolled back when the module ends. Each test runs in
    a savepoint within it (pytest-django's `db`), so what a test changes is
    undone before the next one starts."""
    folder = tmp_path_factory.mktemp("world")
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with (
                time_machine.travel(_test_today(), tick=False),
                override_settings(
                    STORAGES=_test_storages(folder),
                    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                ),
            ):
                _load_guidance()
                world = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield world, folder
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def shared_world(db, _module_world, tmp_path, evidence_dir):
    """The same as `world`, built once for the module: for the sweeps that
    request every route (some 80 to 280 tests each), where building it per
    test was a tenth of the suite's time. Not for tests that need their own
    transactions (live_server, transactional_db): those use `world`."""
    world, folder = _module_world
    # The world's files, where this test's storages look for them.
    for name in ("evidence-storage", "downloads-storage"):
        if (folder / name).exists():
            shutil.copytree(folder / name, tmp_path / name, dirs_exist_ok=True)
    # The test may change the objects it is given; the next test gets them
    # as they were built.
    return copy.deepcopy(world)
