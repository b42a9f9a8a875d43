"""A year of plausible activity for a demo task force (seed_demo): monthly
meetings, subcommittees and case reviews for the more mature task forces,
trainings, outreach and a protocol. Counts only, and deterministic: the
same `rng` seed and `today` give the same log."""

from __future__ import annotations

import datetime
import random
from zoneinfo import ZoneInfo

from django.conf import settings

from assessments.activity import services
from assessments.activity.models import ActivityChange, ActivityKind, Measure
from assessments.core.models import Sector, TaskForce
from stages.models import Milestone

# (kind, title, months it happens in (1 = a year ago), milestone slugs,
# whether it needs a mature task force (index below 3)).
PLAN = [
    (
        ActivityKind.SUBCOMMITTEE_MEETING,
        "Data subcommittee",
        (2, 4, 6, 8, 10, 12),
        ["form-subcommittees"],
        True,
    ),
    (
        ActivityKind.CASE_REVIEW,
        "Quarterly case review",
        (3, 6, 9, 12),
        ["initiate-case-review", "case-review"],
        True,
    ),
    (
        ActivityKind.TRAINING_DELIVERED,
        "Recognizing labor trafficking: health care staff",
        (2, 8),
        [],
        False,
    ),
    (
        ActivityKind.TRAINING_DELIVERED,
        "Trauma-informed interviewing for officers",
        (5, 11),
        [],
        False,
    ),
    (ActivityKind.TRAINING_ATTENDED, "State program training: task force data", (7,), [], False),
    (
        ActivityKind.OUTREACH,
        "Awareness assembly at the high school",
        (3, 10),
        ["awareness-in-schools-and-colleges"],
        False,
    ),
    (ActivityKind.OUTREACH, "County fair information booth", (8,), [], False),
    (ActivityKind.PROTOCOL, "Response protocol revised", (9,), [], True),
]
# Who a training is for, by the kind of training.
TRAINED = {
    "Recognizing labor trafficking: health care staff": ("health-care", "behavioral-health"),
    "Trauma-informed interviewing for officers": ("law-enforcement", "prosecution"),
    "State program training: task force data": ("victim-services",),
}


def _month_day(today: datetime.date, months_ago: int, day: int) -> datetime.date:
    month_index = today.year * 12 + today.month - 1 - months_ago
    return datetime.date(month_index // 12, month_index % 12 + 1, min(day, 28))


def _evening(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(18), tzinfo=ZoneInfo(settings.TIME_ZONE))


def seed_activity(
    task_force: TaskForce, *, index: int, user, today: datetime.date, rng: random.Random
) -> int:
    """Log a year of activity before `today` for `task_force` (the
    `index`-th demo task force: smaller and quieter as it grows); returns
    how many entries it logged."""
    sectors = {sector.slug: sector for sector in Sector.objects.all()}
    milestones = Milestone.objects.in_bulk(
        [slug for *_, slugs, _ in PLAN for slug in slugs], field_name="slug"
    )
    members = list(
        task_force.partner_agencies.filter(left_on__isnull=True).values_list(
            "sector__slug", flat=True
        )
    ) or ["law-enforcement", "victim-services"]
    scale = max(1, 4 - index)  # the first task forces are the busiest
    entries = []
    for months_ago in range(11, -1, -1):
        # The monthly meeting, on the second week's Tuesday-ish.
        day = _month_day(today, months_ago, 8 + rng.randint(0, 6))
        if day < today:  # logged afterwards: never today, so never in the future
            entries.append(
                (
                    day,
                    ActivityKind.TASK_FORCE_MEETING,
                    "Monthly task force meeting",
                    [],
                    _meeting(rng, members),
                )
            )
        for kind, title, months, slugs, mature in PLAN:
            if 12 - months_ago not in months or (mature and index >= 3):
                continue
            day = _month_day(today, months_ago, 15 + rng.randint(0, 10))
            if day >= today:
                continue
            if kind in ActivityKind.trainings():
                counts = {
                    Measure.TRAINED: {slug: rng.randint(2, 12) * scale for slug in TRAINED[title]}
                }
            elif kind == ActivityKind.OUTREACH:
                counts = {
                    Measure.ATTENDEES: {
                        "education": rng.randint(10, 60) * scale,
                        "other": rng.randint(0, 15),
                    }
                }
            else:
                counts = _meeting(rng, members[: max(2, len(members) // 2)])
            entries.append(
                (day, kind, title, [milestones[s] for s in slugs if s in milestones], counts)
            )
    for day, kind, title, linked, counts in entries:
        services.activity_entry_create(
            task_force=task_force,
            date=day,
            kind=kind,
            title=title,
            milestones=linked,
            counts={
                measure: {sectors[slug]: n for slug, n in by_slug.items() if slug in sectors}
                for measure, by_slug in counts.items()
            },
            user=user,
            source=ActivityChange.Source.DEMO,
            at=_evening(day),
        )
    return len(entries)


def _meeting(rng: random.Random, members: list[str]) -> dict[str, dict[str, int]]:
    """Most member agencies attend, one to three people each."""
    agencies: dict[str, int] = {}
    attendees: dict[str, int] = {}
    for slug in members:
        if rng.random() < 0.75:
            agencies[slug] = agencies.get(slug, 0) + 1
            attendees[slug] = attendees.get(slug, 0) + rng.randint(1, 3)
    return {Measure.AGENCIES: agencies, Measure.ATTENDEES: attendees}
