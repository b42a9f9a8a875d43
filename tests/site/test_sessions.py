"""Session limits: idle timeout, absolute lifetime, deactivated users."""

import time

from django.conf import settings as django_settings
from django.urls import reverse

from taskforce_site.middleware import LAST_SEEN, LOGIN_AT
from tests.login import login_data

DASHBOARD = reverse("assessments:dashboard")


def _logged_in(client, user):
    response = client.post(reverse("login"), login_data(user.username, "a-long-test-password"))
    assert response.status_code == 302
    return client


def _shift(client, key, seconds):
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def test_login_starts_the_session_clock(client, coordinator):
    _logged_in(client, coordinator)
    assert abs(client.session[LOGIN_AT] - time.time()) < 5
    assert client.get(DASHBOARD).status_code == 200


def test_an_idle_session_ends(client, coordinator):
    _logged_in(client, coordinator)
    _shift(client, LAST_SEEN, django_settings.SESSION_IDLE_TIMEOUT.total_seconds() + 1)
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"]).content.decode()
    assert "logged out because your session expired" in page
    assert client.get(DASHBOARD).status_code == 302


def test_an_active_session_ends_after_its_lifetime(client, coordinator):
    _logged_in(client, coordinator)
    _shift(client, LOGIN_AT, django_settings.SESSION_COOKIE_AGE + 1)
    assert client.get(DASHBOARD).status_code == 302


def test_activity_keeps_a_session_alive(client, coordinator):
    _logged_in(client, coordinator)
    _shift(client, LAST_SEEN, django_settings.SESSION_IDLE_TIMEOUT.total_seconds() - 60)
    assert client.get(DASHBOARD).status_code == 200
    assert abs(client.session[LAST_SEEN] - time.time()) < 5


def test_a_deactivated_users_session_stops_working(client, coordinator):
    _logged_in(client, coordinator)
    coordinator.is_active = False
    coordinator.save()
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_session_idle_timeout_defaults_to_two_hours():
    assert django_settings.SESSION_IDLE_TIMEOUT.total_seconds() == 2 * 60 * 60
