"""Builds the benchmark database in bulk: N task forces x 28 milestones, with
their history over two years, and a partner register each (the shape is
described in bench/README.md).

Each task force's data comes from its own seeded generators, so the task
forces measured (the first two, Baker and Benton County, OR) are identical at
every N.
"""

from __future__ import annotations

import datetime
import io
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser, Group
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import (
    PROGRAM_MANAGERS_GROUP,
    ActivityCount,
    ActivityEntry,
    ActivityKind,
    Area,
    MilestoneStatus,
    MouStatus,
    PartnerAgency,
    PartnerLink,
    PartnershipType,
    Sector,
    Status,
    StatusChange,
    TaskForce,
    hash_token,
)
from bench.common import BENCH_PASSWORD, log
from stages.models import Milestone

SEED = 2026
REGIONS = ["Coast", "Valley", "Central", "Eastern", "Southern", "Northern"]
FIRST_STATE = "OR"
TERRITORIES = {"AS", "GU", "MP", "PR", "VI"}
LEAD_PARTNERS = [
    "County Health Department",
    "Sheriff's Office",
    "District Attorney's Office",
    "Department of Human Services",
    "Victim Services Coalition",
    "Youth Shelter",
    "Legal Aid",
    "School District",
    "Tribal Health Center",
    "",
]
NOTES = [
    "MOU drafted; waiting for signatures.",
    "Discussed at the quarterly meeting.",
    "Funding application submitted.",
    "Training scheduled for all member agencies.",
    "Protocol reviewed with the DA's office.",
    "Funding ended; reapplying.",
    "",
]
# The way up to each final status; a lapsed one was achieved first.
STEPS = [Status.PLANNING, Status.IN_PROGRESS, Status.ACHIEVED, Status.LAPSED]
NOT_YET_ACHIEVED = [Status.IN_PROGRESS, Status.PLANNING, Status.NOT_STARTED]
SOURCES = [StatusChange.Source.FORM, StatusChange.Source.IMPORT, StatusChange.Source.ADMIN]
HISTORY_PER_STATUS = (7, 13)  # inclusive range; about 10 on average
AGENCIES_PER_TASK_FORCE = (4, 14)  # inclusive range: the partner register
MOU_STATUSES = [MouStatus.SIGNED, MouStatus.NONE, MouStatus.DRAFTING, MouStatus.LEGAL_REVIEW]
BATCH_TASK_FORCES = 150  # task forces generated and written per batch
BATCH_ROWS = 5000  # rows per INSERT


@dataclass(frozen=True)
class World:
    """What the measurements need to know about the data they run against."""

    task_force_slug: str
    task_force_name: str
    milestone_slug: str
    partner_token: str
    coordinator: str
    # The save is timed on another task force, so that it does not
    # invalidate what the read pages of the first one cache.
    save_task_force_slug: str
    save_coordinator: str
    staff: str
    manager: str
    statuses: int
    changes: int
    # A review cycle open over every task force.
    cycle_id: int = 0

    def redact(self, path: str) -> str:
        """The path as reported: the partner link's token is a secret."""
        return path.replace(self.partner_token, "<token>")


def coordinator_username(i: int) -> str:
    """The coordinator of the i-th task force (0-based, in the order built)."""
    return f"coordinator-{i:04d}"


def partner_token(i: int, rng: random.Random | None = None) -> str:
    """The i-th task force's partner link token. Only its hash is stored, so
    the load test (bench/load.py) computes it again from the same seed."""
    rng = rng or random.Random(f"{SEED}-link-{i}")  # noqa: S311 - test data, not secrets
    return f"bench-{i:05d}-{rng.getrandbits(128):032x}"


def _counties() -> list[tuple[str, str, str]]:
    """(postal code, county name, FIPS) of every county: Oregon first, then
    the other states and DC in FIPS order."""
    from assessments.common import census

    states = census.read_states(census.CENSUS_DIR / census.STATES_FILE)
    counties = census.read_counties(census.CENSUS_DIR / census.COUNTIES_FILE)
    postals = sorted((p for p in states if p not in TERRITORIES), key=lambda p: states[p])
    postals.remove(FIRST_STATE)
    return [
        (postal, county.name, county.fips)
        for postal in [FIRST_STATE, *postals]
        for county in sorted(counties.get(states[postal], []), key=lambda c: c.fips)
    ]


def _final_statuses(rng: random.Random, count: int) -> list[str]:
    """Where a task force stands on each milestone, in the guidance's order:
    mature ones have most of Foundation achieved, new ones little."""
    maturity = rng.betavariate(2.0, 2.2)
    finals = []
    for position in range(count):
        if rng.random() < maturity * 1.6 - position / count * 0.9:
            finals.append(Status.LAPSED if rng.random() < 0.07 else Status.ACHIEVED)
        else:
            finals += rng.choices(NOT_YET_ACHIEVED, weights=[30, 25, 45])
    return finals


