"""`manage.py send_reminders`: one e-mail per person, each item once, the
person's choices, queued for the worker, and refused sends retried."""

import datetime
import email
import io
import smtplib
import socket
import threading
from email import policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse

from assessments.models import (
    AnnouncedItem,
    MouStatus,
    NotificationPreference,
    ReminderRun,
    SentNotification,
    Status,
)
from assessments.notifications import reminders
from taskforce_site.mail import queue_messages
from taskforce_site.models import OutgoingEmail
from tests.conftest import _run_jobs
from tests.factories import (
    MilestoneStatusFactory,
    PartnerAgencyFactory,
    TaskForceFactory,
    UserFactory,
)
from tests.notifications.helpers import run_reminders

# A Wednesday; the digest weekday is set to Monday (0) below.
TODAY = datetime.date(2026, 6, 10)
NEXT_MONDAY = datetime.date(2026, 6, 15)


def days(n, start=TODAY):
    return start + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _mail_settings(settings):
    settings.DIGEST_WEEKDAY = 0
    settings.SITE_URL = "https://tf.example.org"


class FailingBackend(LocmemBackend):
    """Refuses every message to an address starting with "down"; delivers
    the others to the outbox."""

    def send_messages(self, messages):
        for message in messages:
            if any(address.startswith("down") for address in message.to):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"refused")})
        return super().send_messages(messages)


def _run(date=TODAY, **options):
    """The command queues; the worker sends (run here, as it would be)."""
    run_reminders(date=date.isoformat(), **options)


@pytest.fixture
def busy(db):
    """A coordinator of two task forces, each with something due, and a
    colleague on the first."""
    first, second = TaskForceFactory(name="Lane County"), TaskForceFactory(name="Marion County")
    robin = UserFactory(email="robin@example.org", first_name="Robin")
    kim = UserFactory(email="kim@example.org")
    first.coordinators.add(robin, kim)
    second.coordinators.add(robin)
    MilestoneStatusFactory(
        task_force=first, status=Status.PLANNING, target_date=days(5), notes="Never in e-mail"
    )
    MilestoneStatusFactory(task_force=first, status=Status.IN_PROGRESS, target_date=days(-2))
    PartnerAgencyFactory(
        task_force=second,
        name="County Health",
        mou_status=MouStatus.SIGNED,
        mou_signed_on=days(-300),
        mou_renews_on=days(20),
    )
    return robin, kim, first, second


def _status(record):
    record.refresh_from_db()
    return record.status


def _to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_one_email_per_person_groups_all_their_items_by_task_force(busy):
    robin, kim, first, second = busy
    _run()
    assert sorted(m.to[0] for m in mail.outbox) == ["kim@example.org", "robin@example.org"]
    (message,) = _to("robin@example.org")
    body = message.body
    assert body.index("Lane County") < body.index("Marion County")
    assert "Overdue:" in body and "Target date" in body and "County Health" in body
    assert "https://tf.example.org/task-forces/" in body
    assert "Never in e-mail" not in body + message.alternatives[0][0]
    (kims,) = _to("kim@example.org")
    assert "Marion County" not in kims.body
    sent = SentNotification.objects.get(recipient=robin)
    assert sent.kinds == ["target_date", "mou_renewal"] and len(sent.item_keys) == 3


def test_running_twice_the_same_day_sends_nothing_new(busy):
    _run()
    first_run = len(mail.outbox)
    _run()
    assert len(mail.outbox) == first_run == 2
    assert SentNotification.objects.count() == 2


def test_an_item_comes_back_only_at_its_next_occasion(busy):
    robin, *_ = busy
    _run()
    mail.outbox.clear()
    _run(days(1))
    assert mail.outbox == []
    # Six days later the first target date is overdue: a new occasion.
    _run(days(6))
    (message,) = _to("robin@example.org")
    assert "Overdue:" in message.body and "- Target date" not in message.body


def test_never_stops_that_kind_only(busy):
    robin, *_ = busy
    NotificationPreference.objects.create(user=robin, kind="target_date", frequency="never")
    _run()
    (message,) = _to("robin@example.org")
    assert "County Health" in message.body and "Target date" not in message.body
    assert not AnnouncedItem.objects.filter(recipient=robin, key__startswith="target_date").exists()


def test_nobody_is_mailed_when_everything_is_off(busy):
    robin, kim, *_ = busy
    for person in (robin, kim):
        for kind in ("target_date", "mou_renewal"):
            NotificationPreference.objects.create(user=person, kind=kind, frequency="never")
    _run()
    assert mail.outbox == [] and not SentNotification.objects.exists()


def test_weekly_items_wait_for_the_digest_weekday(busy, capsys):
    robin, *_ = busy
    NotificationPreference.objects.create(user=robin, kind="mou_renewal", frequency="weekly")
    _run()
    (message,) = _to("robin@example.org")
    assert "County Health" not in message.body
    assert "1 item(s) held" in capsys.readouterr().out
    _run(days(1))
    assert len(_to("robin@example.org")) == 1
    _run(NEXT_MONDAY)
    monday = _to("robin@example.org")[-1]
    assert "County Health" in monday.body


