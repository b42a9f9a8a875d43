"""Every e-mail goes through the job queue (taskforce_site/mail.py): queued
with the action's transaction, sent once however often its job runs,
retried with back-off while the mail server refuses, then failed where
staff see it and can send it again; one cut off mid-send is never sent
twice by itself."""

import datetime
import logging
import smtplib

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from assessments.models import Invitation, Status
from assessments.notifications import reminders
from assessments.team import services as invitations
from taskforce_site import mail as outgoing
from taskforce_site.models import OutgoingEmail
from taskforce_site.worker import Heartbeat
from tests.factories import MilestoneStatusFactory, TaskForceFactory, UserFactory

pytestmark = pytest.mark.no_worker

ADDRESS = "robin@example.org"


class RefusingBackend(LocmemBackend):
    """A mail server that refuses every message, naming the recipient."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"mailbox unavailable")})


class FlakyBackend(LocmemBackend):
    """Refuses the first `failures` messages, then delivers."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise ConnectionRefusedError(111, "Connection refused")
        return super().send_messages(messages)


class BrokenBackend(LocmemBackend):
    def send_messages(self, messages):
        raise ValueError("not the server's doing")


@pytest.fixture
def flaky(settings):
    def _flaky(failures):
        FlakyBackend.failures, FlakyBackend.calls = failures, 0
        settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"

    return _flaky


def _queue(to=ADDRESS, **context):
    (record,) = outgoing.queue_templated_mail(
        to=[to],
        template="event",
        context={
            "line": {
                "subject": "The state program replied to a help request of Lane County",
                "sentence": "Kim Lee replied to the help request of Lane County.",
                "url": "https://tf.example.org/x/",
            },
            "group_label": "Replies",
            "unsubscribe_url": "https://tf.example.org/u/",
            "preferences_url": "https://tf.example.org/p/",
            **context,
        },
    )
    return record


def _status(record):
    record.refresh_from_db()
    return record.status


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_queued_mail_is_rendered_and_waits_for_the_worker(db, run_jobs):
    record = _queue()
    assert (record.to, record.template, record.status) == (ADDRESS, "event", "queued")
    assert "Lane County" in record.body_text and "Lane County" in record.body_html
    assert record.headers["Message-ID"].endswith(">")
    assert mail.outbox == []
    run_jobs()
    (message,) = mail.outbox
    assert message.to == [ADDRESS] and message.subject == record.subject
    assert message.extra_headers["Message-ID"] == record.headers["Message-ID"]
    assert message.alternatives[0][1] == "text/html"
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("sent", 1)
    assert record.sent_at is not None
    # A link may hold a token: the bodies are not kept once sent.
    assert record.body_text == record.body_html == ""


def test_a_mail_is_sent_once_when_its_job_runs_twice(db, run_jobs):
    record = _queue()
    # A second job for the same message (a retried job, two workers).
    outgoing.jobs.enqueue(outgoing.send_queued_mail, record.pk)
    run_jobs()
    assert len(mail.outbox) == 1
    assert outgoing.send_queued_mail.call(record.pk) == "not queued"
    assert len(mail.outbox) == 1
    assert _status(record) == "sent"


def test_a_rolled_back_transaction_queues_nothing(db, run_jobs):
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue()
        raise RuntimeError
    assert not OutgoingEmail.objects.exists() and not DBTaskResult.objects.exists()
    run_jobs()
    assert mail.outbox == []