def _status_path(rng: random.Random, final: str) -> list[str]:
    """The statuses a milestone passes through to reach `final`."""
    if final == Status.NOT_STARTED:
        return [Status.PLANNING, Status.NOT_STARTED] if rng.random() < 0.3 else []
    path = STEPS[: STEPS.index(final) + 1]
    if final == Status.ACHIEVED and rng.random() < 0.2:  # lapsed once, achieved again
        path += [Status.LAPSED, Status.IN_PROGRESS, Status.ACHIEVED]
    return path


def _iso(value):
    """Dates as ISO 8601 text, as the service writes them into the history."""
    return value.isoformat() if isinstance(value, datetime.date) else value


def _milestone_history(
    rng: random.Random,
    ids: dict[str, int],
    final: str,
    start: datetime.datetime,
    end: datetime.datetime,
    coordinator: AbstractUser,
    staff: AbstractUser,
) -> tuple[MilestoneStatus, list[StatusChange]]:
    """A status row and its history (status changes, confirmations, edits of
    the other fields); the row agrees with its last history row."""
    path = _status_path(rng, final)
    count = max(rng.randint(*HISTORY_PER_STATUS), len(path))
    span = (end - start).total_seconds()
    times = sorted(start + datetime.timedelta(seconds=rng.random() * span) for _ in range(count))
    status_positions = set(rng.sample(range(count), len(path)))
    steps = iter(path)
    record = {"status": Status.NOT_STARTED, "lead_partner": "", "target_date": None, "notes": ""}
    status_since = updated_at = times[0]
    updated_by, confirmed_at, confirmed_by = coordinator, None, None
    changes = []
    for index, at in enumerate(times):
        user = staff if rng.random() < 0.15 else coordinator
        old_status = record["status"]
        if index in status_positions:
            record["status"], status_since = next(steps), at
            diff = {"status": [old_status, record["status"]]}
            if record["status"] == Status.ACHIEVED:
                confirmed_at, confirmed_by = at, user
            source = rng.choices(SOURCES, weights=[80, 15, 5])[0]
        elif record["status"] == Status.ACHIEVED and rng.random() < 0.5:
            diff = {"confirmed_at": [_iso(confirmed_at), at.isoformat()]}
            confirmed_at, confirmed_by = at, user
            source = StatusChange.Source.CONFIRM
        else:
            field = rng.choices(["lead_partner", "target_date", "notes"], weights=[4, 3, 3])[0]
            old_value = record[field]
            if field == "target_date":
                record[field] = at.date() + datetime.timedelta(days=rng.randint(30, 400))
            else:
                choices = LEAD_PARTNERS if field == "lead_partner" else NOTES
                record[field] = rng.choice([choice for choice in choices if choice != old_value])
            diff = {field: [_iso(old_value), _iso(record[field])]}
            source = StatusChange.Source.FORM
        if source != StatusChange.Source.CONFIRM:  # a confirmation leaves updated_at alone
            updated_at, updated_by = at, user
        changes.append(
            StatusChange(
                **ids,
                old_status=old_status,
                new_status=record["status"],
                changes=diff,
                changed_by_id=user.pk,
                changed_by_name=user.username,
                changed_at=at,
                source=source,
            )
        )
    status = MilestoneStatus(
        **ids,
        **record,
        updated_by_id=updated_by.pk,
        updated_at=updated_at,
        status_since=status_since,
        version=count,
        confirmed_at=confirmed_at,
        confirmed_by_id=confirmed_by.pk if confirmed_by else None,
    )
    return status, changes


def _register(
    rng: random.Random,
    task_force_id: int,
    sector_ids: list[int],
    today: datetime.date,
    now: datetime.datetime,
    coordinator: AbstractUser,
) -> list[PartnerAgency]:
    """A task force's partner register: a few sectors (law enforcement and
    victim services most often), about half the MOUs signed, renewal dates
    spread a year either side of today (so some expire within the window and
    some have lately), one agency in ten gone."""
    count = rng.randint(*AGENCIES_PER_TASK_FORCE)
    weights = [6, 4, 6, *[2] * (len(sector_ids) - 3)]
    agencies = []
    for i in range(count):
        status = rng.choices(MOU_STATUSES, weights=[50, 25, 15, 10])[0]
        signed_on = renews_on = None
        if status == MouStatus.SIGNED:
            renews_on = today + datetime.timedelta(days=rng.randint(-120, 700))
            signed_on = renews_on - datetime.timedelta(days=rng.choice([365, 730, 1095]))
            if renews_on < today and rng.random() < 0.5:
                status = MouStatus.EXPIRED
        agencies.append(
            PartnerAgency(
                task_force_id=task_force_id,
                name=f"Partner Agency {i + 1:02d}",
                sector_id=rng.choices(sector_ids, weights=weights)[0],
                partnership_type=rng.choice(PartnershipType.values),
                mou_status=status,
                mou_signed_on=signed_on,
                mou_renews_on=renews_on,
                mou_covers_data_sharing=rng.random() < 0.3,
                left_on=today - datetime.timedelta(days=rng.randint(1, 300))
                if rng.random() < 0.1
                else None,
                contact_name="Program manager",
                version=1,
                created_at=now,
                updated_at=now,
                updated_by_id=coordinator.pk,
            )
        )
    return agencies


