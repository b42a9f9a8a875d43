import datetime
import random
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from assessments.activity.demo import seed_activity
from assessments.core import services
from assessments.cycles import services as cycles
from assessments.help import services as help_requests
from assessments.models import (
    Area,
    CycleSubmission,
    MilestoneStatus,
    MouStatus,
    PartnershipType,
    PlanItem,
    RegisterChange,
    ReviewCycle,
    Sector,
    Snapshot,
    SnapshotMilestone,
    Status,
    StatusChange,
    SubmissionReview,
    TaskForce,
)
from assessments.register import services as register
from assessments.roles import PROGRAM_MANAGERS_GROUP
from stages.models import Milestone, MilestoneResource, Stage

# Sample county task forces (fictional data about real places).
DEMO_TASK_FORCES = [
    ("Lane County Anti-Trafficking Task Force", "Willamette Valley", ["Lane"]),
    ("Marion-Polk Human Trafficking Task Force", "Willamette Valley", ["Marion", "Polk"]),
    ("Jackson County Human Trafficking Task Force", "Southern Oregon", ["Jackson"]),
    ("Deschutes Coalition Against Trafficking", "Central Oregon", ["Deschutes"]),
    ("Umatilla County Human Trafficking Task Force", "Eastern Oregon", ["Umatilla"]),
    ("North Coast Human Trafficking Task Force", "Coast", ["Clatsop", "Tillamook"]),
]
# How far along each one is: the share of milestones, in guidance order, that
# are achieved; the rest get a spread of the other statuses.
MATURITY = [0.85, 0.6, 0.4, 0.25, 0.1, 0.0]

# A partner register per task force: (name, sector slug, partnership type,
# contact role). Contacts are roles at the agency, never people's names.
# "{county}" is the task force's first county. Fictional agencies.
DEMO_AGENCIES = [
    ("{county} County Sheriff's Office", "law-enforcement", "joint_services", "Detective sergeant"),
    ("{county} Victim Advocacy Center", "victim-services", "joint_services", "Program director"),
    (
        "{county} County District Attorney's Office",
        "prosecution",
        "information_sharing",
        "Victim assistance manager",
    ),
    (
        "{county} Child Welfare Office",
        "child-welfare",
        "information_sharing",
        "Child welfare supervisor",
    ),
    ("{county} Community Health Clinic", "health-care", "referral", "Nurse manager"),
    (
        "{county} Recovery and Behavioral Health",
        "behavioral-health",
        "referral",
        "Clinical director",
    ),
    ("{county} Youth and Family Shelter", "housing-and-shelter", "referral", "Shelter manager"),
    (
        "{county} Survivor Leadership Collective",
        "survivor-led-organizations",
        "joint_services",
        "Peer support coordinator",
    ),
    ("{county} School District", "education", "referral", "Student services coordinator"),
    (
        "{county} County Juvenile Department",
        "juvenile-justice",
        "information_sharing",
        "Juvenile court counselor",
    ),
    (
        "Tribal Family Services Department",
        "tribal-government",
        "joint_services",
        "Family services director",
    ),
    (
        "{county} Latino Community Alliance",
        "culturally-specific-organizations",
        "referral",
        "Community outreach lead",
    ),
    ("{county} Interfaith Network", "faith-communities", "referral", "Network coordinator"),
    ("{county} Workers' Rights Center", "labor", "information_sharing", "Outreach coordinator"),
    ("{county} Chamber of Commerce", "business", "referral", "Membership director"),
]
# How many of them each task force has, by its place in DEMO_TASK_FORCES.
REGISTER_SIZE = [14, 11, 9, 7, 5, 3]


