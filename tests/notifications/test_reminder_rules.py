"""Each reminder rule at its date boundaries, with an injected today."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.cycles.models import CycleSubmission, ReviewCycle
from assessments.models import Invitation, MilestoneStatus, MouStatus, Status, hash_token
from assessments.notifications import reminders
from tests.factories import (
    MilestoneFactory,
    MilestoneStatusFactory,
    PartnerAgencyFactory,
    TaskForceFactory,
    UserFactory,
)

TODAY = datetime.date(2026, 6, 10)


def days(n):
    return TODAY + datetime.timedelta(days=n)


def at_local_noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def team(db):
    task_force = TaskForceFactory()
    coordinator = UserFactory()
    task_force.coordinators.add(coordinator)
    return task_force, coordinator


def keys(items, kind):
    return sorted(item.key for item in items if item.kind == kind)


def occasions(items, kind):
    return sorted(item.occasion for item in items if item.kind == kind)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (14, ["soon"]),  # the 14th day ahead is in the window
        (15, []),  # the 15th is not yet
        (0, ["soon"]),  # due today: not overdue yet
        (-1, ["overdue"]),  # yesterday: overdue
    ],
)
def test_target_date_window_and_overdue(team, offset, expected):
    task_force, coordinator = team
    MilestoneStatusFactory(
        task_force=task_force, status=Status.IN_PROGRESS, target_date=days(offset)
    )
    items = reminders.collect(TODAY)
    assert occasions(items, "target_date") == expected
    assert all(item.recipient_id == coordinator.pk for item in items)


def test_achieved_and_retired_milestones_have_no_target_reminder(team):
    task_force, _ = team
    MilestoneStatusFactory(task_force=task_force, status=Status.ACHIEVED, target_date=days(-3))
    MilestoneStatusFactory(
        task_force=task_force,
        status=Status.PLANNING,
        target_date=days(3),
        milestone=MilestoneFactory(is_active=False),
    )
    assert keys(reminders.collect(TODAY), "target_date") == []


def test_soon_and_overdue_are_two_occasions_and_a_new_date_a_new_item(team):
    task_force, _ = team
    status = MilestoneStatusFactory(
        task_force=task_force, status=Status.PLANNING, target_date=days(3)
    )
    soon = keys(reminders.collect(TODAY), "target_date")
    overdue = keys(reminders.collect(days(4)), "target_date")
    MilestoneStatus.objects.filter(pk=status.pk).update(target_date=days(10))
    moved = keys(reminders.collect(TODAY), "target_date")
    assert len({*soon, *overdue, *moved}) == 3
    assert soon[0].endswith(":soon") and overdue[0].endswith(":overdue")


def test_overdue_rule_agrees_with_the_model(team):
    task_force, _ = team
    for offset in (-2, -1, 0, 1):
        MilestoneStatusFactory(
            task_force=task_force, status=Status.IN_PROGRESS, target_date=days(offset)
        )
    in_sql = set(MilestoneStatus.objects.overdue(TODAY).values_list("pk", flat=True))
    in_python = {s.pk for s in MilestoneStatus.objects.all() if s.is_overdue(TODAY)}
    assert in_sql == in_python and len(in_sql) == 2


@pytest.mark.parametrize(("age", "due"), [(365, True), (364, False), (366, True)])
def test_review_due_at_exactly_review_after_days(team, settings, age, due):
    settings.REVIEW_AFTER_DAYS = 365
    task_force, _ = team
    status = MilestoneStatusFactory(
        task_force=task_force, status=Status.ACHIEVED, confirmed_at=at_local_noon(days(-age))
    )
    items = reminders.collect(TODAY)
    assert bool(keys(items, "review_due")) is due
    # The model's rule and the queryset's are the same one.
    assert status.review_due(TODAY) is due
    assert MilestoneStatus.objects.review_due(TODAY).filter(pk=status.pk).exists() is due


def test_review_due_counts_from_achieved_when_never_confirmed(team, settings):
    settings.REVIEW_AFTER_DAYS = 30
    task_force, _ = team
    MilestoneStatusFactory(
        task_force=task_force,
        status=Status.ACHIEVED,
        status_since=at_local_noon(days(-30)),
        confirmed_at=None,
    )
    (item,) = [i for i in reminders.collect(TODAY) if i.kind == "review_due"]
    assert item.date == days(-30)


def test_review_due_boundary_is_the_local_day_not_utc(team, settings):
    """Confirmed late in the evening, local time (already the next day in
    UTC): due by the local day, as the task force page says."""
    settings.REVIEW_AFTER_DAYS = 10
    task_force, _ = team
    late = timezone.make_aware(datetime.datetime.combine(days(-10), datetime.time(23, 30)))
    status = MilestoneStatusFactory(
        task_force=task_force, status=Status.ACHIEVED, confirmed_at=late
    )
    assert status.review_due(TODAY)
    assert MilestoneStatus.objects.review_due(TODAY).filter(pk=status.pk).exists()


@pytest.mark.parametrize(("offset", "listed"), [(60, True), (61, False), (0, True), (-1, False)])
def test_mou_renewal_within_the_register_window(team, settings, offset, listed):
    settings.REGISTER_EXPIRY_WINDOW_DAYS = 60
    task_force, _ = team
    PartnerAgencyFactory(
        task_force=task_force,
        mou_status=MouStatus.SIGNED,
        mou_signed_on=days(-300),
        mou_renews_on=days(offset),
    )
    assert bool(keys(reminders.collect(TODAY), "mou_renewal")) is listed


def test_agencies_that_left_or_unsigned_mous_are_not_reminded(team):
    task_force, _ = team
    PartnerAgencyFactory(
        task_force=task_force,
        mou_status=MouStatus.SIGNED,
        mou_signed_on=days(-300),
        mou_renews_on=days(5),
        left_on=days(-1),
    )
    PartnerAgencyFactory(task_force=task_force, mou_status=MouStatus.DRAFTING)
    assert keys(reminders.collect(TODAY), "mou_renewal") == []


def _invite(task_force, email="new@example.org", **fields):
    invitee = UserFactory(email=email)
    invitation = Invitation.objects.create(
        user=invitee,
        email=email,
        expires_at=at_local_noon(days(7)),
        sent_at=at_local_noon(days(-1)),
        token_hash=hash_token(email),
        **fields,
    )
    invitation.task_forces.add(task_force)
    task_force.coordinators.add(invitee)
    return invitee, invitation


def test_open_invitations_remind_the_task_forces_coordinators_weekly(team):
    task_force, coordinator = team
    invitee, _ = _invite(task_force)
    items = [i for i in reminders.collect(TODAY) if i.kind == "invitation_pending"]
    # The invitee (who has not signed in) gets nothing; the coordinator is told.
    assert [i.recipient_id for i in items] == [coordinator.pk]
    assert items[0].occasion == "pending"
    same_week = keys(reminders.collect(days(1)), "invitation_pending")
    next_week = keys(reminders.collect(days(7)), "invitation_pending")
    assert same_week == keys(items, "invitation_pending") != next_week


def test_accepted_or_withdrawn_invitations_are_not_reminded(team):
    task_force, _ = team
    _invite(task_force, "a@example.org", accepted_at=timezone.now())
    _invite(task_force, "w@example.org", withdrawn_at=timezone.now())
    assert keys(reminders.collect(TODAY), "invitation_pending") == []


def test_only_active_coordinators_with_an_address_are_told(db):
    task_force = TaskForceFactory()
    gone = UserFactory(is_active=False)
    silent = UserFactory(email="")
    task_force.coordinators.add(gone, silent)
    MilestoneStatusFactory(task_force=task_force, status=Status.PLANNING, target_date=days(1))
    assert reminders.collect(TODAY) == []


def test_items_carry_names_dates_and_links_never_notes(team):
    task_force, _ = team
    MilestoneStatusFactory(
        task_force=task_force,
        status=Status.PLANNING,
        target_date=days(2),
        notes="Secret note about a case",
    )
    (item,) = reminders.collect(TODAY)
    assert item.task_force_name == task_force.name
    assert item.path.startswith(f"/task-forces/{task_force.slug}/milestones/")
    assert "Secret" not in repr(item)


@pytest.mark.parametrize("count", [2, 20])
def test_collecting_takes_one_query_per_kind_whatever_the_task_forces(
    db, django_assert_max_num_queries, count
):
    for n in range(count):
        task_force = TaskForceFactory()
        task_force.coordinators.add(UserFactory())
        MilestoneStatusFactory(task_force=task_force, status=Status.PLANNING, target_date=days(1))
        MilestoneStatusFactory(
            task_force=task_force, status=Status.ACHIEVED, confirmed_at=at_local_noon(days(-400))
        )
        PartnerAgencyFactory(
            task_force=task_force,
            mou_status=MouStatus.SIGNED,
            mou_signed_on=days(-300),
            mou_renews_on=days(9),
        )
        _invite(task_force, f"new{n}@example.org")
        _submission(task_force, days(5))
    with django_assert_max_num_queries(1 + len(reminders.COLLECTORS)):
        items = reminders.collect(TODAY)
    assert len(items) == 5 * count


def _submission(task_force, due_on, state="not_started", closed=False):
    cycle = ReviewCycle.objects.create(
        title="2026 self-assessment",
        due_on=due_on,
        closed_at=timezone.now() if closed else None,
    )
    return CycleSubmission.objects.create(cycle=cycle, task_force=task_force, state=state)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(14, ["soon"]), (15, []), (0, ["soon"]), (-1, ["overdue"])],
)
def test_cycle_due_window_and_late(team, offset, expected):
    task_force, coordinator = team
    _submission(task_force, days(offset), state="in_progress")
    items = [i for i in reminders.collect(TODAY) if i.kind == "cycle_due"]
    assert [i.occasion for i in items] == expected
    assert all(i.recipient_id == coordinator.pk and i.name == "2026 self-assessment" for i in items)


@pytest.mark.parametrize("state", ["submitted", "accepted"])
def test_handed_in_submissions_are_not_reminded(team, state):
    task_force, _ = team
    _submission(task_force, days(-3), state=state)
    assert keys(reminders.collect(TODAY), "cycle_due") == []


def test_returned_submissions_past_due_are_late_again_and_closed_cycles_are_quiet(team):
    task_force, _ = team
    _submission(task_force, days(-3), state="returned")
    _submission(TaskForceFactory(), days(-3), closed=True)
    assert occasions(reminders.collect(TODAY), "cycle_due") == ["overdue"]


def test_item_links_are_the_pages_reverse_gives(team):
    task_force, _ = team
    status = MilestoneStatusFactory(
        task_force=task_force, status=Status.PLANNING, target_date=days(1)
    )
    agency = PartnerAgencyFactory(
        task_force=task_force,
        mou_status=MouStatus.SIGNED,
        mou_signed_on=days(-300),
        mou_renews_on=days(9),
    )
    paths = {item.kind: item.path for item in reminders.collect(TODAY)}
    assert paths["target_date"] == reverse(
        "assessments:milestone_edit", args=[task_force.slug, status.milestone.slug]
    )
    assert paths["mou_renewal"] == reverse(
        "assessments:partner_agency_edit", args=[task_force.slug, agency.pk]
    )
