"""One full review cycle in Chromium: a program manager opens it, the
coordinator reviews every milestone (changing one, confirming one, then the
rest at once), writes the narratives and submits, the program manager
returns it with a comment,
the coordinator resubmits, the program manager accepts; then the coordinator
achieves a milestone and compare with today shows the move. axe finds no
serious or critical issue on the cycle, submission and compare pages."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from assessments.cycles.models import CycleSubmission
from stages.models import Milestone, Stage
from tests.cycle_support import open_cycle, program_manager
from tests.e2e.support import (
    VIEWPORTS,
    describe_violations,
    is_blocking,
    log_in,
    run_axe,
    update_milestone_status,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _axe(page: Page, name: str, found: list) -> None:
    found.extend((name, v) for v in run_axe(page)["violations"] if is_blocking(v))


def test_one_full_review_cycle(task_force, coordinator, guidance, new_context):
    # bypass_csp: axe is injected as a script (see support.run_axe).
    page = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    manager = UserFactory()
    manager.groups.add(Group.objects.get(name="Program managers"))
    found: list = []

    # The program manager opens the cycle.
    log_in(page, manager.username)
    page.goto("/cycles/")
    page.get_by_role("link", name="Open a review cycle").click()
    page.get_by_label("Title").fill("2027 annual self-assessment")
    due = timezone.localdate() + datetime.timedelta(days=20)
    page.get_by_label("Due date").fill(due.isoformat())
    page.get_by_role("button", name="Open the cycle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2027 annual self-assessment")
    cycle_url = page.url
    _axe(page, "cycle page", found)

    # The coordinator reviews, writes and submits.
    coordinator_page = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    log_in(coordinator_page, coordinator.username)
    coordinator_page.goto("/cycles/")
    coordinator_page.get_by_role("link", name="2027 annual self-assessment").click()
    submission_url = coordinator_page.url
    coordinator_page.locator("#review-task-force-mou").get_by_role("link").click()
    coordinator_page.get_by_label("Status").select_option(label="In progress")
    coordinator_page.get_by_role("button", name="Save").click()
    expect(coordinator_page).to_have_url(submission_url)
    expect(coordinator_page.locator("#reviewed-count")).to_have_text("1 of 28")
    coordinator_page.locator("#review-agency-awareness").get_by_role("button").click()
    expect(coordinator_page.locator("#reviewed-count")).to_have_text("2 of 28")
    coordinator_page.get_by_role(
        "button", name="Confirm the 26 not yet reviewed as they stand"
    ).click()
    expect(coordinator_page.locator("#reviewed-count")).to_have_text("28 of 28")
    for stage in Stage.objects.all():
        coordinator_page.get_by_label(f"Narrative: {stage.name}").fill("Met monthly; totals only.")
    _axe(coordinator_page, "submission page", found)
    coordinator_page.get_by_role("button", name="Submit").click()
    expect(
        coordinator_page.get_by_role("status").filter(has_text="Submitted (version 1)")
    ).to_be_visible()

    # The program manager returns it with a comment.
    page.goto(cycle_url)
    page.get_by_role("link", name=task_force.name).click()
    page.get_by_label("Comments").fill("Add the MOU's target date.")
    page.get_by_role("button", name="Return with comments").click()
    expect(page.get_by_role("status").filter(has_text="Returned to the task force")).to_be_visible()

    # The coordinator sees the comment and resubmits.
    coordinator_page.goto(submission_url)
    expect(coordinator_page.locator("#returned-comments")).to_contain_text(
        "Add the MOU's target date."
    )
    coordinator_page.get_by_role("button", name="Submit").click()
    expect(
        coordinator_page.get_by_role("status").filter(has_text="Submitted (version 2)")
    ).to_be_visible()

    # The program manager accepts.
    page.goto(submission_url)
    page.get_by_role("button", name="Accept…").click()
    # Accepting asks first, on a page of its own.
    page.get_by_role("button", name="Yes, accept version 2").click()
    expect(page.get_by_role("status").filter(has_text="Accepted.")).to_be_visible()
    submission = CycleSubmission.objects.get()
    assert submission.state == "accepted"
    assert submission.snapshots.count() == 2
    _axe(page, "accepted submission page", found)

    # After acceptance the coordinator achieves the MOU; compare with today
    # shows that move against the accepted submission.
    coordinator_page.goto(f"/task-forces/{task_force.slug}/")
    update_milestone_status(
        coordinator_page, Milestone.objects.get(slug="task-force-mou"), "Achieved"
    )
    coordinator_page.get_by_role("link", name="Compare submissions").click()
    expect(coordinator_page.get_by_label("With")).to_have_value("today")
    foundation = coordinator_page.locator('section[aria-labelledby="stage-foundation"]')
    expect(foundation).to_contain_text("Moved forward (1)")
    expect(foundation).to_contain_text("Task Force MOU")
    expect(coordinator_page.get_by_text("0 → 1 of 28 milestones achieved")).to_be_visible()
    _axe(coordinator_page, "compare page", found)
    assert not found, describe_violations(found)


def test_a_narrative_typed_before_confirming_is_kept(
    task_force, coordinator, guidance, new_context
):
    cycle = open_cycle(program_manager())
    page = new_context(viewport=VIEWPORTS["1280"]).new_page()
    log_in(page, coordinator.username)
    url = f"/cycles/{cycle.pk}/task-forces/{task_force.slug}/"
    page.goto(url)
    stage = Stage.objects.order_by("order").first()
    narrative = page.get_by_label(f"Narrative: {stage.name}")
    narrative.fill("Met monthly; totals only.")

    # A link away asks first; dismissing the question stays on the page.
    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.locator("#review-task-force-mou").get_by_role("link").click()
    assert questions and "not saved" in questions[0]
    assert page.url.endswith(url)

    # A row's confirm button saves the text with the confirmation.
    page.locator("#review-agency-awareness").get_by_role("button").click()
    expect(page.locator("#reviewed-count")).to_have_text("1 of 28")
    expect(page.get_by_label(f"Narrative: {stage.name}")).to_have_value("Met monthly; totals only.")
    assert "Met monthly; totals only." in CycleSubmission.objects.get().narrative.values()
