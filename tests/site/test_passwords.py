"""Password reset by e-mail, password rules, long passphrases."""

import re
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError
from django.urls import reverse

from taskforce_site.models import OutgoingEmail
from tests.login import login_data

LONG = "correct horse battery staple " * 4  # 116 characters


def test_password_reset_by_email_end_to_end(client, coordinator):
    response = client.post(reverse("password_reset"), {"email": coordinator.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": LONG, "new_password2": LONG})
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.check_password(LONG)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


class MailServerDown(BaseEmailBackend):
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def send_messages(self, email_messages):
        raise self.error


class MailServerUnreachable(MailServerDown):
    error = ConnectionRefusedError(111, "Connection refused")


def _ask_for_a_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email}, follow=True)


def test_the_reset_page_says_what_to_do_when_nothing_arrives(client, db, settings):
    page = _ask_for_a_reset(client, "nobody@example.org").content.decode()
    assert "If an account has that address" in page
    assert "try again later" in page
    assert settings.PROGRAM_NAME in page


@pytest.mark.parametrize("backend", [MailServerDown, MailServerUnreachable])
def test_a_mail_failure_answers_as_an_unknown_address_does_and_is_retried(
    client, coordinator, settings, backend
):
    unknown = _ask_for_a_reset(client, "nobody@example.org")
    known = _ask_for_a_reset(client, coordinator.email)
    settings.EMAIL_BACKEND = f"{__name__}.{backend.__name__}"
    failed = _ask_for_a_reset(client, coordinator.email)

    # Nothing tells which addresses have an account: the same redirect, to
    # the same page, whether the address is unknown, known, or the mail
    # server refused the message.
    assert [r.redirect_chain for r in (known, failed)] == [unknown.redirect_chain] * 2
    assert [r.status_code for r in (known, failed)] == [unknown.status_code] * 2
    assert [r.content for r in (known, failed)] == [unknown.content] * 2
    # The refused one waits for its next attempt, its error without the address.
    retry = OutgoingEmail.objects.get(status=OutgoingEmail.Status.QUEUED)
    assert retry.attempts == 1
    assert retry.last_error.startswith(backend.error.__class__.__name__)
    assert coordinator.email not in retry.last_error


@pytest.mark.no_worker
def test_the_reset_request_queues_the_mail_and_never_waits_on_the_server(
    client, coordinator, settings, run_jobs
):
    # The request does not talk to the mail server at all: a known address
    # costs what an unknown one does, whatever the server does.
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    response = client.post(reverse("password_reset"), {"email": coordinator.email})
    assert response.status_code == 302
    (queued,) = OutgoingEmail.objects.all()
    assert (queued.to, queued.template, queued.attempts) == (
        coordinator.email,
        "password_reset",
        0,
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_jobs()
    assert [m.to for m in mail.outbox] == [[coordinator.email]]


def test_a_failure_to_queue_answers_the_same_and_is_logged(
    client, coordinator, monkeypatch, events
):
    unknown = _ask_for_a_reset(client, "nobody@example.org")

    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr("taskforce_site.forms.queue_templated_mail", broken)
    failed = _ask_for_a_reset(client, coordinator.email)
    assert failed.redirect_chain == unknown.redirect_chain
    assert failed.content == unknown.content
    (logged,) = events("password_reset.mail_failed")
    assert logged.target_user_id == coordinator.pk
    assert logged.error == "DatabaseError"
    # The address is not written down: an address says who asked.
    assert coordinator.email not in str(vars(logged))


def test_a_used_or_made_up_reset_link_says_so(client, db):
    response = client.get("/accounts/reset/MQ/not-a-real-token/")
    assert "has already been used or has expired" in response.content.decode()


def test_password_rules_refuse_short_and_common_passwords(coordinator_client, coordinator):
    url = reverse("password_change")
    for weak in ("short1", "password123", "1234567890123"):
        response = coordinator_client.post(
            url,
            {
                "old_password": "a-long-test-password",
                "new_password1": weak,
                "new_password2": weak,
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors["new_password1"]
        assert "new_password2" not in response.context["form"].errors
    coordinator.refresh_from_db()
    assert coordinator.check_password("a-long-test-password")


def test_a_long_passphrase_can_be_set_and_used_to_log_in(client, coordinator_client, coordinator):
    response = coordinator_client.post(
        reverse("password_change"),
        {"old_password": "a-long-test-password", "new_password1": LONG, "new_password2": LONG},
    )
    assert response.status_code == 302
    coordinator_client.post(reverse("logout"))
    response = client.post(reverse("login"), login_data(coordinator.username, LONG))
    assert response.status_code == 302
