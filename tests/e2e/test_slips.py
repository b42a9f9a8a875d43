"""Nothing is lost by a slip, in a real browser: a date the browser cannot
read, a status picked but not saved, a link to copy once."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from assessments.core import services
from assessments.models import MilestoneStatus, PartnerLink, Status
from stages.models import Milestone
from tests.e2e.support import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TARGET = datetime.date(2027, 6, 30)


@pytest.fixture
def planned(guidance, task_force, coordinator) -> MilestoneStatus:
    return services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.PLANNING,
        target_date=TARGET,
        user=coordinator,
    )


def test_a_date_the_browser_cannot_read_stops_the_save_and_keeps_the_saved_date(
    page: Page, task_force, coordinator, planned
):
    log_in(page, coordinator.username)
    page.goto(f"/task-forces/{task_force.slug}/milestones/task-force-mou/")
    date = page.get_by_label("Target date")
    date.click()
    date.press("Control+a")
    date.press_sequentially("02312027")  # 31 February: the picker shows it, its value is ""
    assert date.evaluate("field => field.validity.badInput") is True
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_role("button", name="Save").click()

    # Still on the form, with the browser's own message at the field.
    expect(page.get_by_role("heading", level=1)).to_have_text("Task Force MOU")
    assert date.evaluate("field => field.validationMessage") != ""
    planned.refresh_from_db()
    assert (planned.status, planned.target_date) == (Status.PLANNING, TARGET)


def test_a_status_picked_but_not_saved_is_marked_and_leaving_asks_first(
    page: Page, task_force, coordinator, planned
):
    log_in(page, coordinator.username)
    page.goto(f"/task-forces/{task_force.slug}/")
    row = page.locator("#milestone-task-force-mou")
    marker = row.get_by_text("Not saved yet")
    expect(marker).to_be_hidden()
    # Keys, as a person presses them (leaving asks only after a real input).
    row.get_by_label("Status of Task Force MOU").focus()
    page.keyboard.press("ArrowDown")
    expect(marker).to_be_visible()
    expect(row.locator("form.quick-status")).to_have_class("quick-status is-unsaved")

    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="History", exact=True).first.click()
    assert dialogs == ["beforeunload"]
    expect(page.get_by_role("heading", level=1)).to_have_text(task_force.name)

    # Saved: the mark goes, and leaving no longer asks.
    row.get_by_role("button", name="Save status of Task Force MOU").click()
    expect(row.get_by_text("Not saved yet")).to_be_hidden()
    planned.refresh_from_db()
    assert planned.status == Status.IN_PROGRESS
    page.get_by_role("link", name="History", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    assert dialogs == ["beforeunload"]


def test_a_new_partner_link_is_copied_with_one_click(
    page: Page, new_context, task_force, coordinator, guidance
):
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, coordinator.username)
    page.goto(f"/task-forces/{task_force.slug}/sharing/")
    page.get_by_label("Who is this link for?").fill("Probation office")
    page.get_by_role("button", name="Create link").click()
    link = page.get_by_label("Partner link").input_value()
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert PartnerLink.objects.get().label == "Probation office"
