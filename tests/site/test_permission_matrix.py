"""Every URL pattern of the project, for every role, with the expected answer.

The patterns come from the URL resolver, not from a hand-written list, so a
new view without an entry here fails `test_every_url_pattern_has_an_entry`.

Expected answers:
- a status code (200, 403, 404, 405, 429, ...);
- "login": a redirect to the site's login page (deny by default);
- "admin_login": a redirect to the Django admin's login page;
- "redirect": some other redirect (after a successful POST, for example).
"""

import re

import pytest
from django.test import Client

from assessments.models import MilestoneStatus, PartnerLink, Status
from tests.factories import TaskForceFactory, UserFactory
from tests.routes import ADMIN_APP_INDEX, ALL_ROUTES, ROLES, admin_model_of, url_for


@pytest.fixture
def world(shared_world):
    # Every test here reads the same world: it is built once for the module.
    return shared_world


def _row(admin, program_manager, coordinator, other_coordinator, partner, anonymous):
    return dict(
        zip(
            ROLES,
            (admin, program_manager, coordinator, other_coordinator, partner, anonymous),
            strict=True,
        )
    )


def _everyone(expected):
    return _row(*[expected] * len(ROLES))


# The admin's own site-wide views send everyone without staff status to the
# admin login.
ADMIN_SITE = _row(200, *["admin_login"] * 5)
# Its model views do the same for logged-in users; anonymous visitors meet the
# site's deny-by-default login first.
STAFF_ONLY_ADMIN = _row(200, "admin_login", "admin_login", "admin_login", "login", "login")