def test_a_refused_send_is_recorded_once_and_retried_by_the_queue(busy, settings, capsys):
    robin, *_ = busy
    robin.email = "down-robin@example.org"
    robin.save()
    settings.EMAIL_BACKEND = "tests.notifications.test_send_reminders.FailingBackend"
    _run()
    assert "2 e-mail(s) queued" in capsys.readouterr().out
    # Kim's e-mail went; Robin's waits for its next attempt. Both are recorded
    # (queued is as good as sent), so no run queues them again.
    assert [m.to for m in mail.outbox] == [["kim@example.org"]]
    assert SentNotification.objects.count() == 2
    retry = OutgoingEmail.objects.get(to="down-robin@example.org")
    assert (retry.status, retry.attempts) == ("queued", 1)
    assert retry.last_error.startswith("SMTPRecipientsRefused")
    assert "down-robin" not in retry.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    _run()
    assert mail.outbox == []
    with time_machine.travel(retry.next_attempt_at, tick=False):
        _run_jobs()
    assert [m.to for m in mail.outbox] == [["down-robin@example.org"]]
    assert SentNotification.objects.filter(recipient=robin).count() == 1
    assert _status(retry) == "sent"


@pytest.mark.no_worker
def test_the_command_queues_and_sends_nothing_itself(busy, capsys):
    call_command("send_reminders", date=TODAY.isoformat())
    assert "Reminders for 2026-06-10: 2 e-mail(s) queued" in capsys.readouterr().out
    assert mail.outbox == []
    assert sorted(OutgoingEmail.objects.values_list("to", "status")) == [
        ("kim@example.org", "queued"),
        ("robin@example.org", "queued"),
    ]
    _run_jobs()
    assert len(mail.outbox) == 2


def test_a_batch_that_fails_records_and_queues_nothing_of_it(busy, monkeypatch):
    def broken(*args, **kwargs):
        raise IntegrityError("disk full")

    monkeypatch.setattr(SentNotification.objects, "bulk_create", broken)
    with pytest.raises(IntegrityError):
        _run()
    assert not OutgoingEmail.objects.exists() and mail.outbox == []
    assert not AnnouncedItem.objects.exists()


def test_dry_run_sends_and_records_nothing(busy, capsys):
    _run(dry_run=True)
    assert mail.outbox == [] and not SentNotification.objects.exists()
    out = capsys.readouterr().out
    assert "Would send to robin@example.org: 3 item(s)" in out and "Nothing sent" in out


