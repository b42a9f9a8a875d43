"""Every URL pattern of the project, and a small world to request them in.

Shared by the permission matrix, the CSRF checks and the hostile-input tests,
so all of them cover the same, complete set of URLs.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLResolver, get_resolver

from assessments.models import Area, Status
from stages.models import Milestone
from tests.factories import (
    MilestoneStatusFactory,
    PartnerLinkFactory,
    TaskForceFactory,
    UserFactory,
)

ROLES = ("admin", "program_manager", "coordinator", "other_coordinator", "partner", "anonymous")
VALID_TOKEN = "matrix-valid-token-0123456789abcdefghijklmnop"
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
    status = MilestoneStatusFactory(task_force=own, milestone=milestone, status=Status.ACHIEVED)
    link = PartnerLinkFactory(task_force=own, token=VALID_TOKEN)
    attempt = {"username": "someone", "ip_address": "10.0.0.1"}
    object_ids = {
        "auth/group": program_managers.pk,
        "auth/user": coordinator.pk,
        "axes/accessattempt": AccessAttempt.objects.create(failures_since_start=1, **attempt).pk,
        "axes/accesslog": AccessLog.objects.create(**attempt).pk,
        "axes/accessfailurelog": AccessFailureLog.objects.create(**attempt).pk,
        "stages/stage": milestone.stage_id,
        "stages/milestone": milestone.pk,
        "assessments/area": Area.objects.create(name="Lane County", state="OR").pk,
        "assessments/taskforce": own.pk,
        "assessments/milestonestatus": status.pk,
        "assessments/partnerlink": link.pk,
    }
    users = {
        "admin": admin,
        "program_manager": program_manager,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
    }
    return {"own": own, "link": link, "milestone": milestone, "users": users, "ids": object_ids}


def url_for(route: str, world: dict, role: str) -> str:
    """A concrete URL for a route: the coordinator's own task force, its
    partner link (a wrong token for the anonymous role), and an existing object
    for every admin page."""
    if route.startswith("admin/"):
        model = admin_model_of(route)
        object_id = str(world["ids"][model]) if model else ""
        concrete = {
            "admin/^(?P<app_label>auth|axes|stages|assessments)/$": "admin/assessments/",
            "admin/(?P<url>.*)$": "admin/no-such-page/",
            "admin/r/<path:content_type_id>/<path:object_id>/": (
                f"admin/r/{ContentType.objects.get_for_model(LogEntry).pk}/1/"
            ),
        }.get(route, route)
        return "/" + concrete.replace("<path:object_id>", object_id).replace("<id>", object_id)
    if route == "accounts/reset/<uidb64>/<token>/":
        return "/accounts/reset/MQ/set-password-not-a-real-token/"
    token = WRONG_TOKEN if role == "anonymous" else VALID_TOKEN
    return "/" + (
        route.replace("<slug:slug>", world["own"].slug)
        .replace("<slug:milestone_slug>", world["milestone"].slug)
        .replace("<int:pk>", str(world["link"].pk))
        .replace("<str:token>", token)
    )