class Command(BaseCommand):
    help = (
        "Create sample county task forces with varied statuses, a demo coordinator "
        "and a demo admin, and print their new random passwords. For local "
        "development and demos only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (never do this on a production database).",
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo only runs with DJANGO_DEBUG=1: it creates accounts with "
                "known usernames. Use --force if you really mean it."
            )
        if not Stage.objects.exists():
            call_command("loaddata", "stages", verbosity=0)
        with transaction.atomic():
            admin_password, coordinator_password, manager_password = self._seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at /accounts/login/ as:"))
        self.stdout.write(
            f"  admin        password: {admin_password}   (staff: Django admin and invitations;"
            " sets up two-factor sign-in with an authenticator app at first log-in)"
        )
        self.stdout.write(
            f"  coordinator  password: {coordinator_password}   "
            f"(coordinator of {DEMO_TASK_FORCES[0][0]} and {DEMO_TASK_FORCES[1][0]})"
        )
        self.stdout.write(
            f"  manager      password: {manager_password}   (program manager: reads every "
            "task force, decides on submissions, answers help requests; sets up two-factor "
            "sign-in with an authenticator app at first log-in)"
        )
        self.stdout.write("Run 'python manage.py seed_demo' again to get new passwords.")

    def _seed(self) -> tuple[str, str, str]:
        User = get_user_model()
        admin_password = secrets.token_urlsafe(12)
        coordinator_password = secrets.token_urlsafe(12)
        manager_password = secrets.token_urlsafe(12)
        admin, _ = User.objects.get_or_create(
            username="admin",
            defaults={"first_name": "Avery", "last_name": "Admin", "email": "admin@example.org"},
        )
        admin.is_staff = admin.is_superuser = True
        admin.set_password(admin_password)
        admin.save()
        coordinator, _ = User.objects.get_or_create(
            username="coordinator",
            defaults={"first_name": "Casey", "last_name": "Demo", "email": "casey@example.org"},
        )
        coordinator.set_password(coordinator_password)
        coordinator.save()
        manager, _ = User.objects.get_or_create(
            username="manager",
            defaults={"first_name": "Morgan", "last_name": "Reyes", "email": "morgan@example.org"},
        )
        manager.set_password(manager_password)
        manager.save()
        manager.groups.add(Group.objects.get(name=PROGRAM_MANAGERS_GROUP))

        milestones = list(Milestone.objects.active())
        rng = random.Random(2026)  # noqa: S311 - demo data, not secrets; the same every time
        # Cycled through, so every status appears in the demo.
        others = [Status.PLANNING, Status.IN_PROGRESS, Status.LAPSED, Status.NOT_STARTED]
        now = timezone.now()
        for index, (name, region, counties) in enumerate(DEMO_TASK_FORCES):
            task_force, created = TaskForce.objects.get_or_create(
                name=name, defaults={"slug": slugify(name), "region": region}
            )
            for county in counties:
                area, _ = Area.objects.get_or_create(
                    kind=Area.Kind.COUNTY, state="OR", name=f"{county} County"
                )
                task_force.areas.add(area)
            if index < 2:
                task_force.coordinators.add(coordinator)
            if not task_force.partner_agencies.exists():
                _seed_register(task_force, index, counties[0], coordinator, now)
            if not task_force.activity_entries.exists():
                seed_activity(
                    task_force,
                    index=index,
                    user=coordinator,
                    today=timezone.localdate(now),
                    # Its own seed: the log is the same whatever else changes.
                    rng=random.Random(f"activity-{index}"),  # noqa: S311 - demo data
                )
            if not created:
                continue
            achieved = round(MATURITY[index] * len(milestones))
            for position, milestone in enumerate(milestones):
                target = (
                    Status.ACHIEVED
                    if position < achieved
                    else others[(position + index) % len(others)]
                )
                # Two years of history: earlier milestones were worked on first.
                start = now - datetime.timedelta(days=730 - position * 20 - rng.randint(0, 15))
                for step, status in enumerate(_path_to(target)):
                    services.milestone_status_update(
                        task_force=task_force,
                        milestone=milestone,
                        status=status,
                        lead_partner=rng.choice(["", "County Health", "Sheriff's Office", "DHS"])
                        if step == 0
                        else _current_lead(task_force, milestone),
                        notes="Funding ended; reapplying." if status == Status.LAPSED else "",
                        user=coordinator,
                        source=StatusChange.Source.DEMO,
                        at=min(start + datetime.timedelta(days=45 * step), now),
                    )
        _seed_past_cycle(admin, coordinator, now)
        _seed_waiting(manager, coordinator, now)
        _seed_resources()
        return admin_password, coordinator_password, manager_password


