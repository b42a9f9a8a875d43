"""axe-core (WCAG 2.0/2.1 A and AA) on every page a user reaches, with screenshots.

Each page is checked, and photographed full-page into e2e-screenshots/, at
1280 px and at 375 px wide. The test fails on any "serious" or "critical"
violation and lists them all; every violation, whatever its impact, is
written to e2e-screenshots/axe-violations.json (and what axe could not
decide, for a person to review, to axe-needs-review.json), and the pages
checked to e2e-screenshots/pages-checked.txt.
"""

import csv
import io
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assessments.common.spreadsheets import to_csv
from assessments.core import services
from assessments.models import Status, TaskForce
from assessments.pages import exports
from stages.models import Milestone
from tests.e2e.jobs import run_worker
from tests.e2e.support import (
    AXE_TAGS,
    VIEWPORTS,
    describe_violations,
    dump_json,
    is_blocking,
    log_in,
    open_milestone_form,
    run_axe,
)
from tests.routes import INVITATION_TOKEN, VALID_TOKEN, WRONG_TOKEN

pytestmark = [
    pytest.mark.e2e,
    # Committed data for the live server's thread; the migrations' data put
    # back before the test (see test_journeys.py).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class PageChecker:
    """Runs axe and takes the screenshots of each page, at each width."""

    def __init__(self, folder):
        self.folder = folder
        self.checked = []  # (name, url)
        self.violations = []  # (page name @ width, violation)
        self.needs_review = []  # (page name @ width, axe "incomplete" result)

    def __call__(self, page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        number = len(self.checked) + 1
        self.checked.append((name, page.url))
        for width, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            results = run_axe(page)
            where = f"{name} @ {width}px"
            self.violations += [(where, violation) for violation in results["violations"]]
            self.needs_review += [(where, result) for result in results["incomplete"]]
            page.screenshot(
                path=self.folder / f"{number:02d}-{name}-{width}.png",
                full_page=True,
                animations="disabled",
            )
        page.set_viewport_size(VIEWPORTS["1280"])


@pytest.fixture
def populated_world(world):
    """tests/routes.py's build_world (every role, a partner link) plus statuses
    of every kind, some months old, so badges, history and trend have content."""
    own, coordinator = world["own"], world["users"]["coordinator"]
    now = timezone.now()
    for slug, status, days_ago, extra in [
        ("agency-awareness", Status.ACHIEVED, 400, {}),
        ("community-awareness", Status.ACHIEVED, 300, {"lead_partner": "County Health"}),
        ("task-force-formation", Status.ACHIEVED, 200, {}),
        ("funded-coordinator", Status.LAPSED, 90, {"notes": "Grant ended in June."}),
        ("medical-response-plan", Status.IN_PROGRESS, 60, {"target_date": now.date()}),
        ("data-collection", Status.PLANNING, 30, {"lead_partner": "Sheriff's Office"}),
        ("youth-voice", Status.ACHIEVED, 10, {}),
    ]:
        services.milestone_status_update(
            task_force=own,
            milestone=Milestone.objects.get(slug=slug),
            status=status,
            user=coordinator,
            at=now - timedelta(days=days_ago),
            **extra,
        )
    return world


def import_file(tmp_path, task_force: TaskForce):
    """An export of the task force with one status changed: a valid import."""
    rows = list(exports.status_rows(TaskForce.objects.filter(pk=task_force.pk)))
    for row in rows:
        if row["milestone"] == "initiate-case-review":
            row["status"] = Status.PLANNING.value
    path = tmp_path / "statuses.csv"
    path.write_bytes(to_csv(exports.STATUS_COLUMNS, rows))
    # Sanity: it has the layout the import reads.
    header = next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert header == exports.STATUS_COLUMNS
    return path


def test_every_page_has_no_serious_or_critical_accessibility_violations(
    new_context, populated_world, screenshot_dir, tmp_path
):
    world = populated_world
    own = world["own"]
    coordinator = world["users"]["coordinator"]
    check = PageChecker(screenshot_dir)

    # bypass_csp: the site's Content-Security-Policy (script-src 'self') would
    # block the axe script that add_script_tag() injects. Only these contexts
    # bypass it; the journeys in test_journeys.py run with the policy on.
    def fresh_page() -> Page:
        return new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()

    # --- Anyone: login, login with an error, password reset -------------
    page = fresh_page()
    page.goto("/accounts/login/")
    check(page, "login")
    page.get_by_label("Username").fill(coordinator.username)
    page.get_by_label("Password").fill("not-the-right-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Please enter a correct username and password").first).to_be_visible()
    check(page, "login-error")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(re.compile(r"/accounts/password_reset/$"))
    check(page, "password-reset")

    # --- A coordinator ---------------------------------------------------
    log_in(page, coordinator.username)
    check(page, "dashboard")

    # The task force's card (Needs your attention may name it too).
    page.locator(".card").get_by_role("link", name=own.name, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(own.name)
    check(page, "task-force")

    # Milestone form with errors. The target date is an <input type="date">,
    # which Chromium will not let anyone type a wrong date into; browsers
    # without a date picker show it as text, so make it one and type a
    # day-first date, as people do.
    open_milestone_form(page, Milestone.objects.get(slug="initiate-case-review"))
    page.get_by_label("Target date").evaluate("input => { input.type = 'text'; }")
    page.get_by_label("Target date").fill("31/03/2027")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Enter a date as YYYY-MM-DD").first).to_be_visible()
    check(page, "milestone-edit-errors")

    # Someone else saves the milestone while the form is open: the 409 page.
    page.get_by_role("link", name="Cancel").click()
    open_milestone_form(page, Milestone.objects.get(slug="form-subcommittees"))
    services.milestone_status_update(
        task_force=own,
        milestone=Milestone.objects.get(slug="form-subcommittees"),
        status=Status.PLANNING,
        user=world["users"]["admin"],
    )
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Someone else saved this milestone").first).to_be_visible()
    check(page, "milestone-edit-conflict")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=own.name).click()
    page.locator("main").get_by_role("link", name="History", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    check(page, "history")
    page.get_by_role("link", name="Funded Coordinator").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History of Funded Coordinator")
    check(page, "milestone-history")

    page.goto(f"/task-forces/{own.slug}/")
    page.locator("main").get_by_role("link", name="Trend", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Trend: {own.name}")
    check(page, "trend-task-force")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trend").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trend across task forces")
    check(page, "trend-all")

    page.goto(f"/task-forces/{own.slug}/")
    page.get_by_role("link", name="Share with partners").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share with partners")
    check(page, "sharing")
    page.get_by_label("Who is this link for?").fill("District Attorney's Office")
    page.get_by_label("Expires on").fill("2020-01-01")
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_text("Choose today or a later day").first).to_be_visible()
    check(page, "sharing-errors")
    page.get_by_label("Expires on").fill("")
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Link created for")
    check(page, "partner-link-created")
    page.get_by_role("link", name="Back to partner links").click()
    page.get_by_role("link", name="Revoke… the link for District Attorney's Office").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Revoke the link for District Attorney's Office?"
    )
    check(page, "partner-link-revoke")

    page.goto("/")
    page.get_by_role("link", name="Import from a spreadsheet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import statuses")
    check(page, "import")
    bad = tmp_path / "notes.txt"
    bad.write_text("This is not a spreadsheet.\n")
    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(bad)
    page.get_by_role("button", name="Check the file").click()
    # The check is a job: the page waits for it, then reloads by itself.
    expect(page.get_by_role("progressbar")).to_be_visible()
    check(page, "import-waiting")
    run_worker()
    expect(page.get_by_text("Nothing was imported").first).to_be_visible()
    check(page, "import-errors")
    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(import_file(tmp_path, own))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check the import")
    run_worker()
    expect(page.get_by_role("button", name=re.compile(r"^Apply \d+ change"))).to_be_visible()
    check(page, "import-preview")

    # The coordinator has no full name: the menu says "Your account" (an
    # e-mail address there would push the menu past the bar's width).
    page.get_by_role("link", name="Your account", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/$"))
    check(page, "two-factor")
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    check(page, "two-factor-setup")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check(page, "two-factor-setup-qr")
    page.goto("/accounts/two-factor/")
    page.get_by_role("link", name="Change your password").click()
    expect(page).to_have_url(re.compile(r"/accounts/password_change/$"))
    check(page, "password-change")

    page.goto(f"/task-forces/{own.slug}/")
    page.get_by_role("link", name="Manage the team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    check(page, "team")
    page.goto("/invitations/")
    check(page, "invitations")

    response = page.goto("/task-forces/no-such-task-force/")
    assert response.status == 404
    check(page, "404")

    # --- A partner agency, no account ---------------------------------------
    partner = fresh_page()
    response = partner.goto(f"/p/{VALID_TOKEN}/")
    assert response.status == 200
    check(partner, "partner")
    response = partner.goto(f"/p/{WRONG_TOKEN}/")
    assert response.status == 404
    check(partner, "404-partner-link")
    # Someone invited, opening the link from their e-mail.
    response = partner.goto(f"/invitations/accept/{INVITATION_TOKEN}/")
    assert response.status == 200
    check(partner, "invitation-accept")

    # --- A program manager: reads everything, may change nothing -----------
    manager = fresh_page()
    log_in(manager, world["users"]["program_manager"].username)
    response = manager.goto(f"/task-forces/{own.slug}/sharing/")
    assert response.status == 403
    check(manager, "403")
    manager.goto("/overview/")
    check(manager, "overview-matrix")
    manager.goto("/overview/?stage=foundation&sort=progress")
    check(manager, "overview-matrix-filtered")
    manager.goto("/overview/gaps/")
    check(manager, "overview-gaps")
    manager.goto("/overview/report/")
    check(manager, "statewide-report")
    manager.goto("/overview/report/?" + urlencode({"region": own.region}))
    check(manager, "statewide-report-region")
    manager.goto(f"/task-forces/{own.slug}/report/")
    check(manager, "task-force-report")

    # --- What was checked, and what was found -------------------------------
    listing = "\n".join(
        f"{number:02d} {name:<24} {url}" for number, (name, url) in enumerate(check.checked, 1)
    )
    summary = (
        f"axe-core rules tagged {', '.join(AXE_TAGS)}; widths {', '.join(VIEWPORTS)} px\n"
        f"{len(check.checked)} pages checked:\n{listing}\n"
    )
    (screenshot_dir / "pages-checked.txt").write_text(summary)
    dump_json(
        screenshot_dir / "axe-violations.json",
        [{"page": name, **violation} for name, violation in check.violations],
    )
    dump_json(
        screenshot_dir / "axe-needs-review.json",
        [{"page": name, **result} for name, result in check.needs_review],
    )
    print(summary)
    if check.violations:
        print("All axe violations (any impact):\n" + describe_violations(check.violations))

    serious = [(name, v) for name, v in check.violations if is_blocking(v)]
    assert not serious, (
        f"{len(serious)} serious or critical accessibility violation(s):\n"
        + describe_violations(serious)
    )
