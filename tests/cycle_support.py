"""Shared set-up for the review cycle tests."""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone

from assessments.cycles import services as cycles
from tests.factories import UserFactory


def program_manager():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Program managers"))
    return user


def open_cycle(manager, *, days: int = 30, **kwargs):
    return cycles.cycle_open(
        title=kwargs.pop("title", "2027 annual self-assessment"),
        due_on=timezone.localdate() + datetime.timedelta(days=days),
        user=manager,
        **kwargs,
    )


def ready_to_submit(submission, coordinator):
    """Every listed milestone confirmed and every stage's narrative written."""
    for milestone in cycles.listed_milestones():
        cycles.milestone_review(submission=submission, milestone=milestone, user=coordinator)
    submission.refresh_from_db()
    return cycles.submission_save_draft(
        submission=submission,
        narrative={str(stage.pk): f"{stage.name}: met monthly." for stage in cycles.cycle_stages()},
        plan=[],
        user=coordinator,
        expected_version=submission.version,
    )


def submit(submission, coordinator):
    submission = ready_to_submit(submission, coordinator)
    return cycles.submission_submit(
        submission=submission, user=coordinator, expected_version=submission.version
    )