# Real public resources, by name and address only (no copied content), a
# few per stage: (milestone slug, title, address, shown to partners).
DEMO_RESOURCES = [
    (
        "task-force-formation",
        "Human Trafficking Task Force e-Guide (OVC TTAC)",
        "https://www.ovcttac.gov/taskforceguide/eguide/",
        True,
    ),
    (
        "task-force-mou",
        "Human Trafficking Task Force e-Guide (OVC TTAC)",
        "https://www.ovcttac.gov/taskforceguide/eguide/",
        True,
    ),
    ("community-awareness", "Blue Campaign (DHS)", "https://www.dhs.gov/blue-campaign", True),
    (
        "agency-awareness",
        "National Human Trafficking Hotline",
        "https://humantraffickinghotline.org/",
        True,
    ),
    ("data-collection", "Office for Victims of Crime", "https://ovc.ojp.gov/", False),
    ("update-response-protocols", "Bureau of Justice Assistance", "https://bja.ojp.gov/", False),
    (
        "awareness-in-schools-and-colleges",
        "Blue Campaign (DHS)",
        "https://www.dhs.gov/blue-campaign",
        True,
    ),
    ("data-systems-in-place", "Office for Victims of Crime", "https://ovc.ojp.gov/", False),
    (
        "youth-voice",
        "National Center for Missing & Exploited Children",
        "https://www.missingkids.org/",
        True,
    ),
]


def _seed_resources() -> None:
    """A few resources per stage, so Next priorities and partner pages show
    them; once, and never over an admin's own."""
    by_slug = Milestone.objects.in_bulk([slug for slug, *_ in DEMO_RESOURCES], field_name="slug")
    for order, (slug, title, url, public) in enumerate(DEMO_RESOURCES):
        milestone = by_slug.get(slug)
        if milestone is not None:
            MilestoneResource.objects.get_or_create(
                milestone=milestone,
                title=title,
                defaults={"url": url, "public": public, "order": order},
            )


def _seed_register(
    task_force: TaskForce, index: int, county: str, coordinator, now: datetime.datetime
) -> None:
    """A register with MOUs in every state: current, expiring within the
    window, expired, in legal review, drafting; and one former partner."""
    today = timezone.localdate(now)
    sectors = {sector.slug: sector for sector in Sector.objects.all()}
    days = datetime.timedelta
    # (status, signed days ago, renews in days, covers data sharing), cycled.
    mou_plan = [
        (MouStatus.SIGNED, 400, 330, True),
        (MouStatus.SIGNED, 700, 25 + index, False),
        (MouStatus.SIGNED, 300, None, True),
        (MouStatus.LEGAL_REVIEW, None, None, False),
        (MouStatus.SIGNED, 800, -20, False),
        (MouStatus.DRAFTING, None, None, False),
        (MouStatus.NONE, None, None, False),
    ]
    for position, (name, slug, kind, role) in enumerate(DEMO_AGENCIES[: REGISTER_SIZE[index]]):
        status, signed_ago, renews_in, sharing = mou_plan[(position + index) % len(mou_plan)]
        address = slugify(role).replace("-", ".")
        agency = register.partner_agency_create(
            task_force=task_force,
            name=name.format(county=county),
            sector=sectors[slug],
            partnership_type=PartnershipType(kind),
            mou_status=status,
            mou_signed_on=today - days(signed_ago) if signed_ago else None,
            mou_renews_on=today + days(renews_in) if renews_in is not None else None,
            mou_covers_data_sharing=sharing,
            contact_name=role,
            contact_email=f"{address}@example.org",
            shown_to_partners=position % 3 == 0,
            user=coordinator,
            source=RegisterChange.Source.DEMO,
            at=now - days(500 - position * 20),
        )
        if position == 4 and index < 2:
            register.partner_agency_leave(
                agency=agency,
                left_on=today - days(60),
                user=coordinator,
                expected_version=None,
                source=RegisterChange.Source.DEMO,
                at=now - days(60),
            )


# The past review cycle: due this many days ago, opened two months before
# that; each task force submitted ten days before the due date and was
# accepted five days after it.
PAST_CYCLE_DUE_DAYS_AGO = 120
DEMO_NARRATIVES = {
    "foundation": "The task force met monthly; the MOU was reviewed with every partner "
    "and the response protocols were walked through at two trainings.",
    "stabilization": "Data collection started with shared definitions; counts only, "
    "reported each quarter to the state program.",
    "sustainability": "Planning for sustained funding began with the county board; "
    "no commitments yet.",
}


