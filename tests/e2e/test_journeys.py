"""What admins, coordinators and partners do, in a real browser against the live server.

These contexts keep the site's Content-Security-Policy (no bypass_csp), so
they also prove that every page works with it: a blocked script or style is
reported on the browser console and fails the test.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import BrowserContext, Page, expect

from assessments.models import TaskForce
from stages.models import Milestone
from tests.e2e.support import (
    PASSWORD,
    achieved_count,
    log_in,
    stage_progress_value,
    update_milestone_status,
)
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.e2e,
    # The live server runs in another thread, so data must be committed.
    # serialized_rollback puts back what the migrations created (the Program
    # managers group), which the flush after each test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def csp_violations(context: BrowserContext) -> list[str]:
    """Console messages about anything the Content-Security-Policy blocked."""
    return watch_csp(context)


def watch_csp(context: BrowserContext, found: list[str] | None = None) -> list[str]:
    found = [] if found is None else found

    def on_console(message):
        if "Content Security Policy" in message.text:
            found.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", on_console)
    return found


def test_admin_creates_a_task_force_and_its_coordinator_in_the_django_admin(
    page: Page, new_context, guidance, csp_violations
):
    admin = UserFactory(is_staff=True, is_superuser=True)

    page.goto("/admin/")
    # One sign-in for the whole site; it leads back to the admin.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/admin/"))
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    # Users → Add user
    page.locator("#content-main").get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="Add user").click()
    page.get_by_label("Username:").fill("dana.coordinator")
    page.get_by_label("Password:", exact=True).fill("Douglas-county-2026-passphrase")
    page.get_by_label("Password confirmation:").fill("Douglas-county-2026-passphrase")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # Task forces → Add task force, with the new user as its coordinator
    page.get_by_role("link", name="Home").click()
    page.locator("#content-main").get_by_role("link", name="Task forces", exact=True).click()
    page.get_by_role("link", name="Add task force").click()
    # Typed key by key: the admin fills the slug in from the name as you type.
    page.get_by_label("Name:").press_sequentially("Douglas County Task Force")
    expect(page.get_by_label("Slug:")).to_have_value("douglas-county-task-force")
    page.get_by_label("Region:").fill("Southern Oregon")
    page.locator("#id_coordinators_input").fill("dana")  # the "Filter" box
    page.locator("#id_coordinators_from").select_option(label="dana.coordinator")
    page.get_by_role("button", name="Choose selected coordinators").click()
    expect(page.get_by_label("Chosen coordinators")).to_contain_text("dana.coordinator")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    task_force = TaskForce.objects.get(slug="douglas-county-task-force")
    assert task_force.name == "Douglas County Task Force"
    assert task_force.region == "Southern Oregon"
    assert [user.username for user in task_force.coordinators.all()] == ["dana.coordinator"]
    assert not get_user_model().objects.get(username="dana.coordinator").is_staff

    # The new coordinator can log in and finds the task force on the dashboard.
    coordinator_context = new_context()
    watch_csp(coordinator_context, csp_violations)
    coordinator_page = coordinator_context.new_page()
    log_in(coordinator_page, "dana.coordinator", "Douglas-county-2026-passphrase")
    coordinator_page.get_by_role("link", name="Douglas County Task Force").click()
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text(
        "Douglas County Task Force"
    )
    expect(coordinator_page.get_by_role("link", name="Share with partners")).to_be_visible()
    assert csp_violations == []


def test_coordinator_updates_a_milestone_and_sees_progress_move(
    page: Page, task_force, coordinator, guidance, csp_violations
):
    milestone = Milestone.objects.get(slug="task-force-mou")
    stage = milestone.stage.name

    log_in(page, coordinator.username)
    page.get_by_role("link", name=task_force.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(task_force.name)
    before, stage_before = achieved_count(page), stage_progress_value(page, stage)
    assert (before, stage_before) == (0, 0)
    expect(page.locator('section[aria-labelledby="summary-heading"]')).to_contain_text(
        "0 of 28 milestones achieved"
    )

    update_milestone_status(page, milestone, "Achieved")

    expect(page).to_have_url(re.compile(rf"/task-forces/{task_force.slug}/#milestone-"))
    expect(page.locator('section[aria-labelledby="summary-heading"]')).to_contain_text(
        "1 of 28 milestones achieved"
    )
    assert achieved_count(page) == before + 1
    assert stage_progress_value(page, stage) == stage_before + 1
    expect(page.locator(f"#milestone-{milestone.slug}")).to_contain_text("Achieved since")
    assert task_force.statuses.get(milestone=milestone).status == "achieved"
    assert csp_violations == []


def test_coordinator_changes_a_status_in_place_without_a_reload(
    page: Page, task_force, coordinator, guidance, csp_violations
):
    milestone = Milestone.objects.get(slug="community-awareness")
    log_in(page, coordinator.username)
    page.goto(f"/task-forces/{task_force.slug}/")
    # Marks the document: a full reload would lose it.
    page.evaluate("window.__notReloaded = true")
    stage_before = stage_progress_value(page, milestone.stage.name)
    row = page.locator(f"#milestone-{milestone.slug}")
    row.get_by_label(f"Status of {milestone.name}").select_option("achieved")
    # Keyboard only: focus the Save button and press Enter.
    page.locator(f"#save-{milestone.slug}").focus()
    page.keyboard.press("Enter")
    expect(row.get_by_role("status")).to_contain_text(f"Saved: {milestone.name} is now achieved.")
    expect(page.locator("#progress-summary")).to_contain_text("1 of 28 milestones achieved")
    expect(page.locator(f"#stage-count-{milestone.stage.slug}")).to_have_text("1 of 11 achieved")
    assert stage_progress_value(page, milestone.stage.name) == stage_before + 1
    assert page.evaluate("window.__notReloaded") is True
    # Focus comes back to the same button, so a keyboard user can go on.
    assert page.evaluate("document.activeElement.id") == f"save-{milestone.slug}"
    assert task_force.statuses.get(milestone=milestone).status == "achieved"
    assert csp_violations == []


def test_partner_link_shows_progress_read_only_until_the_coordinator_revokes_it(
    page: Page, new_context, task_force, coordinator, guidance, csp_violations
):
    milestone = Milestone.objects.get(slug="funded-coordinator")
    log_in(page, coordinator.username)
    page.get_by_role("link", name=task_force.name).click()
    update_milestone_status(
        page, milestone, "In progress", notes="Internal: grant decision due in May"
    )

    # Share with partners → create a link; the page shows it once.
    page.get_by_role("link", name="Share with partners").click()
    page.get_by_label("Who is this link for?").fill("County Health Department")
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Link created for County Health Department"
    )
    url = page.get_by_label("Partner link").input_value()
    assert re.fullmatch(r"http://[^/]+/p/[^/]+/", url), url

    # A partner, with no account and no cookies, opens it.
    partner_context = new_context()
    watch_csp(partner_context, csp_violations)
    partner = partner_context.new_page()
    response = partner.goto(url)
    assert response.status == 200
    expect(partner.get_by_role("heading", level=1)).to_have_text(task_force.name)
    row = partner.locator(f"#milestone-{milestone.slug}")
    expect(row).to_contain_text("In progress")
    expect(partner.locator("main")).not_to_contain_text("grant decision")  # internal notes
    expect(partner.locator("form")).to_have_count(0)
    expect(partner.get_by_role("button", name=re.compile("Update"))).to_have_count(0)
    expect(partner.get_by_role("link", name=re.compile("Update"))).to_have_count(0)
    expect(partner.locator('a[href*="/milestones/"]')).to_have_count(0)
    expect(partner.get_by_role("button", name="Log out")).to_have_count(0)

    # The coordinator revokes it; the partner's next visit is "not found".
    page.get_by_role("link", name="Back to partner links").click()
    expect(page.get_by_role("row", name=re.compile("County Health Department"))).to_contain_text(
        "Active"
    )
    page.get_by_role("link", name="Revoke… the link for County Health Department").click()
    # A confirmation naming the partner; nothing is revoked until it is accepted.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Revoke the link for County Health Department?"
    )
    assert partner.reload().status == 200
    page.get_by_role("button", name="Revoke the link for County Health Department").click()
    expect(
        page.get_by_role("status").filter(has_text="Revoked the link for County Health")
    ).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("County Health Department"))).to_contain_text(
        "Revoked"
    )

    response = partner.reload()
    assert response.status == 404
    expect(partner.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(partner.locator("main")).not_to_contain_text(task_force.name)
    assert csp_violations == []


def test_a_wrong_password_is_refused_with_a_clear_message(page: Page, coordinator, csp_violations):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(coordinator.username)
    page.get_by_label("Password").fill("not-the-right-password")
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_text("Please enter a correct username and password").first).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value(coordinator.username)
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    # Still logged out: the dashboard sends them back to the login page.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    assert csp_violations == []


def test_pages_load_their_own_stylesheets(page: Page, coordinator, task_force, guidance):
    """The live server serves static files (Bootstrap and site.css), so pages are
    styled; a missing stylesheet would otherwise pass every other check."""
    static = []
    page.on("response", lambda r: static.append(r) if "/static/" in r.url else None)
    log_in(page, coordinator.username)
    page.get_by_role("link", name=task_force.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(task_force.name)

    # Each file's first response: later pages may revalidate it (304), as
    # tests run with the server's clock set back (tests/conftest.py).
    loaded = {}
    for response in static:
        loaded.setdefault(re.sub(r"^.*/static/", "", response.url), response.status)
    assert loaded.get("vendor/bootstrap/bootstrap.min.css") == 200, loaded
    assert loaded.get("css/site.css") == 200, loaded
    assert loaded.get("vendor/bootstrap/bootstrap.bundle.min.js") == 200, loaded
    # Bootstrap: the dark navbar; site.css: the stage bars lose the native look.
    expect(page.locator("nav.navbar")).to_have_css("background-color", "rgb(33, 37, 41)")
    expect(page.locator("progress.stage-progress").first).to_have_css("appearance", "none")


def test_program_manager_filters_the_statewide_matrix_by_stage(page: Page, world, csp_violations):
    log_in(page, world["users"]["program_manager"].username)
    page.get_by_role("link", name="Overview").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statewide overview")
    assert page.locator("table.matrix thead th.m-col").count() == 28
    page.get_by_label("Stage").select_option(label="Sustainability")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"stage=sustainability"))
    assert page.locator("table.matrix thead th.m-col").count() == 6
    expect(page.locator("table.matrix thead")).to_contain_text("3.6")
    # Both task forces of the world are rows, each linking to its page.
    expect(page.get_by_role("link", name=world["own"].name)).to_be_visible()
    page.get_by_role("link", name="Gaps").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gaps")
    assert csp_violations == []
