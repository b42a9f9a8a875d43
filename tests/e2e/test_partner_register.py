"""The partner register in Chromium: a coordinator adds three partners and
signs one MOU, and the Task Force MOU hint on the task force page follows;
axe finds no serious or critical issue on the register's pages."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assessments.models import PartnerAgency, RegisterChange
from tests.e2e.support import (
    VIEWPORTS,
    describe_violations,
    is_blocking,
    log_in,
    run_axe,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MOU_HINT = '#milestone-task-force-mou [data-register-note="task-force-mou"]'


def _add_partner(page: Page, task_force, name: str, sector: str) -> None:
    page.goto(f"/task-forces/{task_force.slug}/partners/")
    page.get_by_role("link", name="Add a partner agency").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a partner agency")
    page.get_by_label("Agency name").fill(name)
    page.get_by_label("Sector").select_option(label=sector)
    page.get_by_label("Contact e-mail").fill("office@example.org")
    page.get_by_role("button", name="Add to the register").click()
    expect(page.get_by_role("status").filter(has_text=f"Added {name}")).to_be_visible()


def test_coordinator_adds_three_partners_signs_one_mou_and_sees_the_hint_change(
    page: Page, task_force, coordinator, guidance
):
    log_in(page, coordinator.username)
    page.goto(f"/task-forces/{task_force.slug}/")
    expect(page.locator(MOU_HINT)).to_contain_text("The partner register is empty")

    _add_partner(page, task_force, "County Sheriff's Office", "Law enforcement")
    _add_partner(page, task_force, "Harbor Victim Advocacy", "Victim services")
    _add_partner(page, task_force, "Survivor Leadership Collective", "Survivor-led organizations")
    page.goto(f"/task-forces/{task_force.slug}/")
    expect(page.locator(MOU_HINT)).to_contain_text("0 partners with a signed, current MOU.")

    page.get_by_role("link", name="Open the partner register").click()
    page.get_by_role("link", name="Edit Harbor Victim Advocacy").click()
    page.get_by_label("MOU status").select_option(label="Signed")
    page.get_by_role("button", name="Save").click()
    # No signing date: refused at the field, nothing saved.
    expect(page.get_by_text("A signed MOU needs the day it was signed.")).to_be_visible()
    signed = timezone.localdate() - datetime.timedelta(days=10)
    renews = timezone.localdate() + datetime.timedelta(days=30)
    page.get_by_label("MOU signed on").fill(signed.isoformat())
    page.get_by_label("MOU renewal date").fill(renews.isoformat())
    page.get_by_label("MOU covers data sharing").check()
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_role("status").filter(has_text="Saved Harbor Victim Advocacy")
    ).to_be_visible()

    page.goto(f"/task-forces/{task_force.slug}/")
    expect(page.locator(MOU_HINT)).to_contain_text(
        f"1 partner with a signed, current MOU; 1 expires on {renews.day} {renews:%b %Y}"
    )
    expect(page.locator("#register-summary")).to_contain_text("3 active partner agencies")
    assert PartnerAgency.objects.filter(mou_status="signed").count() == 1
    assert RegisterChange.objects.count() == 4  # three added, one signed


def test_register_pages_have_no_serious_accessibility_violations(
    new_context, task_force, coordinator, guidance, screenshot_dir
):
    page = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    log_in(page, coordinator.username)
    _add_partner(page, task_force, "County Sheriff's Office", "Law enforcement")
    _add_partner(page, task_force, "Former Clinic", "Health care")
    found = []

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        for width, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            found.extend((f"{name} @ {width}px", v) for v in run_axe(page)["violations"])
            page.screenshot(path=screenshot_dir / f"register-{name}-{width}.png", full_page=True)
        page.set_viewport_size(VIEWPORTS["1280"])

    page.get_by_role("link", name="Mark as left… Former Clinic").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Has Former Clinic left")
    check("leave")
    page.get_by_role("button", name="Record that Former Clinic left").click()
    expect(page.get_by_role("heading", name="Former partners")).to_be_visible()
    check("register")
    page.get_by_role("link", name="Add a partner agency").click()
    page.get_by_label("Agency name").fill("Harbor Youth Shelter")
    page.get_by_label("MOU status").select_option(label="Signed")
    page.get_by_role("button", name="Add to the register").click()
    expect(page.get_by_text("Nothing was saved").first).to_be_visible()
    check("add-errors")
    page.goto(f"/task-forces/{task_force.slug}/partners/")
    page.get_by_role("link", name="Edit County Sheriff's Office").click()
    check("edit")
    page.goto(f"/task-forces/{task_force.slug}/")
    check("task-force-with-register")
    page.goto(f"/task-forces/{task_force.slug}/history/")
    check("history-with-register")
    page.goto(f"/task-forces/{task_force.slug}/milestones/task-force-mou/")
    check("milestone-edit-with-register")

    blocking = [(where, v) for where, v in found if is_blocking(v)]
    assert not blocking, describe_violations(blocking)