def _seed_past_cycle(admin, coordinator, now: datetime.datetime) -> None:
    """One past, accepted review cycle, so compare has something to show.

    Snapshots are made with the models' own constructors and explicit past
    timestamps (the cycle services stamp "now"). What each snapshot holds is
    read from the demo history as it stood on the submission date, so it
    agrees with the history page, and differs from today where the demo
    history moved on since.
    """
    due = timezone.localdate(now) - datetime.timedelta(days=PAST_CYCLE_DUE_DAYS_AGO)
    title = f"{due.year} annual self-assessment"
    if ReviewCycle.objects.filter(title=title).exists():
        return
    opened_at = now - datetime.timedelta(days=PAST_CYCLE_DUE_DAYS_AGO + 60)
    submitted_at = now - datetime.timedelta(days=PAST_CYCLE_DUE_DAYS_AGO + 10)
    accepted_at = now - datetime.timedelta(days=PAST_CYCLE_DUE_DAYS_AGO - 5)
    cycle = ReviewCycle.objects.create(
        title=title,
        due_on=due,
        instructions="Review every milestone, write a short narrative per stage and "
        "choose up to three target milestones for next year.",
        opened_by=admin,
        opened_at=opened_at,
        closed_at=accepted_at + datetime.timedelta(days=30),
    )
    milestones = list(Milestone.objects.active().select_related("stage"))
    stages = {stage.pk: stage.slug for stage in Stage.objects.all()}
    for task_force in TaskForce.objects.filter(name__in=[tf[0] for tf in DEMO_TASK_FORCES]):
        frozen = _as_of(task_force, submitted_at)
        narrative = {str(pk): DEMO_NARRATIVES.get(slug, "") for pk, slug in stages.items()}
        owners = list(
            task_force.partner_agencies.order_by("name").values_list("name", flat=True)[:3]
        ) or ["Task force coordinator"]
        targets = [m for m in milestones if frozen.get(m.pk, {}).get("status") != Status.ACHIEVED]
        plan = [
            (milestone, owners[n % len(owners)], due + datetime.timedelta(days=365 - 60 * n))
            for n, milestone in enumerate(targets[:3])
        ]
        submission = CycleSubmission.objects.create(
            cycle=cycle,
            task_force=task_force,
            state=CycleSubmission.State.ACCEPTED,
            narrative=narrative,
            plan=[
                {"milestone": m.pk, "owner": owner, "due_on": due_on.isoformat()}
                for m, owner, due_on in plan
            ],
            round_started_at=opened_at,
            updated_at=accepted_at,
            updated_by=admin,
        )
        snapshot = Snapshot(
            submission=submission,
            number=1,
            narrative=narrative,
            changed_by=coordinator,
            changed_by_name=coordinator.get_username(),
            changed_at=submitted_at,
        )
        snapshot.save()
        SnapshotMilestone.objects.bulk_create(
            SnapshotMilestone(
                snapshot=snapshot,
                milestone=milestone,
                status=frozen.get(milestone.pk, {}).get("status", Status.NOT_STARTED),
                lead_partner=frozen.get(milestone.pk, {}).get("lead_partner", ""),
                target_date=frozen.get(milestone.pk, {}).get("target_date"),
            )
            for milestone in milestones
        )
        PlanItem.objects.bulk_create(
            PlanItem(snapshot=snapshot, milestone=m, owner=owner, due_on=due_on)
            for m, owner, due_on in plan
        )
        SubmissionReview(
            snapshot=snapshot,
            decision=SubmissionReview.Decision.ACCEPTED,
            changed_by=admin,
            changed_by_name=admin.get_username(),
            changed_at=accepted_at,
        ).save()
        _move_on_since(task_force, coordinator, milestones, now)


# The current cycle: due in this many days, so it is on the coordinator's
# "Needs your attention" (due within 30 days).
CURRENT_CYCLE_DUE_IN_DAYS = 20


