"""Outgoing e-mail: the password reset for every account, branded messages,
and deploy checks that catch a configuration that sends nowhere."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from taskforce_site.checks import check_email
from tests.factories import UserFactory


def _reset(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def test_an_invited_account_without_a_password_can_reset_it(client, db, mailoutbox, settings):
    settings.SITE_NAME = "Oregon Task Force Stages"
    invited = UserFactory(email="robin@example.org", first_name="Robin")
    invited.set_unusable_password()
    invited.save()
    response = _reset(client, "Robin@Example.org")
    assert response.status_code == 302
    (message,) = mailoutbox
    assert message.subject == "Choose a new password for Oregon Task Force Stages"
    assert "Hello Robin" in message.body
    assert message.alternatives[0][1] == "text/html"
    path = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form = client.get(path, follow=True)
    assert form.status_code == 200
    new = "a brand new passphrase 77"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    invited.refresh_from_db()
    assert invited.check_password(new)


def test_reset_never_reveals_whether_an_account_exists(client, db, mailoutbox):
    UserFactory(email="known@example.org")
    inactive = UserFactory(email="gone@example.org", is_active=False)
    known = _reset(client, "known@example.org")
    unknown = _reset(client, "nobody@example.org")
    deactivated = _reset(client, inactive.email)
    assert known.status_code == unknown.status_code == deactivated.status_code == 302
    assert known["Location"] == unknown["Location"] == deactivated["Location"]
    assert [m.to for m in mailoutbox] == [["known@example.org"]]


def test_reset_links_use_the_configured_address_not_the_host_header(
    client, db, mailoutbox, settings
):
    settings.SITE_URL = "https://tf.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example.com"]
    UserFactory(email="known@example.org")
    _reset(client, "known@example.org", HTTP_HOST="evil.example.com")
    (message,) = mailoutbox
    assert "https://tf.example.org/accounts/reset/" in message.body
    assert "evil.example.com" not in message.body + message.alternatives[0][0]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
    ],
)
def test_a_backend_that_delivers_nothing_fails_the_deploy_check(settings, backend):
    settings.EMAIL_BACKEND = backend
    settings.SITE_URL = "https://tf.example.org"
    settings.DEFAULT_FROM_EMAIL = "Task Force Stages <no-reply@tf.example.org>"
    assert [w.id for w in check_email(None)] == ["taskforce.W001"]


def test_a_production_mail_setup_passes_the_deploy_check(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.SITE_URL = "https://tf.example.org"
    settings.DEFAULT_FROM_EMAIL = "Task Force Stages <no-reply@tf.example.org>"
    assert check_email(None) == []


def test_plain_http_links_and_a_localhost_sender_are_flagged(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.SITE_URL = "http://tf.example.org"
    settings.DEFAULT_FROM_EMAIL = "webmaster@localhost"
    assert [w.id for w in check_email(None)] == ["taskforce.W002", "taskforce.W003"]


def test_check_deploy_with_fail_level_warning_fails_on_the_console_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with pytest.raises(SystemCheckError, match="taskforce.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "email")