# (method, route) -> expected answer per role. The "partner" role is an
# anonymous visitor who holds a valid partner link; "anonymous" holds none
# (for the partner route it presents a wrong token). Task force URLs name the
# coordinator's own task force, so "other_coordinator" is a coordinator of a
# different task force asking for it.
SITE = {
    ("GET", ""): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "task-forces/<slug:slug>/"): _row(200, 200, 200, 404, "login", "login"),
    ("GET", "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/"): _row(
        200, 403, 200, 404, "login", "login"
    ),
    ("GET", "task-forces/<slug:slug>/sharing/"): _row(200, 403, 200, 404, "login", "login"),
    # The contact the partner page shows: its editors set it. An empty form
    # clears it (a redirect), so the matrix's POST is a save.
    ("GET", "task-forces/<slug:slug>/sharing/contact/"): _row(200, 403, 200, 404, "login", "login"),
    ("POST", "task-forces/<slug:slug>/sharing/contact/"): _row(
        "redirect", 403, "redirect", 404, "login", "login"
    ),
    ("GET", "task-forces/<slug:slug>/history/"): _row(200, 200, 200, 404, "login", "login"),
    ("GET", "task-forces/<slug:slug>/trend/"): _row(200, 200, 200, 404, "login", "login"),
    # Across the task forces each user may read (their own, for coordinators).
    ("GET", "trend/"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "export/statuses.<fmt:fmt>"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "export/history.<fmt:fmt>"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "task-forces/<slug:slug>/export/statuses.<fmt:fmt>"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    ("GET", "task-forces/<slug:slug>/export/history.<fmt:fmt>"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    ("GET", "overview/"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "overview/gaps/"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "overview/report/"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "task-forces/<slug:slug>/report/"): _row(200, 200, 200, 404, "login", "login"),
    # Confirming an achieved milestone still holds: editors only.
    ("POST", "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/confirm/"): _row(
        "redirect", 403, "redirect", 404, "login", "login"
    ),
    # Confirming all the review-due milestones at once: editors only.
    ("POST", "task-forces/<slug:slug>/review/confirm/"): _row(
        "redirect", 403, "redirect", 404, "login", "login"
    ),
    # Importing needs edit rights somewhere; program managers only read.
    ("GET", "import/"): _row(200, 403, 200, 200, "login", "login"),
    # A checked import belongs to the coordinator who uploaded it.
    ("GET", "import/<int:pk>/"): _row(404, 404, 200, 404, "login", "login"),
    ("GET", "import/<int:pk>/progress/"): _row(404, 404, 200, 404, "login", "login"),
    ("GET", "import/<int:pk>/changes.csv"): _row(404, 404, 200, 404, "login", "login"),
    # A prepared download (a large export) is its owner's alone, staff included.
    ("GET", "downloads/<int:pk>/"): _row(404, 404, 200, 404, "login", "login"),
    ("GET", "downloads/<int:pk>/status/"): _row(404, 404, 200, 404, "login", "login"),
    ("GET", "downloads/<int:pk>/file/"): _row(404, 404, 200, 404, "login", "login"),
    ("POST", "import/<int:pk>/apply/"): _row(404, 404, "redirect", 404, "login", "login"),
    # The statewide partner register pages: for those who read every task force.
    # Review cycles: one task force's compare and plans, as its other pages;
    # the statewide compare, for program managers and staff.
    ("GET", "task-forces/<slug:slug>/compare/"): _row(200, 200, 200, 404, "login", "login"),
    ("GET", "task-forces/<slug:slug>/compare.csv"): _row(200, 200, 200, 404, "login", "login"),
    ("GET", "task-forces/<slug:slug>/plans/<int:snapshot_id>.<planfmt:fmt>"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    ("GET", "cycles/compare/"): _row(200, 200, 403, 403, "login", "login"),
    ("GET", "overview/partners/"): _row(200, 200, 403, 403, "login", "login"),
    ("GET", "overview/partners/mous/"): _row(200, 200, 403, 403, "login", "login"),
    ("GET", "overview/partners/sectors/"): _row(200, 200, 403, 403, "login", "login"),
    # The register's exports: as the status exports (contacts are the agencies').
    ("GET", "export/partners.<fmt:fmt>"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "task-forces/<slug:slug>/export/partners.<fmt:fmt>"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    # The evidence list's exports: metadata only, read as the status exports.
    ("GET", "export/evidence.<fmt:fmt>"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "task-forces/<slug:slug>/export/evidence.<fmt:fmt>"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    # The register import: editors only, program managers 403 on every step;
    # a checked import belongs to the coordinator who uploaded it.
    ("GET", "import/partners/"): _row(200, 403, 200, 200, "login", "login"),
    ("GET", "import/partners/<int:pk>/"): _row(404, 403, 200, 404, "login", "login"),
    ("GET", "import/partners/<int:pk>/progress/"): _row(404, 403, 200, 404, "login", "login"),
    ("GET", "import/partners/<int:pk>/changes.csv"): _row(404, 403, 200, 404, "login", "login"),
    ("POST", "import/partners/<int:pk>/apply/"): _row(404, 403, "redirect", 404, "login", "login"),
    ("GET", "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/history/"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    # The confirmation page, naming the partner, before revoking a link.
    ("GET", "task-forces/<slug:slug>/sharing/<int:pk>/revoke/"): _row(
        200, 403, 200, 404, "login", "login"
    ),
    ("POST", "task-forces/<slug:slug>/sharing/<int:pk>/revoke/"): _row(
        "redirect", 403, "redirect", 404, "login", "login"
    ),
    ("GET", "p/<str:token>/"): _row(200, 200, 200, 200, 200, 404),
    # A shared document of the link's own task force, through the link.
    ("GET", "p/<str:token>/evidence/<int:evidence_id>/"): _row(200, 200, 200, 200, 200, 404),
    # Evidence: read (and downloaded) as the task force is read; added,
    # shared and removed by its editors; checked by program managers and
    # staff; restored by staff only. An empty upload or link form comes back
    # with its errors (200).
    ("GET", "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    ("POST", "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/upload/"): _row(
        200, 403, 200, 404, "login", "login"
    ),
    ("POST", "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/link/"): _row(
        200, 403, 200, 404, "login", "login"
    ),
    (
        "GET",
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/download/",
    ): _row(200, 200, 200, 404, "login", "login"),
    (
        "GET",
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/remove/",
    ): _row(200, 403, 200, 404, "login", "login"),
    (
        "POST",
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/restore/",
    ): _row("redirect", 403, 403, 404, "login", "login"),
    (
        "POST",
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/check/",
    ): _row("redirect", "redirect", 403, 404, "login", "login"),
    (
        "POST",
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/evidence/<int:evidence_id>/share/",
    ): _row("redirect", 403, "redirect", 404, "login", "login"),
    # The partner register: read as the task force is read, edited by its
    # coordinators and staff.
    ("GET", "task-forces/<slug:slug>/partners/"): _row(200, 200, 200, 404, "login", "login"),
    # Help requests: the queue and figures are the state program's; a task
    # force's requests are its coordinators' and the state program's. An
    # empty POST is an invalid form, shown again (200).
    ("GET", "help/"): _row(200, 200, 403, 403, "login", "login"),
    ("GET", "help/statewide/"): _row(200, 200, 403, 403, "login", "login"),
    ("GET", "task-forces/<slug:slug>/help/"): _row(200, 200, 200, 404, "login", "login"),
    ("GET", "task-forces/<slug:slug>/help/new/"): _row(200, 403, 200, 404, "login", "login"),
    ("GET", "task-forces/<slug:slug>/help/<int:request_id>/"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    ("POST", "task-forces/<slug:slug>/help/<int:request_id>/reply/"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    ("POST", "task-forces/<slug:slug>/help/<int:request_id>/assign/"): _row(
        200, 200, 403, 404, "login", "login"
    ),
    ("POST", "task-forces/<slug:slug>/help/<int:request_id>/close/"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    ("POST", "task-forces/<slug:slug>/help/<int:request_id>/reopen/"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    ("GET", "task-forces/<slug:slug>/partners/add/"): _row(200, 403, 200, 404, "login", "login"),
    ("GET", "task-forces/<slug:slug>/partners/<int:agency_id>/"): _row(
        200, 403, 200, 404, "login", "login"
    ),
    ("GET", "task-forces/<slug:slug>/partners/<int:agency_id>/leave/"): _row(
        200, 403, 200, 404, "login", "login"
    ),
    # The activity log: read as the task force is read, edited by its
    # coordinators and staff; the statewide view is the state program's.
    ("GET", "task-forces/<slug:slug>/activity/"): _row(200, 200, 200, 404, "login", "login"),
    ("GET", "task-forces/<slug:slug>/activity/add/"): _row(200, 403, 200, 404, "login", "login"),
    ("GET", "task-forces/<slug:slug>/activity/<int:entry_id>/"): _row(
        200, 403, 200, 404, "login", "login"
    ),
    ("GET", "task-forces/<slug:slug>/activity/<int:entry_id>/remove/"): _row(
        200, 403, 200, 404, "login", "login"
    ),
    ("GET", "overview/activity/"): _row(200, 200, 403, 403, "login", "login"),
    # The report pack: statewide for those who read every task force; a task
    # force's own as the task force is read (unsuppressed for its editors).
    # A pack with hidden numbers is prepared by a job: the page asks what to
    # prepare first. Those who may edit the task force see its own in full.
    ("GET", "report-pack/"): _row(200, 200, 403, 403, "login", "login"),
    ("GET", "task-forces/<slug:slug>/report-pack/"): _row(200, 200, 200, 404, "login", "login"),
    ("GET", "export/activity.<fmt:fmt>"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "task-forces/<slug:slug>/export/activity.<fmt:fmt>"): _row(
        200, 200, 200, 404, "login", "login"
    ),
    ("GET", "import/activity/"): _row(200, 403, 200, 200, "login", "login"),
    ("GET", "import/activity/<int:pk>/"): _row(404, 403, 200, 404, "login", "login"),
    ("GET", "import/activity/<int:pk>/progress/"): _row(404, 403, 200, 404, "login", "login"),
    ("GET", "import/activity/<int:pk>/changes.csv"): _row(404, 403, 200, 404, "login", "login"),
    ("POST", "import/activity/<int:pk>/apply/"): _row(404, 403, "redirect", 404, "login", "login"),
    # The team: names and e-mails, for the task force's own coordinators and staff.
    ("GET", "task-forces/<slug:slug>/team/"): _row(200, 403, 200, 404, "login", "login"),
    # The confirmation page before removing a coordinator.
    ("GET", "task-forces/<slug:slug>/team/<int:user_id>/remove/"): _row(
        200, 403, 200, 404, "login", "login"
    ),
    # Staff invite anyone; coordinators invite to their own task forces.
    ("GET", "invitations/"): _row(200, 403, 200, 200, "login", "login"),
    # The invitation is to the coordinator's task force: others cannot see it.
    ("POST", "invitations/<int:pk>/resend/"): _row(
        "redirect", 404, "redirect", 404, "login", "login"
    ),
    ("GET", "invitations/<int:pk>/withdraw/"): _row(200, 404, 200, 404, "login", "login"),
    # Whoever holds the link (no account needed); a wrong token is 404.
    ("GET", "invitations/accept/<str:token>/"): _row(200, 200, 200, 200, 200, 404),
    # An existing account's own invitation to accept or decline: nobody else's.
    ("GET", "invitations/<int:pk>/answer/"): _row(404, 404, 404, 404, "login", "login"),
    # Review cycles: everyone signed in has the list (their own submissions);
    # opening and the cycle page are for program managers and staff; a
    # submission is read as its task force is, edited by its coordinators
    # (an empty form comes back with its errors, 400), and accepted or
    # returned by program managers and staff.
    ("GET", "cycles/"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "cycles/open/"): _row(200, 200, 403, 403, "login", "login"),
    ("GET", "cycles/<int:pk>/"): _row(200, 200, 403, 403, "login", "login"),
    ("GET", "cycles/<int:pk>/task-forces/<slug:slug>/"): _row(200, 200, 200, 404, "login", "login"),
    ("POST", "cycles/<int:pk>/task-forces/<slug:slug>/save/"): _row(
        400, 403, 400, 404, "login", "login"
    ),
    ("POST", "cycles/<int:pk>/task-forces/<slug:slug>/decide/"): _row(
        400, 400, 403, 403, "login", "login"
    ),
    (
        "POST",
        "cycles/<int:pk>/task-forces/<slug:slug>/milestones/<slug:milestone_slug>/confirm/",
    ): _row("redirect", 403, "redirect", 404, "login", "login"),
    # Confirming the rest at once: as one at a time.
    ("POST", "cycles/<int:pk>/task-forces/<slug:slug>/milestones/confirm/"): _row(
        "redirect", 403, "redirect", 404, "login", "login"
    ),
    # Two-factor sign-in, for every account.
    ("GET", "accounts/two-factor/"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "accounts/two-factor/setup/"): _row(200, 200, 200, 200, "login", "login"),
    # The QR code exists only during set-up.
    ("GET", "accounts/two-factor/setup/qrcode/"): _row(404, 404, 404, 404, "login", "login"),
    # Only after signing in with a second factor.
    ("GET", "accounts/two-factor/setup/complete/"): _everyone("login"),
    ("GET", "accounts/two-factor/recovery-codes/"): _everyone("login"),
    ("GET", "accounts/two-factor/disable/"): _row(
        "redirect", "redirect", "redirect", "redirect", "login", "login"
    ),
    # E-mail choices: each signed-in person their own.
    ("GET", "account/notifications/"): _row(200, 200, 200, 200, "login", "login"),
    # The record of reminder e-mails sent: staff only.
    ("GET", "reminders/sent/"): _row(200, 403, 403, 403, "login", "login"),
    # Whoever holds the e-mail's signed link (no login); a wrong token is 404.
    # GET only shows the button.
    ("GET", "unsubscribe/<str:token>/"): _row(200, 200, 200, 200, 200, 404),
    ("GET", "healthz"): _everyone(200),
    ("GET", "livez"): _everyone(200),
    ("GET", "readyz"): _everyone(200),
    ("GET", "accounts/login/"): _everyone(200),
    ("POST", "accounts/logout/"): _everyone("login"),
    ("GET", "accounts/password_change/"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "accounts/password_change/done/"): _row(200, 200, 200, 200, "login", "login"),
    ("GET", "accounts/password_reset/"): _everyone(200),
    ("GET", "accounts/password_reset/done/"): _everyone(200),
    # A made-up reset link: the "link expired" page, for everyone.
    ("GET", "accounts/reset/<uidb64>/<token>/"): _everyone(200),
    ("GET", "accounts/reset/done/"): _everyone(200),
    # Django admin, site-wide views.
    ("GET", "admin/"): ADMIN_SITE,
    # One sign-in for the whole site: the admin's login page sends everyone
    # to it (staff to the admin index once signed in).
    ("GET", "admin/login/"): _everyone("login"),
    # Staff are logged out (to the site login); others are sent to the admin
    # index, which asks them to log in as staff, and stay logged in.
    ("POST", "admin/logout/"): _row(
        "login", "redirect", "redirect", "redirect", "admin_login", "admin_login"
    ),
    ("GET", "admin/password_change/"): ADMIN_SITE,
    ("GET", "admin/password_change/done/"): ADMIN_SITE,
    # Without its query parameters the autocomplete view refuses.
    ("GET", "admin/autocomplete/"): {**ADMIN_SITE, "admin": 403},
    ("GET", "admin/jsi18n/"): ADMIN_SITE,
    # Log entries have no "view on site" URL.
    ("GET", "admin/r/<path:content_type_id>/<path:object_id>/"): {**ADMIN_SITE, "admin": 404},
    ("GET", ADMIN_APP_INDEX): ADMIN_SITE,
    # The admin's catch-all for unknown admin URLs.
    ("GET", "admin/(?P<url>.*)$"): {**ADMIN_SITE, "admin": 404},
}

# The staff answers for each model admin's six views; everyone else is sent
# to the admin login. Read-only models refuse add (and delete) with 403.
ADMIN_MODELS = {
    "auth/group": {},
    "auth/user": {"password": 200},
    "axes/accessattempt": {"add": 403},
    "axes/accesslog": {"add": 403},
    "axes/accessfailurelog": {"add": 403},
    # The job queue (django-tasks-db): read-only, jobs are never added or
    # deleted by hand.
    "django_tasks_database/dbtaskresult": {"add": 403, "delete": 403},
    "stages/stage": {},
    "stages/milestone": {},
    "assessments/area": {},
    "assessments/taskforce": {},
    "assessments/milestonestatus": {"add": 403, "delete": 403},
    "assessments/partnerlink": {"add": 403},
    # The change history is append-only: readable, never added to or deleted.
    "assessments/statuschange": {"add": 403, "delete": 403},
    "assessments/sector": {},
    # Agencies leave the register, they are never deleted.
    "assessments/partneragency": {"delete": 403},
    # The register's history is append-only too.
    "assessments/registerchange": {"add": 403, "delete": 403},
    # Review cycles are opened on their page and never deleted; snapshots
    # and reviews are frozen: readable only.
    "assessments/reviewcycle": {"add": 403, "delete": 403},
    "assessments/snapshot": {"add": 403, "delete": 403},
    "assessments/submissionreview": {"add": 403, "delete": 403},
    # Help requests change only through their pages; threads and events are
    # append-only.
    "assessments/helprequest": {"add": 403, "delete": 403},
    "assessments/helpmessage": {"add": 403, "delete": 403},
    "assessments/helprequestchange": {"add": 403, "delete": 403},
    # The record of reminder e-mails sent is append-only too, and so are
    # the events the e-mails are made of.
    "assessments/sentnotification": {"add": 403, "delete": 403},
    "assessments/event": {"add": 403, "delete": 403},
    # Outgoing e-mails are queued by the site, never written in the admin.
    "taskforce_site/outgoingemail": {"add": 403},
}
ADMIN_VIEWS = {
    "": "changelist",
    "add/": "add",
    "<path:object_id>/history/": "history",
    "<path:object_id>/delete/": "delete",
    "<path:object_id>/change/": "change",
    "<path:object_id>/": "redirect",
    "<id>/password/": "password",
    # django-simple-history: one past version of a stage or milestone.
    "^([^/]+)/history/([^/]+)/$": "history_version",
}


def _admin_model_expectation(route):
    model = admin_model_of(route)
    if model not in ADMIN_MODELS:
        return None
    view = ADMIN_VIEWS.get(route.removeprefix(f"admin/{model}/"))
    if view is None:
        return None
    staff = ADMIN_MODELS[model].get(view, "redirect" if view == "redirect" else 200)
    return ("GET", {**STAFF_ONLY_ADMIN, "admin": staff})


def _expectation(route):
    for (method, site_route), expected in SITE.items():
        if site_route == route:
            return method, expected
    return _admin_model_expectation(route)


def test_every_url_pattern_has_an_entry():
    missing = [route for route in ALL_ROUTES if _expectation(route) is None]
    assert missing == [], f"add these URL patterns to the permission matrix: {missing}"


def test_the_matrix_names_no_pattern_that_does_not_exist():
    stale = [route for (_, route) in SITE if route not in ALL_ROUTES]
    assert stale == []


def _answer(response):
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return "login"
        if location.startswith("/admin/login/"):
            return "admin_login"
        return "redirect"
    return response.status_code


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_permission_matrix(route, world):
    method, expected = _expectation(route)
    answers = {}
    for role in ROLES:
        client = Client()
        if role in world["users"]:
            client.force_login(world["users"][role])
        url = url_for(route, world, role)
        response = client.post(url) if method == "POST" else client.get(url)
        answers[role] = _answer(response)
    assert answers == expected, f"{route}: {answers}"


def test_program_manager_reads_every_task_force_and_edits_none(world, client):
    client.force_login(world["users"]["program_manager"])
    other = TaskForceFactory()
    assert client.get(f"/task-forces/{other.slug}/").status_code == 200
    html = client.get(f"/task-forces/{world['own'].slug}/").content.decode()
    # No edit links (the evidence pages, read-only for them, are linked).
    assert not re.search(r'href="[^"]*/milestones/[^/"]+/"', html)
    assert "/evidence/" in html
    assert "Share with partners" not in html
    edit = f"/task-forces/{world['own'].slug}/milestones/task-force-mou/"
    assert client.post(edit, {"status": "lapsed"}).status_code == 403
    assert MilestoneStatus.objects.get().status == Status.ACHIEVED
    assert (
        client.post(f"/task-forces/{world['own'].slug}/sharing/", {"label": "x"}).status_code == 403
    )
    assert PartnerLink.objects.count() == 1


def test_coordinators_read_other_task_forces_only_when_the_setting_allows(world, settings):
    client = Client()
    client.force_login(world["users"]["other_coordinator"])
    own = world["own"]
    assert client.get(f"/task-forces/{own.slug}/").status_code == 404
    settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES = True
    assert client.get(f"/task-forces/{own.slug}/").status_code == 200
    edit = f"/task-forces/{own.slug}/milestones/task-force-mou/"
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"status": "lapsed"}).status_code == 403
    assert MilestoneStatus.objects.get().status == Status.ACHIEVED


def test_a_user_attached_to_no_task_force_reads_none_even_with_the_setting(world, settings):
    settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES = True
    client = Client()
    client.force_login(UserFactory())
    assert client.get(f"/task-forces/{world['own'].slug}/").status_code == 404