def test_a_bad_date_is_refused(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", date="10/06/2026")


def test_every_email_has_unsubscribe_headers_and_links(busy):
    _run()
    (message,) = _to("robin@example.org")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<https://tf.example.org/unsubscribe/") and header.endswith("/>")
    assert message.body.count("https://tf.example.org/unsubscribe/") == 2  # a link per kind
    assert "https://tf.example.org" + reverse("assessments:notification_preferences") in (
        message.body
    )


def test_staff_read_what_was_sent_others_get_403(busy, client, staff_user):
    _run()
    robin, *_ = busy
    client.force_login(robin)
    assert client.get(reverse("assessments:sent_notifications")).status_code == 403
    client.force_login(staff_user)
    response = client.get(reverse("assessments:sent_notifications"))
    assert response.status_code == 200
    assert b"robin@example.org" in response.content and b"mou_renewal" in response.content


def test_sent_records_are_append_only(busy):
    _run()
    sent = SentNotification.objects.first()
    with pytest.raises(TypeError):
        sent.save()
    with pytest.raises(TypeError):
        SentNotification.objects.all().delete()


def _populate(count):
    for _ in range(count):
        task_force = TaskForceFactory()
        task_force.coordinators.add(UserFactory())
        MilestoneStatusFactory(task_force=task_force, status=Status.PLANNING, target_date=days(3))
        PartnerAgencyFactory(
            task_force=task_force,
            mou_status=MouStatus.SIGNED,
            mou_signed_on=days(-300),
            mou_renews_on=days(9),
        )
    UserFactory(is_staff=True)  # reads the digest on Monday


@pytest.mark.parametrize("count", [2, 20])
def test_a_run_takes_a_constant_number_of_queries(db, django_assert_max_num_queries, count):
    _populate(count)
    # Collectors and coordinators (6), digest readers, people, preferences,
    # what was sent (4), the digest (4), the queue and the records (6: a
    # savepoint and four inserts, e-mails, jobs, sent and announced, per
    # RECORD_BATCH e-mails), and the run's claim (5: a look for a killed
    # run, the insert in its own savepoint, the finish), and the recent
    # events (1; test_event_preferences.py pins them when there are some).
    with django_assert_max_num_queries(26):
        result = reminders.send_reminders(today=NEXT_MONDAY)
    assert len(result.queued) == count + 1
    assert OutgoingEmail.objects.count() == count + 1
    with django_assert_max_num_queries(16):
        again = reminders.send_reminders(today=NEXT_MONDAY)
    assert again.messages == []


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_through_a_real_smtp_server_one_message_holds_all_items(busy, settings):
    """SMTP down first (nothing listens): the run queues and records, the
    worker's first attempt fails; then the server is up and the queue's
    retry delivers one message per person."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    _run()
    assert SentNotification.objects.count() == 2
    retries = OutgoingEmail.objects.all()
    assert {(r.status, r.attempts) for r in retries} == {("queued", 1)}
    assert all(r.last_error.startswith("ConnectionRefusedError") for r in retries)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        with time_machine.travel(retries[0].next_attempt_at, tick=False):
            _run_jobs()
    finally:
        controller.stop()
    robins = [m for m in inbox.messages if m["To"] == "robin@example.org"]
    assert len(robins) == 1 and len(inbox.messages) == 2
    (message,) = robins
    text = message.get_body(preferencelist=("plain",)).get_content()
    for expected in ("Lane County", "Marion County", "Overdue:", "Target date", "County Health"):
        assert expected in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # A long header is folded onto a second line.
    assert message["List-Unsubscribe"].strip().startswith("<https://tf.example.org/unsubscribe/")
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "County Health" in html
    assert SentNotification.objects.count() == 2


RELEASE = threading.Event()


def _slow_queue(messages):
    """Holds the queueing until `RELEASE` is set (or a few seconds pass), so
    a run is still at it while the other one starts."""
    RELEASE.wait(timeout=5)
    return queue_messages(messages)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_started_at_once_send_each_email_once(monkeypatch):
    """Two hosts' cron starting the same minute: one run sends, the other
    says so and sends nothing."""
    if connection.vendor == "sqlite":
        # The test database is SQLite's shared in-memory cache, whose table
        # locks refuse even a read while the other run holds its write
        # transaction open ("database table is locked"); a database file in
        # WAL mode, as the settings open it, lets readers read. CI's
        # PostgreSQL run covers the race.
        pytest.skip("needs a database where a reader does not fail on a writer's lock")
    task_force = TaskForceFactory(name="Lane County")
    task_force.coordinators.add(UserFactory(email="robin@example.org"))
    MilestoneStatusFactory(task_force=task_force, status=Status.PLANNING, target_date=days(5))
    monkeypatch.setattr(reminders, "queue_messages", _slow_queue)
    RELEASE.clear()
    start = threading.Barrier(2)
    outputs: list = [None, None]

    def run(n):
        out = io.StringIO()
        try:
            start.wait()
            call_command("send_reminders", date=TODAY.isoformat(), stdout=out)
            outputs[n] = out.getvalue()
        except Exception as error:  # noqa: BLE001 - an escaped error is the finding
            outputs[n] = error
        finally:
            # The first run to finish is the one that did not queue.
            RELEASE.set()
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(output, str) for output in outputs), outputs
    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == ["robin@example.org"]
    assert SentNotification.objects.count() == 1
    assert sorted("1 e-mail(s) queued" in output for output in outputs) == [False, True]
    (skipped,) = [output for output in outputs if "1 e-mail(s) queued" not in output]
    assert "Another send_reminders run" in skipped and "queued nothing" in skipped
    _run_jobs()
    assert [m.to for m in mail.outbox] == [["robin@example.org"]]


NOW = datetime.datetime(2026, 6, 10, 7, 0, tzinfo=datetime.UTC)


@time_machine.travel(NOW, tick=False)
def test_a_run_that_raised_does_not_block_the_next(busy, monkeypatch):
    def broken(message):
        raise RuntimeError("template missing")

    monkeypatch.setattr(reminders, "email_for", broken)
    with pytest.raises(RuntimeError):
        _run()
    assert ReminderRun.objects.get().status == ReminderRun.Status.FAILED
    monkeypatch.undo()
    _run()
    assert len(mail.outbox) == 2
    assert ReminderRun.objects.filter(status=ReminderRun.Status.FINISHED).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_killed_run_blocks_until_forced(busy, capsys):
    ReminderRun.objects.create(day=TODAY, started_at=NOW - datetime.timedelta(minutes=30))
    _run()
    assert mail.outbox == [] and not SentNotification.objects.exists()
    out = capsys.readouterr().out
    assert "Another send_reminders run (for 2026-06-10, started " in out
    assert "queued nothing" in out and "--force" in out
    _run(force=True)
    assert len(mail.outbox) == 2
    assert list(ReminderRun.objects.order_by("pk").values_list("status", flat=True)) == [
        "failed",
        "finished",
    ]


def test_a_run_still_sending_after_hours_was_killed_and_is_taken_over(busy):
    with time_machine.travel(NOW, tick=False):
        ReminderRun.objects.create(day=days(-1), started_at=NOW - reminders.STALE_AFTER)
        _run()
        assert mail.outbox == []
    with time_machine.travel(NOW + datetime.timedelta(minutes=1), tick=False):
        _run()
    assert len(mail.outbox) == 2


def test_dry_run_claims_nothing(busy):
    ReminderRun.objects.create(day=TODAY)
    _run(dry_run=True)
    assert ReminderRun.objects.count() == 1


def test_the_database_refuses_a_second_running_run(db):
    ReminderRun.objects.create(day=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderRun.objects.create(day=days(1))
