"""The weekly statewide digest for program managers."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from assessments.models import (
    PROGRAM_MANAGERS_GROUP,
    HelpRequest,
    MilestoneStatus,
    NotificationPreference,
    SentNotification,
    Status,
    StatusChange,
)
from assessments.notifications.digest import weekly_digest
from stages.models import Milestone, Stage
from tests.factories import TaskForceFactory, UserFactory
from tests.notifications.helpers import run_reminders

MONDAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _monday(settings):
    settings.DIGEST_WEEKDAY = 0
    settings.SITE_URL = "https://tf.example.org"


def at(day, hour=12):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def change(task_force, milestone, old, new, day, notes=""):
    """A status change on `day`, and the status row as it then is."""
    MilestoneStatus.objects.update_or_create(
        task_force=task_force, milestone=milestone, defaults={"status": new, "notes": notes}
    )
    return StatusChange.objects.create(
        task_force=task_force,
        milestone=milestone,
        old_status=old,
        new_status=new,
        changed_at=at(day),
    )


@pytest.fixture
def manager(db):
    user = UserFactory(email="pm@example.org")
    user.groups.add(Group.objects.get(name=PROGRAM_MANAGERS_GROUP))
    return user


def test_achieved_and_lapsed_of_the_seven_days_before_the_run(guidance):
    lane, marion = TaskForceFactory(name="Lane"), TaskForceFactory(name="Marion")
    first, second, third = Milestone.objects.all()[:3]
    change(lane, first, Status.IN_PROGRESS, Status.ACHIEVED, MONDAY - datetime.timedelta(days=7))
    change(lane, second, Status.IN_PROGRESS, Status.ACHIEVED, MONDAY - datetime.timedelta(days=1))
    change(marion, first, Status.ACHIEVED, Status.LAPSED, MONDAY - datetime.timedelta(days=3))
    # Outside the week: eight days ago, and today.
    change(marion, second, Status.PLANNING, Status.ACHIEVED, MONDAY - datetime.timedelta(days=8))
    change(marion, third, Status.PLANNING, Status.ACHIEVED, MONDAY)
    digest = weekly_digest(MONDAY)
    assert (digest.achieved.count, digest.achieved.names) == (2, ["Lane"])
    assert (digest.lapsed.count, digest.lapsed.names) == (1, ["Marion"])
    assert digest.start == MONDAY - datetime.timedelta(days=7)
    assert digest.end == MONDAY - datetime.timedelta(days=1)


def test_task_forces_whose_working_stage_changed(guidance):
    moved, steady = TaskForceFactory(name="Moved"), TaskForceFactory(name="Steady")
    foundation, stabilization = Stage.objects.order_by("order")[:2]
    founding = list(foundation.milestones.filter(is_active=True))
    # "Moved" had all of Foundation but one before the week; achieving the
    # last one this week moves it on to Stabilization.
    for milestone in founding[:-1]:
        change(moved, milestone, Status.PLANNING, Status.ACHIEVED, MONDAY - datetime.timedelta(30))
    change(moved, founding[-1], Status.PLANNING, Status.ACHIEVED, MONDAY - datetime.timedelta(2))
    # "Steady" achieved one this week but is still working on Foundation.
    change(steady, founding[0], Status.PLANNING, Status.ACHIEVED, MONDAY - datetime.timedelta(2))
    digest = weekly_digest(MONDAY)
    assert [(m.task_force_name, m.before, m.after) for m in digest.stage_moves] == [
        ("Moved", foundation.name, stabilization.name)
    ]


def test_a_lapse_moves_a_task_force_back(guidance):
    task_force = TaskForceFactory(name="Back")
    foundation, stabilization = Stage.objects.order_by("order")[:2]
    founding = list(foundation.milestones.filter(is_active=True))
    for milestone in founding:
        change(
            task_force, milestone, Status.PLANNING, Status.ACHIEVED, MONDAY - datetime.timedelta(60)
        )
    change(task_force, founding[0], Status.ACHIEVED, Status.LAPSED, MONDAY - datetime.timedelta(1))
    (move,) = weekly_digest(MONDAY).stage_moves
    assert (move.before, move.after) == (stabilization.name, foundation.name)


def test_sent_on_the_weekday_to_program_managers_once(guidance, manager):
    coordinator = UserFactory(email="coord@example.org")
    lane = TaskForceFactory(name="Lane")
    lane.coordinators.add(coordinator)
    milestone = Milestone.objects.first()
    change(
        lane,
        milestone,
        Status.IN_PROGRESS,
        Status.ACHIEVED,
        MONDAY - datetime.timedelta(2),
        notes="A note that stays in the app",
    )
    run_reminders(date=(MONDAY - datetime.timedelta(1)).isoformat())
    assert mail.outbox == []  # Sunday: no digest
    run_reminders(date=MONDAY.isoformat())
    (message,) = mail.outbox
    assert message.to == ["pm@example.org"]
    assert "Weekly digest" in message.subject
    assert "Milestones achieved: 1 (Lane)" in message.body
    assert "A note that stays in the app" not in message.body + message.alternatives[0][0]
    assert SentNotification.objects.get().kinds == ["digest"]
    run_reminders(date=MONDAY.isoformat())
    assert len(mail.outbox) == 1


def test_a_manager_who_chose_never_gets_no_digest(guidance, manager):
    NotificationPreference.objects.create(user=manager, kind="digest", frequency="never")
    run_reminders(date=MONDAY.isoformat())
    assert mail.outbox == []


@pytest.mark.parametrize("count", [2, 20])
def test_the_digest_takes_a_constant_number_of_queries(
    guidance, django_assert_max_num_queries, count
):
    milestones = list(Milestone.objects.all()[:3])
    for _ in range(count):
        task_force = TaskForceFactory()
        for milestone in milestones:
            change(
                task_force,
                milestone,
                Status.PLANNING,
                Status.ACHIEVED,
                MONDAY - datetime.timedelta(3),
            )
        HelpRequest.objects.create(task_force=task_force, subject="Protocol template")
    with django_assert_max_num_queries(4):
        digest = weekly_digest(MONDAY)
    assert digest.achieved.count == 3 * count
    assert digest.help_requests.count == count


def test_open_help_requests_are_counted_never_quoted(guidance, manager):
    lane, marion = TaskForceFactory(name="Lane"), TaskForceFactory(name="Marion")
    HelpRequest.objects.create(task_force=lane, subject="Secret subject one")
    HelpRequest.objects.create(task_force=lane, subject="Secret subject two", state="answered")
    HelpRequest.objects.create(
        task_force=marion, subject="Closed one", state="closed", closed_at=timezone.now()
    )
    summary = weekly_digest(MONDAY).help_requests
    assert summary.count == 2
    assert summary.by_state == [("Open", 1), ("Answered", 1)]
    assert summary.task_forces.names == ["Lane"]
    run_reminders(date=MONDAY.isoformat())
    (message,) = mail.outbox
    assert "Help requests open now: 2 (open 1, answered 1)" in message.body
    assert "from Lane" in message.body
    assert "Secret subject" not in message.body + message.alternatives[0][0]


def test_readers_are_program_managers_by_group_or_permission_and_staff(guidance, manager):
    from django.contrib.auth.models import Permission

    direct = UserFactory(email="direct@example.org")
    direct.user_permissions.add(Permission.objects.get(codename="view_all_task_forces"))
    UserFactory(email="staff@example.org", is_staff=True)
    UserFactory(email="coordinator@example.org")
    UserFactory(email="gone@example.org", is_staff=True, is_active=False)
    run_reminders(date=MONDAY.isoformat())
    assert sorted(m.to[0] for m in mail.outbox) == [
        "direct@example.org",
        "pm@example.org",
        "staff@example.org",
    ]
