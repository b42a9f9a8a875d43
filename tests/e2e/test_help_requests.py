"""Help requests in Chromium: a coordinator asks the state program for help
from a milestone's page, a program manager finds it in the queue, assigns it
to themselves and replies, and the coordinator sees the reply; axe finds no
serious or critical issue on the request form, the thread and the queue."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from assessments.models import HelpRequest
from tests.e2e.jobs import run_worker
from tests.e2e.support import VIEWPORTS, describe_violations, is_blocking, log_in, run_axe
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

QUESTION = "Is there a model MOU for the county health department?"
ANSWER = "Yes: the state program's model MOU is on the guidance site, section 2."


@pytest.fixture
def manager(db):
    user = UserFactory(first_name="Pat", last_name="Manager")
    user.groups.add(Group.objects.get(name="Program managers"))
    return user


def _ask(page: Page, task_force) -> None:
    page.goto(f"/task-forces/{task_force.slug}/milestones/task-force-mou/")
    page.get_by_role("link", name="Ask the state program for help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask the state program for help")
    expect(page.get_by_label("About")).to_have_value(str(_mou_pk()))
    page.get_by_label("Subject").fill("Model MOU")
    page.get_by_label("What do you need?").fill(QUESTION)
    page.get_by_role("button", name="Send to the state program").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Model MOU")


def _mou_pk() -> int:
    from stages.models import Milestone

    return Milestone.objects.get(slug="task-force-mou").pk


def test_coordinator_asks_a_program_manager_replies_and_the_coordinator_sees_it(
    new_context, task_force, coordinator, manager, guidance, mailoutbox
):
    page = new_context(viewport=VIEWPORTS["1280"]).new_page()
    log_in(page, coordinator.username)
    _ask(page, task_force)
    expect(page.locator(".help-thread")).to_contain_text(QUESTION)
    expect(page.locator(".help-state")).to_have_text("Open")

    reviewer = new_context(viewport=VIEWPORTS["1280"]).new_page()
    log_in(reviewer, manager.username)
    reviewer.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Help requests"
    ).click()
    row = reviewer.locator(".help-row").filter(has_text=task_force.name)
    expect(row).to_contain_text("Open")
    expect(row).to_contain_text("less than an hour")
    row.get_by_role("link", name="Model MOU").click()
    reviewer.get_by_label("Assign to").select_option(label="Pat Manager")
    reviewer.get_by_role("button", name="Assign").click()
    expect(
        reviewer.get_by_role("status").filter(has_text="Assigned to Pat Manager")
    ).to_be_visible()
    reviewer.get_by_label("Your reply").fill(ANSWER)
    reviewer.get_by_role("button", name="Send reply").click()
    expect(reviewer.get_by_role("status").filter(has_text="Reply sent")).to_be_visible()
    expect(reviewer.locator(".help-state")).to_have_text("Answered")

    page.goto(f"/task-forces/{task_force.slug}/help/")
    expect(page.locator("table")).to_contain_text("Answered")
    page.get_by_role("link", name="Model MOU").click()
    expect(page.locator('[data-from-state-program="yes"]')).to_contain_text(ANSWER)
    expect(page.locator('[data-from-state-program="yes"]')).to_contain_text("Pat Manager")

    request = HelpRequest.objects.get()
    assert request.state == HelpRequest.State.ANSWERED and request.first_reply_at is not None
    run_worker()
    # The coordinator hears of the reply (and of the assignment before it),
    # never with the reply's text.
    to_coordinator = [m for m in mailoutbox if coordinator.email in m.to]
    (reply,) = [m for m in to_coordinator if "replied" in m.subject]
    assert ANSWER not in reply.body and f"/help/{request.pk}/" in reply.body
    assert all(ANSWER not in m.body for m in mailoutbox)


def test_help_pages_have_no_serious_accessibility_violations(
    new_context, task_force, coordinator, manager, guidance, screenshot_dir
):
    page = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    log_in(page, coordinator.username)
    found = []

    def check(on: Page, name: str) -> None:
        on.wait_for_load_state("load")
        for width, viewport in VIEWPORTS.items():
            on.set_viewport_size(viewport)
            found.extend((f"{name} @ {width}px", v) for v in run_axe(on)["violations"])
            on.screenshot(path=screenshot_dir / f"help-{name}-{width}.png", full_page=True)
        on.set_viewport_size(VIEWPORTS["1280"])

    page.goto(f"/task-forces/{task_force.slug}/help/new/")
    check(page, "form")
    # Spaces pass the browser's "required" and are refused by the server.
    page.get_by_label("Subject").fill("   ")
    page.get_by_label("What do you need?").fill("   ")
    page.get_by_role("button", name="Send to the state program").click()
    expect(page.get_by_text("Nothing was saved").first).to_be_visible()
    check(page, "form-errors")
    _ask(page, task_force)
    check(page, "thread-coordinator")
    page.goto(f"/task-forces/{task_force.slug}/help/")
    check(page, "list")

    reviewer = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    log_in(reviewer, manager.username)
    reviewer.goto("/help/")
    check(reviewer, "queue")
    reviewer.goto("/help/statewide/")
    check(reviewer, "statewide")
    reviewer.goto(f"/task-forces/{task_force.slug}/help/{HelpRequest.objects.get().pk}/")
    check(reviewer, "thread-manager")
    reviewer.goto(f"/task-forces/{task_force.slug}/history/")
    check(reviewer, "history-with-help")

    blocking = [(where, v) for where, v in found if is_blocking(v)]
    assert not blocking, describe_violations(blocking)
