"""/reminders/sent/: the record of reminder and digest e-mails the mail
server accepted, for staff only, paged, in constant queries."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from assessments.models import NotificationKind, SentNotification
from assessments.notifications.reminders import send_reminders
from assessments.notifications.views import SENT_PER_PAGE
from stages.models import Milestone
from tests.factories import MilestoneStatusFactory, UserFactory, program_manager

URL = "/reminders/sent/"


def _sent(count: int) -> None:
    recipient = UserFactory(first_name="Dana", last_name="Reyes")
    SentNotification.objects.bulk_create(
        SentNotification(
            recipient=recipient,
            email=f"dana{i}@county.example",
            kinds=[NotificationKind.TARGET_DATE, NotificationKind.CYCLE_DUE],
            item_keys=[f"target_date:{i}:1", f"cycle_due:{i}:2"],
            run_date=datetime.date(2026, 12, 1),
        )
        for i in range(count)
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_see_who_was_sent_which_kinds_and_how_many_items(db, staff_user):
    _sent(1)
    page = _client(staff_user).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dana Reyes" in html
    assert "dana0@county.example" in html
    assert "Target dates coming up or overdue; Review cycle due dates" in html
    assert "1 Dec 2026" in html


def test_a_real_run_is_listed_without_any_notes(
    guidance, task_force, coordinator, staff_user, run_jobs
):
    milestone = Milestone.objects.get(slug="task-force-mou")
    today = timezone.localdate()
    MilestoneStatusFactory(
        task_force=task_force,
        milestone=milestone,
        status="in_progress",
        target_date=today + datetime.timedelta(days=3),
        notes="Totals only: met the sheriff",
    )
    send_reminders(today=today)
    run_jobs()
    # The coordinator's reminder; on the digest's weekday staff get the digest too.
    (reminder,) = [m for m in mail.outbox if m.to == [coordinator.email]]
    html = _client(staff_user).get(URL).content.decode()
    assert coordinator.email in html
    assert "Target dates coming up or overdue" in html
    # Names, dates and counts only: never the milestone's notes.
    assert "met the sheriff" not in html
    assert "met the sheriff" not in reminder.body
    assert all("met the sheriff" not in m.body for m in mail.outbox)


@pytest.mark.parametrize("user", ["coordinator", "manager"])
def test_only_staff_may_read_it(db, coordinator, user):
    who = coordinator if user == "coordinator" else program_manager()
    _sent(1)
    assert _client(who).get(URL).status_code == 403


def test_signed_out_visitors_are_sent_to_log_in(db):
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_nothing_sent_yet_says_so(db, staff_user):
    assert "No reminder e-mail was sent yet." in _client(staff_user).get(URL).content.decode()


def test_it_pages_newest_first(db, staff_user):
    _sent(SENT_PER_PAGE + 3)
    client = _client(staff_user)
    first = client.get(URL)
    assert len(first.context["page"].object_list) == SENT_PER_PAGE
    newest = SentNotification.objects.order_by("-sent_at", "-pk").first()
    assert first.context["page"].object_list[0] == newest
    second = client.get(URL, {"page": 2})
    assert len(second.context["page"].object_list) == 3
    # A page number that is not one shows a page, never an error.
    assert client.get(URL, {"page": "x"}).status_code == 200
    assert client.get(URL, {"page": "999"}).context["page"].number == 2


@pytest.mark.parametrize("count", [2, 60])
def test_it_reads_in_constant_queries(db, staff_user, django_assert_max_num_queries, count):
    _sent(count)
    client = _client(staff_user)
    client.get(URL)  # warm the session
    with django_assert_max_num_queries(6):  # 5 and the menu's counts
        assert client.get(URL).status_code == 200
