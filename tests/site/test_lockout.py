"""Login lockout (django-axes): per username and IP, with a cool-off."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.urls import reverse

from tests.login import login_data

PASSWORD = "a-long-test-password"
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


def _login(client, user, password, ip, url=None):
    return client.post(
        url or reverse("login"),
        login_data(user.username, password),
        REMOTE_ADDR=ip,
    )


def _fail_until_locked(client, user, ip, url=None):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        _login(client, user, "wrong password", ip, url)


def test_repeated_failures_lock_that_username_and_ip(client, coordinator):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, coordinator, "wrong", ATTACKER).status_code == 200
    response = _login(client, coordinator, "wrong", ATTACKER)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed log-in attempts" in html
    assert "paused here for 15 minutes" in html  # so people know when to retry
    # Whoever reads the screen knows whose account it is.
    assert coordinator.get_username() not in html


def test_the_right_password_is_refused_while_locked(client, coordinator):
    _fail_until_locked(client, coordinator, ATTACKER)
    response = _login(client, coordinator, PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_same_user_from_another_ip_is_not_locked(client, coordinator):
    _fail_until_locked(client, coordinator, ATTACKER)
    response = _login(client, coordinator, PASSWORD, ELSEWHERE)
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:dashboard")


def test_another_user_from_the_locked_ip_is_not_locked(client, coordinator, django_user_model):
    other = django_user_model.objects.create_user("colleague", password=PASSWORD)
    _fail_until_locked(client, coordinator, ATTACKER)
    assert _login(client, other, PASSWORD, ATTACKER).status_code == 302


def test_after_the_cool_off_the_right_password_works(client, coordinator):
    _fail_until_locked(client, coordinator, ATTACKER)
    assert _login(client, coordinator, PASSWORD, ATTACKER).status_code == 429
    # Move the recorded failures back past the cool-off, as time would.
    past = django_settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= past
        attempt.save()
    response = _login(client, coordinator, PASSWORD, ATTACKER)
    assert response.status_code == 302


def test_the_admin_has_no_login_of_its_own_to_get_around_the_lockout(client, staff_user):
    _fail_until_locked(client, staff_user, ATTACKER)
    response = _login(client, staff_user, PASSWORD, ATTACKER, reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert _login(client, staff_user, PASSWORD, ATTACKER).status_code == 429


@pytest.mark.parametrize("proxies, expected", [(0, "10.0.0.2"), (1, ATTACKER)])
def test_the_client_address_trusts_only_the_configured_proxies(settings, rf, proxies, expected):
    from taskforce_site.security import client_ip

    settings.TRUSTED_PROXY_COUNT = proxies
    # A client can put anything at the front of X-Forwarded-For; only the
    # address our own proxy appended (the last one) counts.
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"6.6.6.6, {ATTACKER}")
    assert client_ip(request) == expected
