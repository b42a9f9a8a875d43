"""End-to-end tests: a real Chromium (Playwright) against pytest-django's live server.

Run them alone with `pytest -m e2e tests/e2e`. They need Debian's Chromium at
/usr/bin/chromium (Playwright's own browser downloads are not used). Without
it they are skipped, unless E2E_REQUIRED=1 (CI), which makes them fail.
Screenshots of every page go to e2e-screenshots/ (see test_accessibility.py).
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio event loop in the main thread, so
# Django's ORM, called from the test code, believes it is in async code and
# refuses (SynchronousOnlyOperation). The test code never runs concurrently
# with that loop: the loop only runs while a Playwright call blocks.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Debian's package; E2E_CHROMIUM_PATH points elsewhere (another distribution).
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM_PATH") or "/usr/bin/chromium")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Git must ignore it (see the report / .gitignore): it is rewritten every run.
SCREENSHOT_DIR = PROJECT_ROOT / "e2e-screenshots"


def pytest_configure(config):
    # Until pyproject.toml registers it (--strict-markers is on).
    config.addinivalue_line(
        "markers", "e2e: end-to-end browser tests (Playwright + Chromium, live server)"
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the e2e tests after all the others.

    They use a transactional database, which is emptied after each of them
    (serialized_rollback puts the migrations' data back only at the start of
    the next such test). pytest-django runs such tests last, but pytest then
    groups the tests of pytest-playwright's session-scoped `browser_name`
    parameter, which can move them in among the others; those would then
    miss what the migrations created (the Program managers group). And once
    the browser has started, Django hands the main thread other database
    connection objects (see `playwright` below): no other test should run then.
    """
    e2e = [item for item in items if item.get_closest_marker("e2e")]
    if e2e:
        items[:] = [item for item in items if not item.get_closest_marker("e2e")] + e2e


def _e2e_required() -> bool:
    return os.environ.get("E2E_REQUIRED", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture(scope="session", autouse=True)
def _require_chromium():
    """Skip every e2e test when Chromium is missing; fail them when CI requires them."""
    if os.access(CHROMIUM, os.X_OK):
        return
    reason = f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package"
    if _e2e_required():
        pytest.fail(f"E2E_REQUIRED=1 but the e2e tests cannot run. {reason}.", pytrace=False)
    pytest.skip(f"{reason} to run the end-to-end tests (E2E_REQUIRED=1 makes this a failure).")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, _require_chromium):
    """Debian's Chromium instead of Playwright's download (no internet here).
    One browser for the whole session (pytest-playwright's `browser` fixture)."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def _serialized_contents(django_db_setup):
    """What the migrations created (the Program managers group, permissions),
    as Django serialized it for serialized_rollback, per database alias."""
    from django.db import connections

    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


@pytest.fixture(scope="session")
def playwright(_serialized_contents, playwright):
    """pytest-playwright's Playwright, and serialized_rollback that still works.

    Once Playwright's sync API runs its event loop in the main thread, Django
    keeps this thread's database connections in async-task storage, so the
    test code gets new connection objects that lack the serialized contents:
    serialized_rollback would silently restore nothing, and every test after
    the first would find the migrations' data gone.
    """
    from django.db import connections

    for alias, contents in _serialized_contents.items():
        connections[alias]._test_serialized_contents = contents
    return playwright


@pytest.fixture(scope="session")
def base_url(live_server):
    """Relative URLs in page.goto() go to the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def screenshot_dir():
    """e2e-screenshots/ at the project root, emptied at the start of each run."""
    shutil.rmtree(SCREENSHOT_DIR, ignore_errors=True)
    SCREENSHOT_DIR.mkdir()
    return SCREENSHOT_DIR


@pytest.fixture
def new_context(new_context):
    """pytest-playwright's contexts, failing after 10 s rather than 30 s: every
    wait is for an event (load, an element, a URL), never a fixed time."""

    def make(**kwargs):
        context = new_context(**kwargs)
        context.set_default_timeout(10_000)
        return context

    return make
