"""Next priorities and review due, on hand-made cases."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.core import services
from assessments.core.priorities import priorities_from, review_due_from
from assessments.core.progress import board_for
from assessments.models import MilestoneStatus, Status, StatusChange
from tests.factories import MilestoneFactory, MilestoneStatusFactory, StageFactory

TODAY = datetime.date(2026, 11, 28)


@pytest.fixture
def stages(db):
    first = StageFactory(name="Foundation", order=1)
    second = StageFactory(name="Stabilization", order=2)
    third = StageFactory(name="Sustainability", order=3)
    return [
        [MilestoneFactory(stage=first, order=i, name=f"F{i}") for i in (1, 2, 3)],
        [MilestoneFactory(stage=second, order=i, name=f"S{i}") for i in (1, 2)],
        [MilestoneFactory(stage=third, order=i, name=f"U{i}") for i in (1, 2)],
    ]


def _priorities(task_force, today=TODAY):
    _, sections = board_for(task_force)
    return priorities_from(sections, today)


def _set(task_force, milestone, status, **extra):
    return MilestoneStatusFactory(
        task_force=task_force, milestone=milestone, status=status, **extra
    )


def test_lapsed_first_then_stage_then_guidance_order(stages, task_force):
    (f1, f2, f3), (s1, s2), (u1, u2) = stages
    _set(task_force, f1, Status.ACHIEVED)
    _set(task_force, f3, Status.IN_PROGRESS)
    _set(task_force, s2, Status.LAPSED)
    _set(task_force, u1, Status.LAPSED)
    _set(task_force, u2, Status.ACHIEVED)  # achieved early: not a priority
    _set(task_force, s1, Status.PLANNING)
    names = [p.milestone.name for p in _priorities(task_force)]
    assert names == ["S2", "U1", "F2", "F3", "S1"]


def test_retired_milestones_are_not_priorities(stages, task_force):
    (f1, _, _), _, _ = stages
    f1.is_active = False
    f1.save()
    assert "F1" not in [p.milestone.name for p in _priorities(task_force)]


def test_priorities_carry_lead_partner_target_date_and_an_overdue_flag(stages, task_force):
    (f1, f2, f3), _, _ = stages
    _set(
        task_force,
        f1,
        Status.PLANNING,
        lead_partner="DHS",
        target_date=TODAY - datetime.timedelta(days=1),
    )
    _set(task_force, f2, Status.PLANNING, target_date=TODAY)
    _set(task_force, f3, Status.IN_PROGRESS, target_date=TODAY + datetime.timedelta(days=30))
    first, second, third = _priorities(task_force)[:3]
    assert (first.lead_partner, first.overdue) == ("DHS", True)
    assert second.overdue is False  # due today is not yet overdue
    assert third.overdue is False


def test_everything_achieved_leaves_no_priorities(stages, task_force):
    for milestones in stages:
        for milestone in milestones:
            _set(task_force, milestone, Status.ACHIEVED)
    assert _priorities(task_force) == []


def _confirmed_days_ago(task_force, milestone, days):
    when = timezone.make_aware(
        datetime.datetime.combine(TODAY - datetime.timedelta(days=days), datetime.time(12))
    )
    return _set(task_force, milestone, Status.ACHIEVED, status_since=when, confirmed_at=when)


@pytest.mark.parametrize(("days", "due"), [(364, False), (365, True), (366, True)])
def test_review_due_after_twelve_months(stages, task_force, days, due):
    (f1, _, _), _, _ = stages
    _confirmed_days_ago(task_force, f1, days)
    _, sections = board_for(task_force)
    assert [row.milestone for row in review_due_from(sections, TODAY)] == ([f1] if due else [])


def test_review_due_follows_the_setting(stages, task_force, settings):
    (f1, _, _), _, _ = stages
    _confirmed_days_ago(task_force, f1, 100)
    settings.REVIEW_AFTER_DAYS = 90
    _, sections = board_for(task_force)
    assert len(review_due_from(sections, TODAY)) == 1


def test_only_achieved_milestones_can_be_due(stages, task_force):
    (f1, _, _), _, _ = stages
    record = _confirmed_days_ago(task_force, f1, 500)
    MilestoneStatus.objects.filter(pk=record.pk).update(status=Status.LAPSED)
    _, sections = board_for(task_force)
    assert review_due_from(sections, TODAY) == []


def test_confirming_resets_the_clock_and_is_recorded(
    guidance, task_force, coordinator, coordinator_client
):
    from stages.models import Milestone

    milestone = Milestone.objects.get(slug="case-review")
    old = timezone.now() - datetime.timedelta(days=400)
    services.milestone_status_update(
        task_force=task_force, milestone=milestone, status=Status.ACHIEVED, user=coordinator, at=old
    )
    page = coordinator_client.get(reverse("assessments:task_force", args=[task_force.slug]))
    assert "Review due" in page.content.decode()
    response = coordinator_client.post(
        reverse("assessments:milestone_confirm", args=[task_force.slug, "case-review"]), follow=True
    )
    assert "Confirmed: Case Review still holds." in response.content.decode()
    record = MilestoneStatus.objects.get()
    assert record.confirmed_by == coordinator
    assert not record.review_due(timezone.localdate())
    assert record.status_since == old  # confirming does not move "since"
    entry = StatusChange.objects.filter(source="confirm").get()
    assert entry.changed_by == coordinator
    assert "confirmed_at" in entry.changes


def test_only_an_achieved_milestone_can_be_confirmed(guidance, task_force, coordinator_client):
    response = coordinator_client.post(
        reverse("assessments:milestone_confirm", args=[task_force.slug, "case-review"]), follow=True
    )
    assert "Only an achieved milestone can be confirmed." in response.content.decode()
    assert not StatusChange.objects.exists()


def test_read_only_users_cannot_confirm(world, client):
    client.force_login(world["users"]["program_manager"])
    url = reverse("assessments:milestone_confirm", args=[world["own"].slug, "task-force-mou"])
    assert client.post(url).status_code == 403


def test_priorities_show_on_the_task_force_and_partner_pages(
    guidance, task_force, coordinator_client, client
):
    from tests.factories import PartnerLinkFactory

    html = coordinator_client.get(
        reverse("assessments:task_force", args=[task_force.slug])
    ).content.decode()
    assert "Next priorities" in html
    PartnerLinkFactory(task_force=task_force, token="priority-token")
    partner = Client().get("/p/priority-token/").content.decode()
    assert "Next priorities" in partner
    assert "Agency Awareness" in partner


def _achieved_long_ago(task_force, coordinator, slugs):
    from stages.models import Milestone

    old = timezone.now() - datetime.timedelta(days=400)
    for slug in slugs:
        services.milestone_status_update(
            task_force=task_force,
            milestone=Milestone.objects.get(slug=slug),
            status=Status.ACHIEVED,
            user=coordinator,
            at=old,
        )


def test_confirm_all_that_still_hold_is_one_action_recorded_per_milestone(
    guidance, task_force, coordinator, coordinator_client
):
    _achieved_long_ago(
        task_force, coordinator, ["case-review", "task-force-mou", "data-collection"]
    )
    page = coordinator_client.get(reverse("assessments:task_force", args=[task_force.slug]))
    html = page.content.decode()
    assert "Review due: 3 milestones" in html
    assert html.count("Confirm all 3 that still hold") == 1
    assert "Confirm it still holds" not in html  # one action, not one per milestone
    # One of them no longer holds: changed in its row before confirming the rest.
    from stages.models import Milestone

    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="data-collection"),
        status=Status.LAPSED,
        user=coordinator,
    )
    response = coordinator_client.post(
        reverse("assessments:milestones_confirm", args=[task_force.slug]),
        {"milestone": ["case-review", "task-force-mou", "data-collection"]},
        follow=True,
    )
    text = response.content.decode()
    assert "Confirmed 2 milestones still hold: " in text
    assert "1 changed since the page was shown and was not confirmed." in text
    confirmed = StatusChange.objects.filter(source="confirm")
    assert sorted(c.milestone.slug for c in confirmed) == ["case-review", "task-force-mou"]
    assert all(c.changed_by == coordinator for c in confirmed)
    assert "Review due" not in text
    assert MilestoneStatus.objects.get(milestone__slug="data-collection").status == Status.LAPSED


def test_confirm_all_with_nothing_listed_changes_nothing(guidance, task_force, coordinator_client):
    response = coordinator_client.post(
        reverse("assessments:milestones_confirm", args=[task_force.slug]),
        {"milestone": ["no-such-milestone"]},
        follow=True,
    )
    assert "Nothing to confirm." in response.content.decode()
    assert not StatusChange.objects.exists()


def test_read_only_users_cannot_confirm_all(world, client):
    client.force_login(world["users"]["program_manager"])
    url = reverse("assessments:milestones_confirm", args=[world["own"].slug])
    assert client.post(url, {"milestone": ["task-force-mou"]}).status_code == 403
    assert not StatusChange.objects.filter(source="confirm").exists()
