"""Every URL pattern of the project, and a small world to request them in.

Shared by the permission matrix, the CSRF checks and the hostile-input tests,
so all of them cover the same, complete set of URLs.
"""

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from assessments.activity import services as activity
from assessments.core import services
from assessments.cycles import services as cycles
from assessments.help import services as help_requests
from assessments.models import (
    Area,
    Event,
    ImportBatch,
    Invitation,
    PreparedDownload,
    Sector,
    SentNotification,
    Status,
    StatusChange,
    hash_token,
)
from assessments.notifications.services import unsubscribe_token
from assessments.register import services as register
from stages.models import Milestone
from taskforce_site import jobs
from taskforce_site.models import OutgoingEmail, WorkerHeartbeat
from tests.factories import (
    EvidenceFactory,
    PartnerLinkFactory,
    ReviewCycleFactory,
    TaskForceFactory,
    UserFactory,
    snapshot_of,
)

ROLES = ("admin", "program_manager", "coordinator", "other_coordinator", "partner", "anonymous")
VALID_TOKEN = "matrix-valid-token-0123456789abcdefghijklmnop"
INVITATION_TOKEN = "matrix-invitation-token-0123456789abcdefghijk"
WRONG_TOKEN = "matrix-wrong-token-0123456789abcdefghijklmnop"


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


ALL_ROUTES = sorted(set(_patterns()))


def admin_model_of(route: str) -> str | None:
    """'auth/user' for 'admin/auth/user/<path:object_id>/change/', else None."""
    parts = route.split("/")
    if len(parts) >= 4 and parts[0] == "admin" and not parts[1].startswith(("^", "(")):
        candidate = f"{parts[1]}/{parts[2]}"
        if parts[1] not in {"r", "login", "logout", "password_change", "autocomplete", "jsi18n"}:
            return candidate
    return None


@task()
def example_job() -> None:
    """A job on the queue, for the admin's job pages."""


# The admin's index of one app: its pattern names every app with a model admin.
ADMIN_APP_INDEX = (
    "admin/^(?P<app_label>auth|axes|django_tasks_database|taskforce_site|stages|assessments)/$"
)


