"""Logging activity on a phone, from the keyboard, in Chromium: a meeting, a
training and an outreach event, each from the form's first field to
"Logged" in a handful of keys besides what is typed, and all three on the
task force page afterwards."""

import time

import pytest
from playwright.sync_api import Page, expect

from assessments.models import ActivityEntry
from tests.e2e.support import VIEWPORTS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ENTRIES = [
    # kind (typed on the select, as a keyboard user picks), title, counts typed
    # into the first cells of the grid (agencies, people attending, trained).
    ("Task force meeting", "Monthly meeting", ["7", "12"]),
    ("Training delivered", "Labor trafficking basics", ["3", "", "25"]),
    ("Outreach or awareness event", "County fair booth", ["2", "40"]),
]


def _log(page: Page, slug: str, kind: str, title: str, counts: list[str]) -> tuple[float, int]:
    """One entry from the keyboard: seconds from the form to "Logged", and
    the keys pressed besides the text typed."""
    page.goto(f"/task-forces/{slug}/activity/add/")
    start = time.monotonic()
    keys = 0
    page.get_by_label("Kind").focus()  # the date is today's already: Tab goes past it
    page.keyboard.type(kind)  # a select picks the option its letters start
    page.keyboard.press("Tab")
    page.keyboard.type(title)
    keys += 1
    for count in counts:
        page.keyboard.press("Tab")
        keys += 1
        if count:
            page.keyboard.type(count)
    page.keyboard.press("Enter")
    keys += 1
    expect(page.get_by_role("status").filter(has_text=f"Logged “{title}”")).to_be_visible()
    return time.monotonic() - start, keys


def test_a_meeting_a_training_and_an_outreach_event_logged_by_keyboard_on_a_phone(
    new_context, task_force, coordinator, guidance
):
    page = new_context(viewport=VIEWPORTS["375"]).new_page()
    log_in(page, coordinator.username)

    for kind, title, counts in ENTRIES:
        seconds, keys = _log(page, task_force.slug, kind, title, counts)
        print(f"{kind}: {seconds:.1f} s, {keys} keys besides the text")
        assert seconds < 60
        assert keys <= 5

    saved = {e.title: e.get_kind_display() for e in ActivityEntry.objects.all()}
    assert saved == {title: kind for kind, title, _counts in ENTRIES}
    page.goto(f"/task-forces/{task_force.slug}/")
    recent = page.locator("#activity-recent")
    expect(recent).to_contain_text("3 entries")
    for kind, _title, _counts in ENTRIES:
        expect(recent).to_contain_text(kind.lower())
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
