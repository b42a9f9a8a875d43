"""Builds the benchmark database: N task forces x 28 milestones with about ten
history rows per status over two years, in bulk (no per-row service calls).

Realistic shape:
- Task forces serve real counties (Census list): Oregon's 36 first, then every
  county of the 50 states and DC, so N = 36 is one state's program and
  N = 3,143 the whole country. Each serves one county, some a neighbour too.
  Six regions, each a contiguous block of task forces.
- Every task force has one coordinator and one partner link; there is one
  program manager (group "Program managers") and one staff user.
- Each task force has a maturity; milestones early in the guidance are
  achieved first, a few achieved ones have lapsed, the rest are a mix of
  planning, in progress and not started. Every one of the 28 milestones has a
  MilestoneStatus row and 7 to 13 StatusChange rows (status changes along a
  plausible path, edits of lead partner, target date and notes, and
  confirmations), and the status row agrees with its last history row
  (version, status_since, confirmed_at, updated_at, updated_by).

Each task force's data comes from its own seeded random generator, so the
task forces measured (the first two, Baker and Benton County, OR) are
identical at every N.
"""

from __future__ import annotations

import datetime
import io
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import (
    PROGRAM_MANAGERS_GROUP,
    Area,
    MilestoneStatus,
    PartnerLink,
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
HISTORY_PER_STATUS = (7, 13)  # inclusive range; about 10 on average
BATCH_TASK_FORCES = 150  # task forces generated and written per batch
BATCH_ROWS = 5000  # rows per INSERT


@dataclass(frozen=True)
class World:
    """What the measurements need to know about the data they run against."""

    n: int
    task_force_slug: str
    task_force_name: str
    milestone_slug: str
    partner_token: str
    coordinator: str
    # The save is timed on another task force (with its own coordinator), so
    # that it does not invalidate what the read pages of the first one cache.
    save_task_force_slug: str
    save_coordinator: str
    staff: str
    manager: str
    statuses: int
    changes: int

    def redact(self, path: str) -> str:
        """The path as reported: the partner link's token is a secret."""
        return path.replace(self.partner_token, "<token>")


@dataclass
class _Record:
    status: str = Status.NOT_STARTED
    lead_partner: str = ""
    target_date: datetime.date | None = None
    notes: str = ""


def _counties(n: int) -> list[tuple[str, str, str]]:
    """(postal code, county name, FIPS) of the first n counties: Oregon first,
    then the other states and DC in FIPS order. Repeats (with a number) past
    the 3,143 counties there are."""
    from assessments.management.commands.load_counties import (
        CENSUS_DIR,
        COUNTIES_FILE,
        STATES_FILE,
        read_counties,
        read_states,
    )

    states = read_states(CENSUS_DIR / STATES_FILE)
    counties = read_counties(CENSUS_DIR / COUNTIES_FILE)
    postals = sorted((p for p in states if p not in TERRITORIES), key=lambda p: states[p])
    postals.remove(FIRST_STATE)
    postals.insert(0, FIRST_STATE)
    listed = [
        (postal, county.name, county.fips)
        for postal in postals
        for county in sorted(counties.get(states[postal], []), key=lambda c: c.fips)
    ]
    return [listed[i % len(listed)] for i in range(n)]


def _final_statuses(rng: random.Random, count: int) -> list[str]:
    """Where a task force stands on each milestone, in the guidance's order."""
    # Mature ones have most of Foundation achieved; new ones little.
    maturity = rng.betavariate(2.0, 2.2)
    finals = []
    for position in range(count):
        chance = maturity * 1.6 - position / count * 0.9
        if rng.random() < chance:
            finals.append(Status.LAPSED if rng.random() < 0.07 else Status.ACHIEVED)
        else:
            roll = rng.random()
            if roll < 0.3:
                finals.append(Status.IN_PROGRESS)
            elif roll < 0.55:
                finals.append(Status.PLANNING)
            else:
                finals.append(Status.NOT_STARTED)
    return finals


def _status_path(rng: random.Random, final: str) -> list[str]:
    """The statuses a milestone passes through to reach `final`."""
    if final == Status.NOT_STARTED:
        return [Status.PLANNING, Status.NOT_STARTED] if rng.random() < 0.3 else []
    if final == Status.PLANNING:
        return [Status.PLANNING]
    if final == Status.IN_PROGRESS:
        return [Status.PLANNING, Status.IN_PROGRESS]
    path = [Status.PLANNING, Status.IN_PROGRESS, Status.ACHIEVED]
    if final == Status.ACHIEVED and rng.random() < 0.2:
        path += [Status.LAPSED, Status.IN_PROGRESS, Status.ACHIEVED]
    if final == Status.LAPSED:
        path.append(Status.LAPSED)
    return path


def _iso(value):
    """Dates as ISO 8601 text; anything else (text, None) as it is."""
    return value.isoformat() if isinstance(value, datetime.date) else value


def _milestone_history(
    *,
    rng: random.Random,
    task_force_id: int,
    milestone_id: int,
    final: str,
    start: datetime.datetime,
    end: datetime.datetime,
    coordinator: tuple[int, str],
    staff: tuple[int, str],
) -> tuple[MilestoneStatus, list[StatusChange]]:
    path = _status_path(rng, final)
    count = max(rng.randint(*HISTORY_PER_STATUS), len(path))
    span = (end - start).total_seconds()
    times = sorted(start + datetime.timedelta(seconds=rng.random() * span) for _ in range(count))
    status_positions = set(rng.sample(range(count), len(path)))
    steps = iter(path)
    record = _Record()
    status_since = times[0]
    confirmed_at = confirmed_by = None
    updated_at, updated_by = times[0], coordinator
    changes = []
    for index, at in enumerate(times):
        user = staff if rng.random() < 0.15 else coordinator
        old_status = record.status
        if index in status_positions:
            record.status = next(steps)
            diff = {"status": [old_status, record.status]}
            status_since = at
            if record.status == Status.ACHIEVED:
                confirmed_at, confirmed_by = at, user
            source = rng.choices(
                [StatusChange.Source.FORM, StatusChange.Source.IMPORT, StatusChange.Source.ADMIN],
                weights=[80, 15, 5],
            )[0]
        elif record.status == Status.ACHIEVED and rng.random() < 0.5:
            diff = {"confirmed_at": [_iso(confirmed_at), at.isoformat()]}
            confirmed_at, confirmed_by = at, user
            source = StatusChange.Source.CONFIRM
        else:
            field = rng.choices(["lead_partner", "target_date", "notes"], weights=[4, 3, 3])[0]
            old_value = getattr(record, field)
            if field == "lead_partner":
                new_value = rng.choice([p for p in LEAD_PARTNERS if p != old_value])
            elif field == "target_date":
                new_value = at.date() + datetime.timedelta(days=rng.randint(30, 400))
            else:
                new_value = rng.choice([note for note in NOTES if note != old_value])
            setattr(record, field, new_value)
            # Dates as ISO 8601, as the service writes them.
            diff = {field: [_iso(old_value), _iso(new_value)]}
            source = StatusChange.Source.FORM
        if source != StatusChange.Source.CONFIRM:  # a confirmation leaves updated_at alone
            updated_at, updated_by = at, user
        changes.append(
            StatusChange(
                task_force_id=task_force_id,
                milestone_id=milestone_id,
                old_status=old_status,
                new_status=record.status,
                changes=diff,
                changed_by_id=user[0],
                changed_by_name=user[1],
                changed_at=at,
                source=source,
            )
        )
    status = MilestoneStatus(
        task_force_id=task_force_id,
        milestone_id=milestone_id,
        status=record.status,
        notes=record.notes,
        lead_partner=record.lead_partner,
        target_date=record.target_date,
        updated_by_id=updated_by[0],
        updated_at=updated_at,
        status_since=status_since,
        version=count,
        confirmed_at=confirmed_at,
        confirmed_by_id=confirmed_by[0] if confirmed_by else None,
    )
    return status, changes


def build(n: int) -> World:
    """Fill the (migrated, empty but for the stages) bench database."""
    User = get_user_model()
    now = timezone.now()
    milestones = list(Milestone.objects.active().order_by("stage__order", "order"))
    if len(milestones) != 28:
        log(f"   note: {len(milestones)} active milestones (expected 28)")

    counties = _counties(n)
    postals = sorted({postal for postal, _, _ in counties})
    call_command(
        "load_counties", *[f"--state={p}" for p in postals], verbosity=0, stdout=io.StringIO()
    )
    areas = {area.fips: area.pk for area in Area.objects.exclude(fips="")}

    password = make_password(BENCH_PASSWORD)  # hashed once, shared by every account
    with transaction.atomic():
        staff = User.objects.create(
            username="bench-staff", password=password, is_staff=True, email="staff@example.org"
        )
        manager = User.objects.create(
            username="bench-manager", password=password, email="manager@example.org"
        )
        manager.groups.add(Group.objects.get(name=PROGRAM_MANAGERS_GROUP))
        coordinators = User.objects.bulk_create(
            [
                User(
                    username=f"coordinator-{i:04d}",
                    first_name="Coordinator",
                    last_name=f"{i:04d}",
                    email=f"coordinator-{i:04d}@example.org",
                    password=password,
                )
                for i in range(n)
            ],
            batch_size=BATCH_ROWS,
        )
        task_forces = []
        seen: set[str] = set()
        distinct = len(set(counties))
        for i, (postal, county, _fips) in enumerate(counties):
            # Past the 3,143 counties the list repeats: number the repeats.
            suffix = f" {i // distinct + 1}" if i >= distinct else ""
            name = f"{county}, {postal} Human Trafficking Task Force{suffix}"
            slug = slugify(f"{county} {postal}{suffix}")[:100]
            if slug in seen:
                name, slug = f"{name} ({i})", f"{slug[:90]}-{i}"
            seen.add(slug)
            task_forces.append(
                TaskForce(name=name, slug=slug, region=REGIONS[i * len(REGIONS) // n])
            )
        task_forces = TaskForce.objects.bulk_create(task_forces, batch_size=BATCH_ROWS)

        AreaLink = TaskForce.areas.through
        CoordinatorLink = TaskForce.coordinators.through
        area_links, coordinator_links = [], []
        for i, task_force in enumerate(task_forces):
            rng = random.Random(f"{SEED}-areas-{i}")  # noqa: S311 - test data, not secrets
            served = {areas[counties[i][2]]}
            nxt = counties[(i + 1) % n]
            if rng.random() < 0.3 and nxt[0] == counties[i][0]:
                served.add(areas[nxt[2]])
            area_links += [AreaLink(taskforce_id=task_force.pk, area_id=pk) for pk in served]
            coordinator_links.append(
                CoordinatorLink(taskforce_id=task_force.pk, user_id=coordinators[i].pk)
            )
        AreaLink.objects.bulk_create(area_links, batch_size=BATCH_ROWS)
        CoordinatorLink.objects.bulk_create(coordinator_links, batch_size=BATCH_ROWS)

        tokens = []
        links = []
        for i, task_force in enumerate(task_forces):
            rng = random.Random(f"{SEED}-link-{i}")  # noqa: S311 - test data, not secrets
            token = f"bench-{i:05d}-{rng.getrandbits(128):032x}"
            tokens.append(token)
            links.append(
                PartnerLink(
                    task_force=task_force,
                    label="County Health Department",
                    token_hash=hash_token(token),
                    created_by_id=coordinators[i].pk,
                    created_at=now - datetime.timedelta(days=rng.randint(30, 700)),
                    last_used_at=now - datetime.timedelta(days=rng.randint(0, 30)),
                    use_count=rng.randint(0, 200),
                )
            )
        PartnerLink.objects.bulk_create(links, batch_size=BATCH_ROWS)

        staff_user = (staff.pk, staff.username)
        n_statuses = n_changes = 0
        two_years = datetime.timedelta(days=730)
        for batch_start in range(0, n, BATCH_TASK_FORCES):
            statuses: list[MilestoneStatus] = []
            changes: list[StatusChange] = []
            for i in range(batch_start, min(n, batch_start + BATCH_TASK_FORCES)):
                rng = random.Random(f"{SEED}-history-{i}")  # noqa: S311 - test data, not secrets
                coordinator = (coordinators[i].pk, coordinators[i].username)
                finals = _final_statuses(rng, len(milestones))
                for position, (milestone, final) in enumerate(zip(milestones, finals, strict=True)):
                    # Earlier milestones were taken up earlier.
                    start = (
                        now - two_years + datetime.timedelta(days=position * 8 + rng.randint(0, 60))
                    )
                    end = now - datetime.timedelta(days=rng.randint(1, 45))
                    status, history = _milestone_history(
                        rng=rng,
                        task_force_id=task_forces[i].pk,
                        milestone_id=milestone.pk,
                        final=final,
                        start=start,
                        end=end,
                        coordinator=coordinator,
                        staff=staff_user,
                    )
                    statuses.append(status)
                    changes += history
            MilestoneStatus.objects.bulk_create(statuses, batch_size=BATCH_ROWS)
            StatusChange.objects.bulk_create(changes, batch_size=BATCH_ROWS)
            n_statuses += len(statuses)
            n_changes += len(changes)
            if n > BATCH_TASK_FORCES:
                log(f"   {min(n, batch_start + BATCH_TASK_FORCES):,}/{n:,} task forces")

    # What autovacuum would have done on a live database: fresh planner statistics.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    measured = task_forces[0]
    return World(
        n=n,
        task_force_slug=measured.slug,
        task_force_name=measured.name,
        # A Stabilization milestone, in the middle of the page.
        milestone_slug=milestones[min(13, len(milestones) - 1)].slug,
        partner_token=tokens[0],
        coordinator=coordinators[0].username,
        save_task_force_slug=task_forces[1 % n].slug,
        save_coordinator=coordinators[1 % n].username,
        staff=staff.username,
        manager=manager.username,
        statuses=n_statuses,
        changes=n_changes,
    )
