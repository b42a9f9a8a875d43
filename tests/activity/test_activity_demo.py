"""The demo's year of activity: plausible, counts only, the same every time
for the same day, and only before that day."""

import datetime
import random

import pytest

from assessments.activity.demo import seed_activity
from assessments.models import ActivityChange, ActivityEntry, ActivityKind
from tests.activity.support import sector
from tests.factories import PartnerAgencyFactory, TaskForceFactory

DAY = datetime.date(2026, 11, 20)


def _log(task_force, index=0):
    return seed_activity(
        task_force,
        index=index,
        user=None,
        today=DAY,
        rng=random.Random(f"activity-{index}"),  # noqa: S311
    )


def _entries(task_force):
    return list(
        ActivityEntry.objects.filter(task_force=task_force)
        .order_by("date", "kind", "title")
        .values_list(
            "date", "kind", "title", "counts__measure", "counts__sector__slug", "counts__count"
        )
    )


@pytest.mark.django_db
def test_a_year_of_monthly_meetings_trainings_and_outreach_before_the_day(guidance):
    task_force = TaskForceFactory()
    PartnerAgencyFactory(task_force=task_force, sector=sector("law-enforcement"))
    PartnerAgencyFactory(task_force=task_force, sector=sector("victim-services"))
    assert _log(task_force) > 20
    entries = ActivityEntry.objects.filter(task_force=task_force)
    kinds = entries.count_by_kind()
    assert kinds[ActivityKind.TASK_FORCE_MEETING] in (11, 12)
    assert kinds[ActivityKind.TRAINING_DELIVERED] >= 3
    assert kinds[ActivityKind.OUTREACH] >= 2
    assert kinds[ActivityKind.CASE_REVIEW] >= 3
    dates = entries.values_list("date", flat=True)
    assert max(dates) < DAY
    assert min(dates) > DAY - datetime.timedelta(days=366)
    assert set(ActivityChange.objects.values_list("source", flat=True)) == {"demo"}
    assert entries.filter(
        kind=ActivityKind.CASE_REVIEW, milestones__slug="initiate-case-review"
    ).exists()


@pytest.mark.django_db
def test_the_same_day_and_seed_give_the_same_log(guidance):
    first, second = TaskForceFactory(), TaskForceFactory()
    _log(first, index=4)
    _log(second, index=4)
    assert _entries(first) == _entries(second)