def build(n: int) -> World:
    """Fill the (migrated, empty but for the stages) bench database."""
    User = get_user_model()
    now = timezone.now()
    milestones = list(Milestone.objects.active().order_by("stage__order", "order"))
    if len(milestones) != 28:
        log(f"   note: {len(milestones)} active milestones (expected 28)")
    listed = _counties()
    counties = [listed[i % len(listed)] for i in range(n)]
    postals = sorted({postal for postal, _, _ in counties})
    call_command(
        "load_counties", *[f"--state={p}" for p in postals], verbosity=0, stdout=io.StringIO()
    )
    areas = dict(Area.objects.exclude(fips="").values_list("fips", "pk"))

    password = make_password(BENCH_PASSWORD)  # hashed once, shared by every account
    with transaction.atomic():
        accounts = [
            User(username="bench-staff", email="staff@example.org", is_staff=True),
            User(username="bench-manager", email="manager@example.org"),
            *(
                User(
                    username=coordinator_username(i),
                    email=f"coordinator-{i:04d}@example.org",
                    first_name="Coordinator",
                    last_name=f"{i:04d}",
                )
                for i in range(n)
            ),
        ]
        for account in accounts:
            account.password = password
        staff, manager, *coordinators = User.objects.bulk_create(accounts, batch_size=BATCH_ROWS)
        manager.groups.add(Group.objects.get(name=PROGRAM_MANAGERS_GROUP))
        task_forces = []
        for i, (postal, county, _fips) in enumerate(counties):
            # Past the last county the list repeats: number the repeats.
            suffix = f" {i // len(listed) + 1}" if i >= len(listed) else ""
            task_forces.append(
                TaskForce(
                    name=f"{county}, {postal} Human Trafficking Task Force{suffix}",
                    slug=slugify(f"{county} {postal}{suffix}"),
                    region=REGIONS[i * len(REGIONS) // n],  # contiguous blocks
                )
            )
        task_forces = TaskForce.objects.bulk_create(task_forces, batch_size=BATCH_ROWS)

        AreaLink, CoordinatorLink = TaskForce.areas.through, TaskForce.coordinators.through
        area_links, coordinator_links, partner_links, tokens = [], [], [], []
        for i, task_force in enumerate(task_forces):
            coordinator_links.append(
                CoordinatorLink(taskforce_id=task_force.pk, user_id=coordinators[i].pk)
            )
            # Some serve the next county of their state too.
            rng = random.Random(f"{SEED}-areas-{i}")  # noqa: S311 - test data, not secrets
            served = {areas[counties[i][2]]}
            nxt = counties[(i + 1) % n]
            if rng.random() < 0.3 and nxt[0] == counties[i][0]:
                served.add(areas[nxt[2]])
            area_links += [AreaLink(taskforce_id=task_force.pk, area_id=pk) for pk in served]
            rng = random.Random(f"{SEED}-link-{i}")  # noqa: S311 - test data, not secrets
            tokens.append(partner_token(i, rng))
            partner_links.append(
                PartnerLink(
                    task_force=task_force,
                    label="County Health Department",
                    token_hash=hash_token(tokens[-1]),
                    created_by_id=coordinators[i].pk,
                    created_at=now - datetime.timedelta(days=rng.randint(30, 700)),
                    last_used_at=now - datetime.timedelta(days=rng.randint(0, 30)),
                    use_count=rng.randint(0, 200),
                )
            )
        for model, rows in (
            (AreaLink, area_links),
            (CoordinatorLink, coordinator_links),
            (PartnerLink, partner_links),
        ):
            model.objects.bulk_create(rows, batch_size=BATCH_ROWS)

        two_years_ago = now - datetime.timedelta(days=730)
        today = timezone.localdate()
        sector_ids = list(Sector.objects.order_by("order").values_list("pk", flat=True))
        for batch_start in range(0, n, BATCH_TASK_FORCES):
            statuses: list[MilestoneStatus] = []
            changes: list[StatusChange] = []
            agencies: list[PartnerAgency] = []
            for i in range(batch_start, min(n, batch_start + BATCH_TASK_FORCES)):
                rng = random.Random(f"{SEED}-register-{i}")  # noqa: S311 - test data, not secrets
                agencies += _register(
                    rng, task_forces[i].pk, sector_ids, today, now, coordinators[i]
                )
                rng = random.Random(f"{SEED}-history-{i}")  # noqa: S311 - test data, not secrets
                finals = _final_statuses(rng, len(milestones))
                for position, (milestone, final) in enumerate(zip(milestones, finals, strict=True)):
                    # Earlier milestones were taken up earlier.
                    days = position * 8 + rng.randint(0, 60)
                    start = two_years_ago + datetime.timedelta(days=days)
                    end = now - datetime.timedelta(days=rng.randint(1, 45))
                    ids = {"task_force_id": task_forces[i].pk, "milestone_id": milestone.pk}
                    status, history = _milestone_history(
                        rng, ids, final, start, end, coordinators[i], staff
                    )
                    statuses.append(status)
                    changes += history
            MilestoneStatus.objects.bulk_create(statuses, batch_size=BATCH_ROWS)
            StatusChange.objects.bulk_create(changes, batch_size=BATCH_ROWS)
            PartnerAgency.objects.bulk_create(agencies, batch_size=BATCH_ROWS)
            _activity(task_forces[batch_start : batch_start + BATCH_TASK_FORCES], sector_ids, today)
            if n > BATCH_TASK_FORCES:
                log(f"   {min(n, batch_start + BATCH_TASK_FORCES):,}/{n:,} task forces")

    cycle_id = _review_cycle(manager, today)

    # What autovacuum would have done on a live database: fresh planner statistics.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    return World(
        task_force_slug=task_forces[0].slug,
        task_force_name=task_forces[0].name,
        milestone_slug=milestones[min(13, len(milestones) - 1)].slug,  # mid-page, Stabilization
        partner_token=tokens[0],
        coordinator=coordinators[0].username,
        save_task_force_slug=task_forces[1 % n].slug,
        save_coordinator=coordinators[1 % n].username,
        staff=staff.username,
        manager=manager.username,
        statuses=MilestoneStatus.objects.count(),
        changes=StatusChange.objects.count(),
        cycle_id=cycle_id,
    )


