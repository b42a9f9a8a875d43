"""Each person chooses per group of events: right away, in the daily e-mail
(send_reminders' one message), or off; the page shows only the groups that
can concern their role (issue 30)."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.cycles import services as cycles
from assessments.help import services as help_requests
from assessments.models import NotificationPreference
from assessments.notifications import events as events_module
from assessments.notifications import reminders
from assessments.notifications.services import notification_preferences_set, unsubscribe_token
from tests.factories import TaskForceFactory, UserFactory, program_manager
from tests.notifications.event_support import (
    ANSWER,
    ask,
    assert_no_secrets,
    choose,
    daily,
    one_milestone,
    open_cycle,
    sent,
    submit,
    to,
)

pytestmark = pytest.mark.django_db
URL = reverse("assessments:notification_preferences")


def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)


# The daily e-mail -----------------------------------------------------------------


def test_daily_events_join_the_next_daily_email_once(people):
    one_milestone()
    open_cycle(people.pat)
    assert sent() == []  # the default for a cycle opening is the daily e-mail
    result, messages = daily(tomorrow())
    assert sorted(to(messages)) == sorted(
        [people.casey.email, people.robin.email, people.nora.email]
    )
    casey = next(m for m in messages if m.to == [people.casey.email])
    assert casey.subject.endswith(
        "A review cycle is open for Lane County Task Force: 2027 annual self-assessment, "
        "due 17 Jul 2026"
    )
    assert "What happened:" in casey.body
    assert "Pat Manager opened the review cycle" in casey.body
    assert "What happened" in casey.alternatives[0][0]
    assert_no_secrets(messages)
    # Announced: the next run, that day or the next, sends it to nobody again.
    assert daily(tomorrow())[1] == []
    assert daily(tomorrow() + datetime.timedelta(days=1))[1] == []


def test_the_daily_email_gathers_reminders_and_events(people):
    one_milestone()
    cycle = open_cycle(people.quinn)
    submit(cycle, people.task_force, people.casey)
    ask(people.task_force, people.casey)
    _, messages = daily(tomorrow())
    pat = next(m for m in messages if m.to == [people.pat.email])
    assert pat.subject.endswith("2 updates for you")
    assert "Casey Demo handed in version 1" in pat.body
    assert "Casey Demo asked the" in pat.body and "about the task force in general" in pat.body
    assert_no_secrets(messages)


def test_what_was_sent_right_away_is_not_in_the_daily_email(people):
    one_milestone()
    cycle = open_cycle(people.pat)
    submission = submit(cycle, people.task_force, people.casey)
    daily(tomorrow())
    cycles.submission_accept(submission=submission, user=people.pat)
    assert sorted(to(sent())) == sorted([people.casey.email, people.robin.email])
    assert daily(tomorrow() + datetime.timedelta(days=1))[1] == []


def test_off_leaves_an_event_out_of_the_daily_email(people):
    choose(people.casey, "cycles_opened", "never")
    open_cycle(people.pat)
    _, messages = daily(tomorrow())
    assert people.casey.email not in to(messages)
    assert people.robin.email in to(messages)


def test_choosing_the_daily_email_holds_back_what_is_right_away_by_default(people):
    choose(people.casey, "help_answers", "daily")
    request = ask(people.task_force, people.robin)
    help_requests.help_request_reply(
        request=request, body=ANSWER, user=people.pat, expected_version=None
    )
    assert to(sent()) == [people.robin.email]
    _, messages = daily(tomorrow())
    casey = [m for m in messages if m.to == [people.casey.email]]
    assert len(casey) == 1 and "Pat Manager replied" in casey[0].body


def test_events_older_than_a_week_are_not_sent_late(people):
    choose(people.casey, "cycles_opened", "never")
    open_cycle(people.pat)
    choose(people.casey, "cycles_opened", "daily")
    later = timezone.localdate() + datetime.timedelta(days=events_module.EVENT_DAYS + 1)
    with time_machine.travel(later, tick=True):
        _, messages = daily(later)
    assert people.casey.email not in to(messages)


@pytest.mark.parametrize("count", [2, 12])
def test_a_daily_run_with_events_takes_a_constant_number_of_queries(
    db, django_assert_max_num_queries, count
):
    manager = program_manager(first_name="Pat", last_name="Manager")
    UserFactory(is_staff=True)
    for n in range(count):
        task_force = TaskForceFactory()
        coordinator = UserFactory(first_name=f"Coordinator{n}", last_name="Demo")
        task_force.coordinators.add(coordinator)
        ask(task_force, coordinator)
    open_cycle(manager)
    # The reminders' 26 (test_send_reminders.py), and for the events: the
    # state program (2) and nothing per event or person.
    with django_assert_max_num_queries(28):
        result = reminders.send_reminders(today=tomorrow())
    assert len(result.queued) == count + 1


@pytest.mark.parametrize("count", [2, 12])
def test_opening_a_cycle_sends_right_away_in_constant_queries(
    db, django_assert_max_num_queries, count
):
    manager = program_manager()
    for _ in range(count):
        task_force = TaskForceFactory()
        coordinator = UserFactory()
        task_force.coordinators.add(coordinator)
        choose(coordinator, "cycles_opened", "immediate")
    # The opener's permissions (2), task forces, the cycle, submissions, the
    # events, coordinators, preferences, people, the task forces' names, the
    # e-mails and their jobs, sent and announced, and savepoints (8).
    with django_assert_max_num_queries(22):
        open_cycle(manager)
    assert len(sent()) == count


# The page ---------------------------------------------------------------------------


GROUPS = {
    "cycles_opened": b"Review cycles opened, or their due dates changed",
    "submissions_in": b"Submissions handed in for a decision",
    "decisions": b"Your task force&#x27;s submissions returned or accepted",
    "help_queue": b"Help requests opened, and task forces&#x27; replies",
    "help_answers": b"The state program&#x27;s replies to your help requests",
    "invitations_accepted": b"Invitations you sent, accepted",
    "no_coordinator": b"Task forces left without a coordinator",
}


def _shown(client, user):
    client.force_login(user)
    page = client.get(URL)
    assert page.status_code == 200
    return {group for group, label in GROUPS.items() if label in page.content}, page


def test_coordinators_choose_about_their_task_forces_groups(client, people):
    shown, page = _shown(client, people.casey)
    assert shown == {"cycles_opened", "decisions", "help_answers", "invitations_accepted"}
    # The defaults: right away for decisions and replies, the daily e-mail otherwise.
    content = page.content.decode()
    assert _checked(content, "decisions", "immediate")
    assert _checked(content, "help_answers", "immediate")
    assert _checked(content, "cycles_opened", "daily")


def _checked(content: str, name: str, value: str) -> bool:
    for tag in re.findall(r"<input[^>]*>", content):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return "checked" in tag
    return False


def test_program_managers_choose_about_the_state_programs_groups(client, people):
    shown, page = _shown(client, people.pat)
    assert shown == {"submissions_in", "help_queue", "no_coordinator"}
    content = page.content.decode()
    assert _checked(content, "submissions_in", "daily")
    assert b"Right away" in page.content and b"In the daily e-mail" in page.content


def test_staff_opt_in_to_submissions_and_help_requests(client, people):
    shown, page = _shown(client, people.sam)
    assert shown == {"submissions_in", "help_queue", "no_coordinator", "invitations_accepted"}
    content = page.content.decode()
    assert _checked(content, "submissions_in", "never")
    assert _checked(content, "help_queue", "never")
    assert _checked(content, "no_coordinator", "daily")


def test_a_choice_is_saved_from_the_page(client, people):
    client.force_login(people.pat)
    data = dict.fromkeys(
        ("target_date", "review_due", "mou_renewal", "invitation_pending", "cycle_due"), "daily"
    )
    data.update(
        submissions_in="immediate", help_queue="never", no_coordinator="daily", digest="weekly"
    )
    assert client.post(URL, data).status_code == 302
    saved = dict(
        NotificationPreference.objects.filter(user=people.pat).values_list("kind", "frequency")
    )
    assert saved["submissions_in"] == "immediate" and saved["help_queue"] == "never"


def test_weekly_is_not_a_choice_for_events_nor_right_away_for_reminders(people):
    with pytest.raises(ValidationError):
        notification_preferences_set(user=people.casey, frequencies={"decisions": "weekly"})
    with pytest.raises(ValidationError):
        notification_preferences_set(user=people.casey, frequencies={"target_date": "immediate"})
    assert not NotificationPreference.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(
            user=people.casey, kind="decisions", frequency="weekly"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(
            user=people.casey, kind="target_date", frequency="immediate"
        )


def test_the_unsubscribe_link_of_an_event_email_turns_its_group_off(client, people):
    token = unsubscribe_token(people.casey.pk, ["decisions"])
    response = client.post(reverse("assessments:unsubscribe", args=[token]))
    assert response.status_code == 200
    assert (
        NotificationPreference.objects.get(user=people.casey, kind="decisions").frequency == "never"
    )
