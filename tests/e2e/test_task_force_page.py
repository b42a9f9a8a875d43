"""The task force page for a coordinator at work, in Chromium: review-due
milestones confirmed in one action, and any milestone reached from the
keyboard without tabbing through every row before it."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assessments.core import services
from assessments.models import Status, StatusChange
from stages.models import Milestone
from tests.e2e.support import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_confirm_all_that_still_hold_is_one_click(page: Page, task_force, coordinator, guidance):
    old = timezone.now() - datetime.timedelta(days=400)
    for slug in ("case-review", "task-force-mou", "data-collection"):
        services.milestone_status_update(
            task_force=task_force,
            milestone=Milestone.objects.get(slug=slug),
            status=Status.ACHIEVED,
            user=coordinator,
            at=old,
        )
    log_in(page, coordinator.username)
    page.goto(f"/task-forces/{task_force.slug}/")
    expect(page.get_by_role("heading", name="Review due: 3 milestones")).to_be_visible()
    page.get_by_role("button", name="Confirm all 3 that still hold").click()
    expect(
        page.get_by_role("status").filter(has_text="Confirmed 3 milestones still hold")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Review due: 3 milestones")).to_have_count(0)
    assert StatusChange.objects.filter(source="confirm").count() == 3


def _tab_until(page: Page, element_id: str, limit: int = 300) -> int:
    """Presses Tab until the element has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return presses
    raise AssertionError(f"#{element_id} not reached in {limit} presses of Tab")


def test_the_ninth_milestone_is_reached_from_the_keyboard_through_the_jump_list(
    page: Page, task_force, coordinator, guidance
):
    ninth = Milestone.objects.active().order_by("stage__order", "order")[8]
    target = f"status-{ninth.slug}"
    log_in(page, coordinator.username)
    page.goto(f"/task-forces/{task_force.slug}/")
    by_tab = _tab_until(page, target)

    page.goto(f"/task-forces/{task_force.slug}/")
    keys = _tab_until(page, "skip-to-milestones")
    for key in ["Enter", "Tab"]:  # to the list, then its "Jump to a milestone"
        page.keyboard.press(key)
    assert page.evaluate("document.activeElement.textContent.trim()") == "Jump to a milestone"
    page.keyboard.press("Enter")  # opens it
    for _ in range(9):  # its links, in milestone order
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == ninth.name
    page.keyboard.press("Enter")  # to the row; Tab goes on from there
    page.keyboard.press("Tab")  # the row's evidence link, read before its status
    assert page.evaluate("document.activeElement.textContent") == f"Evidence for {ninth.name}"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == target
    presses = keys + 2 + 1 + 9 + 3
    print(f"9th milestone: {by_tab} presses of Tab; {presses} keys through the jump list")
    assert presses < by_tab
    # 26: the menu's Help requests link (issue 30) is one more stop on the way.
    assert presses <= 26


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_keyboard_focus_is_clearly_visible_on_every_kind_of_control(
    page: Page, task_force, coordinator, guidance
):
    log_in(page, coordinator.username)
    page.goto(f"/task-forces/{task_force.slug}/")
    for selector in ("select[id^=status-]", "button[id^=save-]", "a.btn", "summary"):
        control = page.locator(selector).first
        control.focus()
        style = control.evaluate(
            "e => { const s = getComputedStyle(e);"
            " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
        )
        assert style[:2] == ["solid", "3px"], (selector, style)
        rgb = tuple(int(v) for v in style[2][style[2].index("(") + 1 : -1].split(",")[:3])
        # WCAG 2.2: at least 3:1 against the white page.
        assert (1.05) / (_luminance(rgb) + 0.05) >= 3, (selector, style)


def _achieve(task_force, coordinator, slugs):
    for slug in slugs:
        services.milestone_status_update(
            task_force=task_force,
            milestone=Milestone.objects.get(slug=slug),
            status=Status.ACHIEVED,
            user=coordinator,
        )


def test_a_folded_achieved_milestone_changes_status_from_the_keyboard_in_two_presses_on_a_phone(
    page: Page, task_force, coordinator, guidance
):
    """The fold opens with one key, the status saves with another; the row
    stays where it is and the fold's count follows."""
    page.set_viewport_size({"width": 375, "height": 800})
    _achieve(task_force, coordinator, ["agency-awareness", "community-awareness"])
    log_in(page, coordinator.username)
    page.goto(f"/task-forces/{task_force.slug}/")
    fold = page.locator("#achieved-foundation")
    expect(fold.locator("summary")).to_have_text("2 achieved milestones in Foundation, nothing due")
    row = page.locator("#milestone-agency-awareness")
    expect(row).to_be_hidden()
    for _ in range(400):  # Tab to the fold's summary, as a keyboard user would
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.parentElement.id") == "achieved-foundation":
            break
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")  # 1: open the fold
    expect(row).to_be_visible()
    page.keyboard.press("Tab")  # the row's evidence link
    page.keyboard.press("Tab")  # its status
    assert page.evaluate("document.activeElement.id") == "status-agency-awareness"
    page.keyboard.type("Lapsed")  # a focused menu picks the option typed
    assert page.evaluate("document.activeElement.value") == "lapsed"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # 2: save
    expect(row.get_by_role("status")).to_have_text("Saved: Agency Awareness is now lapsed.")
    # Where it was, in the open fold, until the page is loaded again.
    expect(fold.locator("#milestone-agency-awareness")).to_be_visible()
    expect(fold.locator("summary [data-folded-label]")).to_have_text(
        "1 achieved milestone and 1 changed since the page was loaded"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.reload()
    expect(page.locator("#achieved-foundation summary")).to_have_text(
        "1 achieved milestone in Foundation, nothing due"
    )
    expect(page.locator("#milestone-agency-awareness")).to_be_visible()  # open: lapsed


def test_the_jump_list_opens_the_fold_of_the_milestone_it_leads_to(
    page: Page, task_force, coordinator, guidance
):
    _achieve(task_force, coordinator, ["task-force-mou"])
    log_in(page, coordinator.username)
    page.goto(f"/task-forces/{task_force.slug}/")
    row = page.locator("#milestone-task-force-mou")
    expect(row).to_be_hidden()
    page.get_by_text("Jump to a milestone").click()
    page.locator("#jump-list").get_by_role("link", name="Task Force MOU").click()
    expect(row).to_be_visible()
    expect(row).to_be_in_viewport()
    # A link from elsewhere (a save's redirect) opens it too.
    page.goto(f"/task-forces/{task_force.slug}/#milestone-task-force-mou")
    expect(row).to_be_visible()