def _activity(task_forces, sector_ids, today: datetime.date) -> None:
    """A year of activity per task force, in bulk (two INSERTs per batch):
    a meeting most months with agencies attending, a training or two with
    people trained, now and then outreach; for the statewide activity view
    and the report pack."""
    entries, plans = [], []
    for task_force in task_forces:
        rng = random.Random(f"{SEED}-activity-{task_force.pk}")  # noqa: S311 - test data
        for month in range(12):
            day = today - datetime.timedelta(days=30 * month + rng.randint(1, 28))
            kinds = [ActivityKind.TASK_FORCE_MEETING] if rng.random() < 0.8 else []
            if rng.random() < 0.15:
                kinds.append(ActivityKind.TRAINING_DELIVERED)
            if rng.random() < 0.1:
                kinds.append(ActivityKind.OUTREACH)
            for kind in kinds:
                entries.append(
                    ActivityEntry(
                        task_force_id=task_force.pk, date=day, kind=kind, title=kind.label
                    )
                )
                measure = "trained" if kind == ActivityKind.TRAINING_DELIVERED else "agencies"
                chosen = rng.sample(sector_ids, k=min(len(sector_ids), rng.randint(1, 4)))
                plans.append([(measure, pk, rng.randint(1, 12)) for pk in chosen])
    entries = ActivityEntry.objects.bulk_create(entries, batch_size=BATCH_ROWS)
    counts = [
        ActivityCount(entry_id=entry.pk, measure=measure, sector_id=pk, count=count)
        for entry, plan in zip(entries, plans, strict=True)
        for measure, pk, count in plan
    ]
    ActivityCount.objects.bulk_create(counts, batch_size=BATCH_ROWS)


def _review_cycle(manager, today: datetime.date) -> int:
    """A review cycle over every task force, opened by the service (one
    submission each), with a spread of states: a third not started, the
    rest in progress, submitted, returned or accepted. The states are set in
    bulk, without snapshots: the cycle page reads only the submissions."""
    from assessments.cycles import services as cycles
    from assessments.cycles.models import CycleSubmission

    cycle = cycles.cycle_open(
        title="Annual self-assessment",
        due_on=today + datetime.timedelta(days=30),
        user=manager,
        today=today,
    )
    pks = list(cycle.submissions.order_by("pk").values_list("pk", flat=True))
    states = ["not_started", "not_started", "in_progress", "submitted", "returned", "accepted"]
    for offset, state in enumerate(states):
        chosen = pks[offset :: len(states)]
        for start in range(0, len(chosen), BATCH_ROWS):
            CycleSubmission.objects.filter(pk__in=chosen[start : start + BATCH_ROWS]).update(
                state=state
            )
    return cycle.pk