def test_a_refusal_is_retried_with_back_off_then_sent_once(db, run_jobs, flaky):
    flaky(2)
    start = datetime.datetime(2026, 6, 17, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        record = _queue()
        run_jobs()
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("queued", 1)
    assert record.next_attempt_at == start + datetime.timedelta(minutes=1)
    assert record.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    # Not due yet: nothing is tried.
    with time_machine.travel(start + datetime.timedelta(seconds=59), tick=False):
        run_jobs()
    assert FlakyBackend.calls == 1
    second = start + datetime.timedelta(minutes=1)
    with time_machine.travel(second, tick=False):
        run_jobs()
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("queued", 2)
    assert record.next_attempt_at == second + datetime.timedelta(minutes=5)
    with time_machine.travel(record.next_attempt_at, tick=False):
        run_jobs()
    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("sent", 3)


def test_the_back_off_grows_and_then_repeats():
    minutes = [outgoing.retry_delay(n).total_seconds() / 60 for n in range(1, 7)]
    assert minutes == [1, 5, 30, 120, 120, 120]


def _fail_for_good(settings, run_jobs, attempts=2):
    settings.EMAIL_MAX_ATTEMPTS = attempts
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    record = _queue()
    for _ in range(attempts):
        record.refresh_from_db()
        with time_machine.travel(record.next_attempt_at, tick=False):
            run_jobs()
    record.refresh_from_db()
    return record


def test_after_the_last_attempt_it_is_failed_and_logged_without_the_address(
    db, run_jobs, settings, caplog
):
    caplog.set_level(logging.WARNING, logger="taskforce_site.mail")
    record = _fail_for_good(settings, run_jobs, attempts=3)
    assert (record.status, record.attempts) == ("failed", 3)
    assert record.last_error.startswith("SMTPRecipientsRefused: ")
    assert "[address]" in record.last_error and ADDRESS not in record.last_error
    (line,) = [r for r in caplog.records if r.name == "taskforce_site.mail"]
    assert line.levelno == logging.WARNING
    assert "failed after 3 attempt(s)" in line.getMessage()
    assert ADDRESS not in line.getMessage()
    # No job left waiting: it is not tried again by itself.
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    assert mail.outbox == []


def test_failed_mail_shows_in_the_admin_list_and_the_counts(
    db, run_jobs, settings, admin_client, django_assert_max_num_queries
):
    _fail_for_good(settings, run_jobs)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for address in ("a@example.org", "b@example.org"):
        _queue(to=address)
    run_jobs()
    url = reverse("admin:taskforce_site_outgoingemail_changelist")
    with django_assert_max_num_queries(12):
        listed = admin_client.get(url, {"status__exact": "failed"})
    (row,) = listed.context["cl"].result_list
    assert (row.to, row.template, row.status) == (ADDRESS, "event", "failed")
    page = listed.content.decode()
    assert "SMTPRecipientsRefused" in page and ">2<" in page  # attempts
    assert len(admin_client.get(url).context["cl"].result_list) == 3

    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "1 e-mail could not be sent" in index
    assert f"{url}?status__exact=failed" in index
    sent_page = admin_client.get(reverse("assessments:sent_notifications")).content.decode()
    assert "1 e-mail (of any kind) could not be sent" in sent_page


def test_the_admin_says_nothing_when_no_mail_failed(db, admin_client):
    _queue()
    assert "could not be sent" not in admin_client.get(reverse("admin:index")).content.decode()


def test_the_admin_never_shows_a_body_and_adds_nothing(db, run_jobs, settings, admin_client):
    record = _fail_for_good(settings, run_jobs)
    page = admin_client.get(
        reverse("admin:taskforce_site_outgoingemail_change", args=[record.pk])
    ).content.decode()
    assert record.subject in page
    assert "https://tf.example.org/x/" not in page  # the link in the body
    assert admin_client.get(reverse("admin:taskforce_site_outgoingemail_add")).status_code == 403


def test_send_again_requeues_failed_ones_and_the_worker_sends_them(
    db, run_jobs, settings, admin_client
):
    record = _fail_for_good(settings, run_jobs)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = _queue(to="sent@example.org")
    run_jobs()
    mail.outbox.clear()
    response = admin_client.post(
        reverse("admin:taskforce_site_outgoingemail_changelist"),
        {"action": "send_again", "_selected_action": [record.pk, sent.pk]},
        follow=True,
    )
    assert "1 failed e-mail(s) queued again. 1 not failed" in response.content.decode()
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("queued", 0)
    run_jobs()
    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    assert _status(record) == "sent"
    assert "could not be sent" not in admin_client.get(reverse("admin:index")).content.decode()


def test_staff_without_change_rights_cannot_send_again(db, run_jobs, settings, client):
    record = _fail_for_good(settings, run_jobs)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outgoingemail"))
    client.force_login(viewer)
    url = reverse("admin:taskforce_site_outgoingemail_changelist")
    assert client.get(url).status_code == 200
    client.post(url, {"action": "send_again", "_selected_action": [record.pk]})
    assert _status(record) == "failed"


def test_healthz_does_not_fail_because_of_failed_mail(db, run_jobs, settings, client, worker_alive):
    _fail_for_good(settings, run_jobs)
    response = client.get("/healthz")
    assert response.status_code == 200


def test_an_error_that_is_not_the_servers_fails_at_once(db, run_jobs, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    record = _queue()
    run_jobs()
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("failed", 1)
    assert record.last_error == "ValueError: not the server's doing"
    job = DBTaskResult.objects.get()
    assert job.status == TaskResultStatus.FAILED


def test_a_mail_cut_off_mid_send_is_failed_for_staff_never_sent_again(db, run_jobs, settings):
    settings.WORKER_STALE_AFTER_SECONDS = 60
    settings.EMAIL_TIMEOUT = 10
    start = datetime.datetime(2026, 6, 17, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        record = _queue()
        # The worker took it, then died before it could say how it went.
        OutgoingEmail.objects.filter(pk=record.pk).update(
            status="sending", claimed_at=start, attempts=1
        )
    with time_machine.travel(start + datetime.timedelta(seconds=159), tick=False):
        assert outgoing.fail_interrupted_mail() == 0
    assert _status(record) == "sending"
    with time_machine.travel(start + datetime.timedelta(seconds=161), tick=False):
        assert outgoing.fail_interrupted_mail() == 1
    record.refresh_from_db()
    assert record.status == "failed" and record.last_error.startswith("Interrupted")
    # Its job, run again, sends nothing: at most once.
    run_jobs()
    assert mail.outbox == []


class SlowBackend(LocmemBackend):
    """Delivers, but so late that the message was meanwhile found "sending"
    too long and marked failed."""

    def send_messages(self, messages):
        OutgoingEmail.objects.update(status="failed", last_error=outgoing.INTERRUPTED)
        return super().send_messages(messages)


def test_a_slow_send_that_went_out_after_all_is_marked_sent(db, run_jobs, settings):
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    record = _queue()
    run_jobs()
    assert len(mail.outbox) == 1
    assert _status(record) == "sent"


def test_a_queued_mail_whose_job_was_lost_is_queued_again(db, run_jobs, settings):
    settings.WORKER_STALE_AFTER_SECONDS = 60
    settings.EMAIL_TIMEOUT = 10
    start = datetime.datetime(2026, 6, 17, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        record = _queue()
    # The worker took the job and died before the message was claimed.
    DBTaskResult.objects.update(status=TaskResultStatus.FAILED)
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        outgoing.fail_interrupted_mail()
        run_jobs()
    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    assert _status(record) == "sent"


def test_a_backlog_is_not_queued_twice(db, settings):
    settings.WORKER_STALE_AFTER_SECONDS = 60
    start = datetime.datetime(2026, 6, 17, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        _queue()
        _queue(to="kim@example.org")
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        outgoing.fail_interrupted_mail()
    assert DBTaskResult.objects.count() == 2


def test_the_worker_heartbeat_fails_interrupted_mail(db, monkeypatch):
    seen = []
    monkeypatch.setattr("taskforce_site.worker.fail_interrupted_mail", lambda: seen.append(1))
    monkeypatch.setattr("taskforce_site.worker.connection.close", lambda: None)
    beat = Heartbeat("test-worker", 0.01)
    monkeypatch.setattr(beat.stopped, "wait", lambda interval: beat.stopped.set())
    beat.run()
    assert seen == [1]


def test_errors_name_no_address():
    error = smtplib.SMTPRecipientsRefused({"robin@example.org": (550, b"no robin@example.org")})
    described = outgoing.describe_error(error)
    assert described.startswith("SMTPRecipientsRefused:")
    assert "@" not in described


def test_an_invitation_is_queued_and_the_worker_sends_it(task_force, staff_user, run_jobs):
    invitations.invitation_create(
        email=ADDRESS,
        first_name="Robin",
        last_name="Reyes",
        role=Invitation.Role.COORDINATOR,
        task_forces=[task_force],
        invited_by=staff_user,
    )
    (record,) = OutgoingEmail.objects.all()
    assert (record.to, record.template, record.status) == (ADDRESS, "invitation", "queued")
    assert mail.outbox == []
    run_jobs()
    assert [m.to for m in mail.outbox] == [[ADDRESS]]


def test_the_digest_queues_one_mail_per_person_and_no_notes(db, settings, run_jobs):
    settings.DIGEST_WEEKDAY = 0
    monday = datetime.date(2026, 6, 15)
    secret = "Note-Pangolin-5521 about a survivor"
    for n in range(3):
        task_force = TaskForceFactory(name=f"County {n}")
        task_force.coordinators.add(UserFactory(email=f"c{n}@example.org"))
        MilestoneStatusFactory(
            task_force=task_force,
            status=Status.PLANNING,
            target_date=monday + datetime.timedelta(days=2),
            notes=secret,
        )
    UserFactory(is_staff=True, email="staff@example.org")
    result = reminders.send_reminders(today=monday)
    assert len(result.queued) == 4
    records = list(OutgoingEmail.objects.all())
    assert sorted(r.to for r in records) == [
        "c0@example.org",
        "c1@example.org",
        "c2@example.org",
        "staff@example.org",
    ]
    for record in records:
        assert secret not in record.subject + record.body_text + record.body_html
    assert mail.outbox == []
    run_jobs()
    assert len(mail.outbox) == 4
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}
