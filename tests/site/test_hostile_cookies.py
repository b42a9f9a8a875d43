"""Any cookie value, however malformed, is at worst no session: never a 500.

A session cookie holding a NUL byte (sessionid="abcdefgh\\000ijk") failed
every page on PostgreSQL, the login page and /healthz included.
"""

import pytest
from django.conf import settings
from django.test import Client

HOSTILE = [
    "abcdefgh\x00ijk",
    "\x00" * 32,
    "x" * 10_000,
    "ünïcødé-session-key-0123456789ab",
    "../../../../etc/passwd",
    "abcdefghijklmnopqrstuvwxyz012345",  # well-formed, but no such session
    "",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_malformed_session_cookie_is_no_session(worker_alive, value):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = value
    login = client.get("/accounts/login/")
    assert login.status_code == 200
    if value and value != "abcdefghijklmnopqrstuvwxyz012345":
        # Replaced by the sign-in's own session, or removed.
        assert login.cookies[settings.SESSION_COOKIE_NAME].value != value
        client.cookies[settings.SESSION_COOKIE_NAME] = value
    dashboard = client.get("/")
    assert dashboard.status_code == 302
    assert dashboard["Location"].startswith("/accounts/login/")
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("name", ["csrftoken", "messages", "axes", "anything"])
@pytest.mark.parametrize("value", HOSTILE[:3])
def test_other_malformed_cookies_are_ignored(world, name, value):
    client = Client()
    client.force_login(world["users"]["coordinator"])
    client.cookies[name] = value
    assert client.get("/").status_code == 200
    assert client.get("/accounts/login/").status_code in (200, 302)


def test_a_real_session_still_counts(world):
    client = Client()
    client.force_login(world["users"]["coordinator"])
    assert client.get("/").status_code == 200


def test_a_malformed_session_cookie_is_removed_from_the_browser(db):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijk"
    response = client.get("/healthz")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie.value, cookie["max-age"]) == ("", 0)
