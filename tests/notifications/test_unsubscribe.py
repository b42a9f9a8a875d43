"""One-click unsubscribe: a signed, opaque token that expires, no login;
GET only asks."""

import base64
import datetime
import re

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client, override_settings
from django.urls import reverse

from assessments.models import NotificationPreference, Status
from assessments.notifications.services import LEGACY_UNSUBSCRIBE_SALT, unsubscribe_token
from tests.factories import MilestoneStatusFactory, TaskForceFactory, UserFactory
from tests.notifications.helpers import run_reminders


@pytest.fixture
def robin(db):
    return UserFactory(email="robin@example.org")


def _url(token):
    return reverse("assessments:unsubscribe", args=[token])


def _frequency(user, kind):
    row = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return row.frequency if row else None


def test_get_shows_a_button_and_changes_nothing(client, robin):
    response = client.get(_url(unsubscribe_token(robin.pk, ["target_date"])))
    assert response.status_code == 200
    assert b"Target dates coming up or overdue" in response.content
    assert b'<button type="submit"' in response.content
    assert not NotificationPreference.objects.exists()


def test_post_unsubscribes_without_login(client, robin):
    token = unsubscribe_token(robin.pk, ["target_date", "review_due"])
    response = client.post(_url(token))
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    assert _frequency(robin, "target_date") == _frequency(robin, "review_due") == "never"
    assert _frequency(robin, "mou_renewal") is None


def test_rfc_8058_one_click_post_needs_no_csrf_token(robin):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _url(unsubscribe_token(robin.pk, ["mou_renewal"])),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert _frequency(robin, "mou_renewal") == "never"


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "eyJ1IjoxfQ:1xYs2A:bad-signature",
    ],
)
def test_garbage_tokens_are_refused(client, robin, token):
    response = client.post(_url(token))
    assert response.status_code == 404
    assert b"not valid" in response.content
    assert not NotificationPreference.objects.exists()


def test_a_tampered_token_is_refused(client, robin):
    token = unsubscribe_token(robin.pk, ["target_date"])
    middle = len(token) // 2
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    assert client.post(_url(flipped)).status_code == 404
    # Made with another secret key (another site, or a key since retired): refused too.
    with override_settings(SECRET_KEY="another-site-secret-key-0123456789abcdefghijklmnop"):
        foreign = unsubscribe_token(robin.pk, ["target_date"])
    assert client.post(_url(foreign)).status_code == 404
    assert not NotificationPreference.objects.exists()


def test_unknown_kinds_and_inactive_users_are_refused(client, robin):
    bad_kind = signing.dumps({"u": robin.pk, "k": ["everything"]}, salt=LEGACY_UNSUBSCRIBE_SALT)
    assert client.post(_url(bad_kind)).status_code == 404
    robin.is_active = False
    robin.save()
    assert client.post(_url(unsubscribe_token(robin.pk, ["target_date"]))).status_code == 404
    assert not NotificationPreference.objects.exists()


def _decoded_parts(token):
    """Every part of a token, base64-decoded where it decodes."""
    parts = []
    for part in re.split(r"[:.]", token):
        try:
            parts.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        except ValueError:
            parts.append(part.encode())
    return b" ".join(parts) + token.encode()


def test_the_token_does_not_show_who_or_what():
    user_id = 987654321
    token = unsubscribe_token(user_id, ["target_date", "mou_renewal"])
    readable = _decoded_parts(token)
    for shown in (str(user_id).encode(), b"target_date", b"mou_renewal", b'"u"'):
        assert shown not in readable
    # The same user and kinds make a different token each time.
    assert unsubscribe_token(user_id, ["target_date", "mou_renewal"]) != token


MAILED = datetime.datetime(2026, 6, 10, 7, 0, tzinfo=datetime.UTC)


def test_a_token_works_for_sixty_days(client, robin, settings):
    assert settings.UNSUBSCRIBE_LINK_DAYS == 60
    with time_machine.travel(MAILED, tick=False):
        token = unsubscribe_token(robin.pk, ["target_date"])
    with time_machine.travel(MAILED + datetime.timedelta(days=60), tick=False):
        assert client.get(_url(token)).status_code == 200
        assert client.post(_url(token)).status_code == 200
    assert _frequency(robin, "target_date") == "never"


def test_an_expired_token_says_so_and_changes_nothing(client, robin, settings):
    settings.UNSUBSCRIBE_LINK_DAYS = 14
    with time_machine.travel(MAILED, tick=False):
        token = unsubscribe_token(robin.pk, ["target_date"])
    with time_machine.travel(MAILED + datetime.timedelta(days=15), tick=False):
        for response in (client.get(_url(token)), client.post(_url(token))):
            assert response.status_code == 410
            assert b"This unsubscribe link has expired" in response.content
            assert b"work for 14 days" in response.content
            preferences = reverse("assessments:notification_preferences").encode()
            assert b'href="' + preferences + b'"' in response.content
    assert not NotificationPreference.objects.exists()


def test_a_link_mailed_before_tokens_were_opaque_works_until_it_expires(client, robin):
    with time_machine.travel(MAILED, tick=False):
        legacy = signing.dumps({"u": robin.pk, "k": ["review_due"]}, salt=LEGACY_UNSUBSCRIBE_SALT)
    with time_machine.travel(MAILED + datetime.timedelta(days=61), tick=False):
        assert client.post(_url(legacy)).status_code == 410
    with time_machine.travel(MAILED + datetime.timedelta(days=59), tick=False):
        assert client.post(_url(legacy)).status_code == 200
    assert _frequency(robin, "review_due") == "never"


def test_the_links_of_a_real_reminder_unsubscribe_from_that_kind(client, robin, settings):
    settings.SITE_URL = "https://tf.example.org"
    task_force = TaskForceFactory()
    task_force.coordinators.add(robin)
    MilestoneStatusFactory(
        task_force=task_force, status=Status.PLANNING, target_date=datetime.date(2026, 6, 12)
    )
    run_reminders(date="2026-06-10")
    (message,) = mail.outbox
    header = message.extra_headers["List-Unsubscribe"]
    path = re.search(r"https://tf\.example\.org(/unsubscribe/\S+/)>", header).group(1)
    assert (
        client.post(
            path,
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        ).status_code
        == 200
    )
    assert _frequency(robin, "target_date") == "never"
    # Nothing more is sent for that kind.
    mail.outbox.clear()
    run_reminders(date="2026-06-13")
    assert mail.outbox == []


def test_a_link_mailed_before_a_key_rotation_works_while_the_old_key_is_a_fallback(client, robin):
    old_key = "the-key-before-rotation-0123456789abcdefghijklmnopqrs"
    with override_settings(SECRET_KEY=old_key):
        token = unsubscribe_token(robin.pk, ["target_date"])
    with override_settings(SECRET_KEY_FALLBACKS=[old_key]):
        assert client.post(_url(token)).status_code == 200
    assert NotificationPreference.objects.get(user=robin, kind="target_date").frequency == "never"