def _seed_waiting(manager, coordinator, now: datetime.datetime) -> None:
    """Something waiting for each demo account, so "Needs your attention" is
    filled on a fresh `make run`: a current cycle that the first task force
    has submitted (waiting for the manager's decision) and the second has
    still to do (due soon for the coordinator); a help request nobody has
    taken yet (the manager's) and one the manager answered (an unread reply
    for the coordinator). Written through the services, as the pages do."""
    due = timezone.localdate(now) + datetime.timedelta(days=CURRENT_CYCLE_DUE_IN_DAYS)
    title = f"{due.year} mid-year check-in"
    if ReviewCycle.objects.filter(title=title).exists():
        return
    first, second = (
        TaskForce.objects.get(name=DEMO_TASK_FORCES[0][0]),
        TaskForce.objects.get(name=DEMO_TASK_FORCES[1][0]),
    )
    cycle = cycles.cycle_open(
        title=title,
        due_on=due,
        instructions="Confirm or update each milestone and write a line per stage.",
        user=manager,
    )
    submission = cycle.submissions.get(task_force=first)
    cycles.milestones_review(
        submission=submission, milestones=list(cycles.listed_milestones()), user=coordinator
    )
    submission.refresh_from_db()
    submission = cycles.submission_save_draft(
        submission=submission,
        narrative={
            str(stage.pk): DEMO_NARRATIVES.get(stage.slug, "") or "No change since the spring."
            for stage in cycles.cycle_stages()
        },
        plan=[],
        user=coordinator,
        expected_version=submission.version,
    )
    cycles.submission_submit(
        submission=submission, user=coordinator, expected_version=submission.version
    )
    help_requests.help_request_create(
        task_force=first,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        subject="A template for the school district's MOU",
        body="Does the state program have a sample MOU for a school district partner?",
        user=coordinator,
    )
    answered = help_requests.help_request_create(
        task_force=second,
        milestone=None,
        subject="Training for new members",
        body="Is there an introductory training we can offer to new partner agencies?",
        user=coordinator,
        at=now - datetime.timedelta(days=2),
    )
    help_requests.help_request_reply(
        request=answered,
        body="Yes: the state program runs one each quarter. The next dates are on our "
        "training page; we can also come to one of your meetings.",
        user=manager,
        expected_version=answered.version,
    )


# What a demo task force did since the past cycle: one step forward on its
# first milestones (in guidance order) that are neither achieved nor lapsed.
MOVED_ON_SINCE = 2
NEXT_STEP = {
    Status.NOT_STARTED: Status.PLANNING,
    Status.PLANNING: Status.IN_PROGRESS,
    Status.IN_PROGRESS: Status.ACHIEVED,
}


def _move_on_since(task_force: TaskForce, coordinator, milestones, now) -> None:
    """A few status changes after the past cycle's submission, through the
    status service like every change (so the history shows them), so that
    comparing that submission with today shows moves forward as well as
    the demo history's lapses."""
    records = {r.milestone_id: r for r in MilestoneStatus.objects.filter(task_force=task_force)}
    moved = 0
    for milestone in milestones:
        record = records.get(milestone.pk)
        status = record.status if record else Status.NOT_STARTED
        if status not in NEXT_STEP or moved == MOVED_ON_SINCE:
            continue
        services.milestone_status_update(
            task_force=task_force,
            milestone=milestone,
            status=NEXT_STEP[status],
            notes=record.notes if record else "",
            lead_partner=record.lead_partner if record else "",
            target_date=record.target_date if record else None,
            user=coordinator,
            source=StatusChange.Source.DEMO,
            at=now - datetime.timedelta(days=30 - 7 * moved),
        )
        moved += 1


def _as_of(task_force: TaskForce, moment: datetime.datetime) -> dict[int, dict]:
    """{milestone id: {status, lead_partner, target_date}} as the task
    force's history says they stood at `moment`."""
    state: dict[int, dict] = {}
    changes = StatusChange.objects.filter(task_force=task_force, changed_at__lte=moment).order_by(
        "changed_at", "pk"
    )
    for change in changes:
        record = state.setdefault(change.milestone_id, {})
        record["status"] = change.new_status
        for field in ("lead_partner", "target_date"):
            if field in change.changes:
                record[field] = change.changes[field][1]
    for record in state.values():
        if record.get("target_date"):
            record["target_date"] = datetime.date.fromisoformat(record["target_date"])
    return state


def _path_to(target: str) -> list[str]:
    """The statuses a milestone passes through to reach `target`."""
    return {
        Status.NOT_STARTED: [],
        Status.PLANNING: [Status.PLANNING],
        Status.IN_PROGRESS: [Status.PLANNING, Status.IN_PROGRESS],
        Status.ACHIEVED: [Status.PLANNING, Status.IN_PROGRESS, Status.ACHIEVED],
        Status.LAPSED: [Status.IN_PROGRESS, Status.ACHIEVED, Status.LAPSED],
    }[target]


def _current_lead(task_force: TaskForce, milestone: Milestone) -> str:
    record = MilestoneStatus.objects.filter(task_force=task_force, milestone=milestone).first()
    return record.lead_partner if record else ""
