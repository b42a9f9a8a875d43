"""Configuration from the environment fails loudly on bad values."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from taskforce_site.env import env_bool, env_int, env_list


def _load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import taskforce_site.settings"],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _load_settings(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_manage_py_says_what_to_set_instead_of_a_traceback():
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Cannot start: DJANGO_SECRET_KEY is not set.")
    assert "Traceback" not in result.stderr


def test_debug_defaults_to_off():
    result = _load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_starts_with_a_secret_key_and_debug_off():
    assert (
        _load_settings(
            DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50, DJANGO_SITE_URL="https://example.org"
        ).returncode
        == 0
    )


def test_a_misspelt_boolean_stops_start_up():
    result = _load_settings(DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='ture' is not a boolean" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("On", True), ("0", False), ("", False)]
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", default=True) is True


def test_env_int_refuses_words(monkeypatch):
    monkeypatch.setenv("NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("NUMBER", 1)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", " example.org, www.example.org ,")
    assert env_list("HOSTS") == ["example.org", "www.example.org"]


def test_database_url_selects_the_database():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup();"
            "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'])",
        ],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "taskforce_site.settings",
            "DATABASE_URL": "postgres://someone@db.example:5432/taskforce",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "taskforce"]


def test_a_kept_database_connection_is_checked_before_reuse():
    # Without the check, a database restart fails one request per app server
    # process; the removed DJANGO_CONN_HEALTH_CHECKS switch no longer turns it off.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "taskforce_site.settings",
        "DJANGO_CONN_HEALTH_CHECKS": "0",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings;"
            "print(settings.DATABASES['default']['CONN_HEALTH_CHECKS'])",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "True", result.stderr


@pytest.mark.parametrize("value", ["-1", "sixty"])
def test_refuses_an_expiry_window_that_is_not_a_whole_number_of_days(value):
    result = _load_settings(DJANGO_DEBUG="1", DJANGO_REGISTER_EXPIRY_WINDOW_DAYS=value)
    assert result.returncode != 0
    assert "DJANGO_REGISTER_EXPIRY_WINDOW_DAYS" in result.stderr


def test_expiry_window_comes_from_the_environment():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import taskforce_site.settings as s; print(s.REGISTER_EXPIRY_WINDOW_DAYS)",
        ],
        cwd=settings.BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_DEBUG": "1",
            "DJANGO_REGISTER_EXPIRY_WINDOW_DAYS": "30",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "30", result.stderr


def test_a_misspelt_digest_weekday_stops_start_up():
    result = _load_settings(DJANGO_DEBUG="1", DJANGO_DIGEST_WEEKDAY="mondy")
    assert result.returncode != 0
    assert "DJANGO_DIGEST_WEEKDAY='mondy' is not one of: monday" in result.stderr


def test_the_digest_weekday_comes_from_the_environment():
    result = subprocess.run(
        [sys.executable, "-c", "import taskforce_site.settings as s; print(s.DIGEST_WEEKDAY)"],
        cwd=settings.BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_DEBUG": "1",
            "DJANGO_DIGEST_WEEKDAY": "Friday",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "4", result.stderr