def build_world() -> dict:
    """Two task forces with one coordinator each, a program manager, an
    admin, and one object of every kind the admin lists."""
    own, other = TaskForceFactory(), TaskForceFactory()
    coordinator, other_coordinator = UserFactory(), UserFactory()
    own.coordinators.add(coordinator)
    other.coordinators.add(other_coordinator)
    program_managers = Group.objects.get(name="Program managers")
    program_manager = UserFactory()
    program_manager.groups.add(program_managers)
    admin = UserFactory(is_staff=True, is_superuser=True)
    milestone = Milestone.objects.get(slug="task-force-mou")
    status = services.milestone_status_update(
        task_force=own, milestone=milestone, status=Status.ACHIEVED, user=coordinator
    )
    link = PartnerLinkFactory(task_force=own, token=VALID_TOKEN)
    # A document on the milestone, shared with partners, so the partner's
    # download answers too.
    evidence = EvidenceFactory(
        document=True, task_force=own, milestone=milestone, shared_with_partners=True
    )
    agency = register.partner_agency_create(
        task_force=own,
        name="County Victim Services",
        sector=Sector.objects.get(slug="victim-services"),
        user=coordinator,
    )
    # A meeting in the activity log, logged by the coordinator.
    activity_entry = activity.activity_entry_create(
        task_force=own,
        date=timezone.localdate(),
        kind="task_force_meeting",
        title="Monthly task force meeting",
        counts={"agencies": {agency.sector: 4}},
        user=coordinator,
    )
    # A help request from the coordinator, with its first message and event.
    help_request = help_requests.help_request_create(
        task_force=own, milestone=milestone, subject="MOU template", body="Any?", user=coordinator
    )
    # A review cycle covering both task forces, opened by the program manager.
    cycle = cycles.cycle_open(
        title="2027 annual self-assessment",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
        user=program_manager,
    )
    # An admin edit, so the guidance's version history has an entry to open.
    milestone.save()
    milestone.stage.save()
    history_ids = {
        "stages/milestone": milestone.history.latest().history_id,
        "stages/stage": milestone.stage.history.latest().history_id,
    }

    # A site in service has a job worker that says it is alive (/healthz).
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="world-worker", hostname="test", pid=1, started_at=now, last_seen=now
    )
    job = DBTaskResult.objects.get(pk=jobs.enqueue(example_job).id)

    attempt = {"username": "someone", "ip_address": "10.0.0.1"}
    object_ids = {
        "django_tasks_database/dbtaskresult": job.pk,
        "auth/group": program_managers.pk,
        "auth/user": coordinator.pk,
        "axes/accessattempt": AccessAttempt.objects.create(failures_since_start=1, **attempt).pk,
        "axes/accesslog": AccessLog.objects.create(**attempt).pk,
        "taskforce_site/outgoingemail": OutgoingEmail.objects.create(
            to="invitee@example.org", subject="You are invited", template="invitation"
        ).pk,
        "axes/accessfailurelog": AccessFailureLog.objects.create(**attempt).pk,
        "stages/stage": milestone.stage_id,
        "stages/milestone": milestone.pk,
        "assessments/area": Area.objects.create(name="Lane County", state="OR").pk,
        "assessments/taskforce": own.pk,
        "assessments/milestonestatus": status.pk,
        "assessments/partnerlink": link.pk,
        "assessments/statuschange": own.status_changes.get().pk,
        "assessments/sector": agency.sector_id,
        "assessments/partneragency": agency.pk,
        "assessments/registerchange": own.register_changes.get().pk,
        "assessments/reviewcycle": cycle.pk,
        "assessments/snapshot": _snapshot(cycle, own, coordinator, program_manager).pk,
        "assessments/helprequest": help_request.pk,
        "assessments/helpmessage": help_request.messages.get().pk,
        "assessments/helprequestchange": help_request.changes.get().pk,
        # Recorded by help_request_create (core/events.py).
        "assessments/event": Event.objects.get(kind="help_opened", object_id=help_request.pk).pk,
        "assessments/sentnotification": SentNotification.objects.create(
            recipient=coordinator,
            email=coordinator.email,
            kinds=["target_date"],
            item_keys=["target_date:1:2026-06-12:soon"],
            run_date=datetime.date(2026, 6, 10),
        ).pk,
    }
    object_ids["assessments/submissionreview"] = (
        own.cycle_submissions.get().snapshots.get().reviews.get().pk
    )
    users = {
        "admin": admin,
        "program_manager": program_manager,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
    }
    # Checked, with nothing to change: every page of a batch has something to show.
    batch = ImportBatch.objects.create(
        created_by=coordinator, filename="import.csv", state=ImportBatch.State.CHECKED
    )
    register_batch = ImportBatch.objects.create(
        created_by=coordinator,
        filename="partners.csv",
        kind=ImportBatch.Kind.REGISTER,
        state=ImportBatch.State.CHECKED,
    )
    activity_batch = ImportBatch.objects.create(
        created_by=coordinator,
        filename="activity.csv",
        kind=ImportBatch.Kind.ACTIVITY,
        state=ImportBatch.State.CHECKED,
    )
    # An open invitation to the coordinator's task force, sent by the admin.
    invitee = UserFactory(email="invitee@example.org")
    invitee.set_unusable_password()
    invitee.save()
    own.coordinators.add(invitee)
    invitation = Invitation.objects.create(
        user=invitee,
        email=invitee.email,
        invited_by=admin,
        expires_at=timezone.now() + datetime.timedelta(days=7),
        token_hash=hash_token(INVITATION_TOKEN),
    )
    invitation.task_forces.add(own)
    # A past, accepted review cycle submission of the own task force, with a plan.
    snapshot = snapshot_of(
        own,
        ReviewCycleFactory(),
        {"task-force-mou": Status.IN_PROGRESS},
        plan=[("task-force-mou", "County Victim Services", None)],
        decision="accepted",
    )
    # A large export the coordinator asked for, ready to download.
    download = PreparedDownload(
        user=coordinator,
        kind=PreparedDownload.Kind.STATUSES,
        parameters={"format": "csv"},
        state=PreparedDownload.State.READY,
        covered=[own.pk],
        task_force_count=1,
        filename="all-task-forces-statuses.csv",
        content_type="text/csv; charset=utf-8",
        size=16,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    download.file.save("statuses.csv", ContentFile(b"task_force\r\nown\r\n"), save=False)
    download.save()
    return {
        "download": download,
        "snapshot": snapshot,
        "own": own,
        "batch": batch,
        "register_batch": register_batch,
        "activity_batch": activity_batch,
        "activity_entry": activity_entry,
        "invitation": invitation,
        "link": link,
        "agency": agency,
        "evidence": evidence,
        "help_request": help_request,
        "milestone": milestone,
        "users": users,
        "ids": object_ids,
        "history_ids": history_ids,
        "cycle": cycle,
        # The coordinator's one-click unsubscribe link (no login needed).
        "unsubscribe_token": unsubscribe_token(coordinator.pk, ["target_date"]),
    }


def _snapshot(cycle, task_force, coordinator, program_manager):
    """A submitted and returned snapshot, so the admin has one of each to show
    (the submission stays open, so the submission routes still edit)."""
    submission = cycle.submissions.get(task_force=task_force)
    # Reviewed as "Confirm as it stands" records it, written directly: the
    # service would confirm the achieved milestone too, and tests of the
    # world count confirmations.
    StatusChange.objects.bulk_create(
        StatusChange(
            task_force=task_force,
            milestone=milestone,
            old_status=Status.NOT_STARTED,
            new_status=Status.NOT_STARTED,
            changed_by=coordinator,
            source=StatusChange.Source.REVIEW,
        )
        for milestone in cycles.listed_milestones()
    )
    submission = cycles.submission_save_draft(
        submission=submission,
        narrative={str(stage.pk): "Met monthly." for stage in cycles.cycle_stages()},
        plan=[],
        user=coordinator,
        expected_version=submission.version,
    )
    snapshot = cycles.submission_submit(
        submission=submission, user=coordinator, expected_version=submission.version
    )
    cycles.submission_return(submission=submission, comments="Add the MOU.", user=program_manager)
    return snapshot


def url_for(route: str, world: dict, role: str) -> str:
    """A concrete URL for a route: the coordinator's own task force, its
    partner link (a wrong token for the anonymous role), and an existing object
    for every admin page."""
    if route.startswith("admin/"):
        model = admin_model_of(route)
        object_id = str(world["ids"][model]) if model else ""
        concrete = {
            ADMIN_APP_INDEX: "admin/assessments/",
            "admin/(?P<url>.*)$": "admin/no-such-page/",
            "admin/r/<path:content_type_id>/<path:object_id>/": (
                f"admin/r/{ContentType.objects.get_for_model(LogEntry).pk}/1/"
            ),
        }.get(route, route)
        version_id = str(world["history_ids"].get(model, ""))
        return "/" + (
            concrete.replace("<path:object_id>", object_id)
            .replace("<id>", object_id)
            .replace("^([^/]+)/history/([^/]+)/$", f"{object_id}/history/{version_id}/")
        )
    if route == "accounts/reset/<uidb64>/<token>/":
        return "/accounts/reset/MQ/set-password-not-a-real-token/"
    token = WRONG_TOKEN if role == "anonymous" else VALID_TOKEN
    if route.startswith("invitations/accept/"):
        token = WRONG_TOKEN if role == "anonymous" else INVITATION_TOKEN
    if route.startswith("unsubscribe/"):
        token = WRONG_TOKEN if role == "anonymous" else world["unsubscribe_token"]
    return "/" + (
        route.replace("<slug:slug>", world["own"].slug)
        .replace("invitations/<int:pk>/", f"invitations/{world['invitation'].pk}/")
        .replace("<int:user_id>", str(world["users"]["coordinator"].pk))
        .replace("<int:agency_id>", str(world["agency"].pk))
        .replace("<int:evidence_id>", str(world["evidence"].pk))
        .replace("<int:request_id>", str(world["help_request"].pk))
        .replace("<slug:milestone_slug>", world["milestone"].slug)
        .replace("import/partners/<int:pk>/", f"import/partners/{world['register_batch'].pk}/")
        .replace("import/activity/<int:pk>/", f"import/activity/{world['activity_batch'].pk}/")
        .replace("<int:entry_id>", str(world["activity_entry"].pk))
        .replace("import/<int:pk>/", f"import/{world['batch'].pk}/")
        .replace("downloads/<int:pk>/", f"downloads/{world['download'].pk}/")
        .replace("cycles/<int:pk>/", f"cycles/{world['cycle'].pk}/")
        .replace("<int:pk>", str(world["link"].pk))
        .replace("<fmt:fmt>", "csv")
        .replace("<int:snapshot_id>.<planfmt:fmt>", f"{world['snapshot'].pk}.xlsx")
        .replace("<str:token>", token)
    )
