"""Every HTML page of the site has one h1, landmarks, and announced errors."""

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from tests.login import login_data
from tests.routes import ALL_ROUTES, url_for


@pytest.fixture
def world(shared_world):
    # Every test here reads the same world: it is built once for the module.
    return shared_world


SITE_PAGES = [
    route
    for route in ALL_ROUTES
    if not route.startswith("admin/")
    and "export" not in route
    and "apply" not in route
    and "revoke" not in route
    and "confirm" not in route
    and route != "healthz"
    and "logout" not in route
    and route not in ("livez", "readyz")
    and "resend" not in route
    # Only its invitee sees an invitation's answer page, and the world has none:
    # tests/team/test_invitations.py checks its structure.
    and not route.endswith("/answer/")
    # Review cycles: saving and deciding are POST-only.
    and not route.endswith(("/save/", "/decide/"))
    # Review cycle downloads: a comparison's CSV, a plan's XLSX or PDF.
    and not route.endswith("compare.csv")
    # An import's list of changes is a CSV file; its progress, a partial that
    # htmx swaps into the import's page (checked there).
    and not route.endswith(("/changes.csv", "/progress/"))
    # A prepared download: its file, and its status, a partial that htmx
    # swaps into the download's page (checked here).
    and not (route.startswith("downloads/") and route.endswith(("/file/", "/status/")))
    and "/plans/" not in route
    # Evidence: downloads are files, and the other actions are POST-only
    # (an upload's errors come back on the evidence page, checked here).
    and ("evidence/" not in route or route.endswith(("/evidence/", "/remove/")))
    # Help request actions are POST-only; their errors come back on the thread page.
    and not route.endswith(("/reply/", "/assign/", "/close/", "/reopen/"))
    # Two-factor pages that need a signed-in second factor, or set-up state.
    and not route.startswith(
        (
            "accounts/two-factor/setup/qrcode",
            "accounts/two-factor/setup/complete",
            "accounts/two-factor/recovery-codes",
            "accounts/two-factor/disable",
        )
    )
]


def _get(world, route):
    client = Client()
    public = (
        "p/",
        "accounts/login",
        "accounts/password_reset",
        "accounts/reset",
        "invitations/acc",
        "unsubscribe/",
    )
    if route.startswith("reminders/"):
        client.force_login(world["users"]["admin"])  # staff only
    elif route.startswith(
        ("overview/partners/", "overview/activity/", "cycles/compare/", "help/")
    ) or route in (
        "cycles/open/",
        "cycles/<int:pk>/",
        "report-pack/",
    ):
        # The statewide register and activity pages, the statewide compare, opening a
        # review cycle and its page, the help queue and figures, the report
        # pack: for those who read every task force.
        client.force_login(world["users"]["program_manager"])
    elif not route.startswith(public):
        client.force_login(world["users"]["coordinator"])
    response = client.get(url_for(route, world, "partner"))
    assert response.status_code == 200, route
    return response


@pytest.fixture(autouse=True)
def _report_pack_in_the_request(settings):
    # The report pack's page itself; by default a job prepares it (302).
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 1000


@pytest.mark.parametrize("route", SITE_PAGES)
def test_every_page_has_one_h1_and_landmarks(world, route):
    response = _get(world, route)
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1, route
    assert "<main" in html, route
    assert '<html lang="en">' in html, route
    assert "<title>" in html, route
    if "report/" in route:
        return  # printable reports stand alone, without the site's frame
    # The page frame's links and assets (base.html).
    assert '<link rel="stylesheet" href="/static/vendor/bootstrap/bootstrap.min.css">' in html, (
        route
    )
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in html, route


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = Counter()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids[value] += 1


@pytest.mark.parametrize("route", SITE_PAGES)
def test_no_page_repeats_an_id(world, route):
    """A repeated id ties a label, or an error message, to another form's field."""
    parser = _Ids()
    parser.feed(_get(world, route).content.decode())
    assert [value for value, count in parser.ids.items() if count > 1] == [], route


def test_field_errors_are_announced_and_tied_to_their_fields(
    guidance, task_force, coordinator_client
):
    url = reverse("assessments:milestone_edit", args=[task_force.slug, "task-force-mou"])
    html = coordinator_client.post(
        url, {"status": "achieved", "target_date": "soon", "version": 0}
    ).content.decode()
    assert (
        '<div class="alert alert-danger" role="alert">'
        "Nothing was saved: please correct the problem marked below.</div>"
    ) in html
    assert 'aria-invalid="true" aria-describedby="id_target_date_error"' in html
    assert 'id="id_target_date_error"' in html


def test_a_failed_login_is_announced_once(client, coordinator):
    html = client.post(reverse("login"), login_data(coordinator.username, "wrong")).content.decode()
    assert html.count('role="alert"') == 1
    assert html.count("Please enter a correct username and password") == 1


def test_the_help_thread_repeats_no_id_for_the_state_program(world):
    """Program managers see the reply, assign and close forms together."""
    client = Client()
    client.force_login(world["users"]["program_manager"])
    route = "task-forces/<slug:slug>/help/<int:request_id>/"
    response = client.get(url_for(route, world, "partner"))
    assert (
        'action="'
        + reverse("assessments:help_assign", args=[world["own"].slug, world["help_request"].pk])
        in response.content.decode()
    )
    parser = _Ids()
    parser.feed(response.content.decode())
    assert [value for value, count in parser.ids.items() if count > 1] == []
