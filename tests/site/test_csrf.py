"""CSRF is enforced on every POST, and no GET changes anything."""

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLResolver, get_resolver

from assessments.models import MilestoneStatus, PartnerLink, Status, TaskForce
from stages.models import Milestone
from tests.routes import ALL_ROUTES, ROLES, url_for


def _state():
    """Everything a request could wrongly change. A partner link's use count
    and last-used time are bookkeeping that a partner's visit is meant to
    update, so they are left out."""
    return (
        list(MilestoneStatus.objects.values_list("pk", "status", "notes", "lead_partner")),
        list(PartnerLink.objects.values_list("pk", "label", "revoked_at", "expires_on")),
        list(TaskForce.objects.values_list("pk", "name", "slug")),
        list(Milestone.objects.values_list("pk", "name", "description", "is_active")),
        sorted(get_user_model().objects.values_list("pk", "is_active", "password", "is_staff")),
    )


# RFC 8058 one-click unsubscribe: mail clients POST without cookies or a
# token of ours; the signed token in the URL is the authority (see
# assessments/notifications/views.py and tests/notifications/test_unsubscribe.py).
CSRF_EXEMPT = {"unsubscribe/<str:token>/"}


def _routes(resolver, prefix=""):
    """(route, view) of every route, through each feature's include()."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def test_only_the_one_click_unsubscribe_is_csrf_exempt():
    routes = list(_routes(get_resolver("assessments.urls")))
    exempt = {route for route, view in routes if getattr(view, "csrf_exempt", False)}
    assert len(routes) > 70  # every route of the app was looked at
    assert exempt == CSRF_EXEMPT


# Every route in one test, over one world: the world takes longer to build
# than the requests (it was a tenth of the suite as one test per route). The
# state is compared after each route, so a failure still names its route.


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(world):
    not_refused, changed = [], []
    before = _state()
    for route in ALL_ROUTES:
        if route in CSRF_EXEMPT:
            continue
        for role in ("admin", "coordinator", "anonymous"):
            client = Client(enforce_csrf_checks=True)
            if role in world["users"]:
                client.force_login(world["users"][role])
            response = client.post(
                url_for(route, world, role), {"status": "lapsed", "label": "x", "name": "x"}
            )
            if response.status_code != 403:
                not_refused.append((route, role, response.status_code))
        after = _state()
        if after != before:
            changed.append(route)
            before = after
    assert not not_refused, not_refused
    assert not changed, changed


def test_no_get_changes_anything(world):
    changed = []
    before = _state()
    for route in ALL_ROUTES:
        for role in ROLES:
            client = Client()
            if role in world["users"]:
                client.force_login(world["users"][role])
            client.get(url_for(route, world, role))
        after = _state()
        if after != before:
            changed.append(route)
            before = after
    assert not changed, changed


def test_a_post_with_the_token_from_the_form_works(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["coordinator"])
    url = f"/task-forces/{world['own'].slug}/milestones/task-force-mou/"
    client.get(url)
    token = client.cookies["csrftoken"].value
    response = client.post(
        url,
        {
            "status": "lapsed",
            "version": MilestoneStatus.objects.get().version,
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    assert MilestoneStatus.objects.get().status == Status.LAPSED


def test_the_csrf_failure_page_is_friendly(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["coordinator"])
    response = client.post(f"/task-forces/{world['own'].slug}/sharing/", {"label": "x"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
