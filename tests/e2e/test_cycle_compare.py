"""Compare in Chromium: a task force that submitted last year's cycle changes
a status, and compare with today lists the move; a program manager compares
two cycles statewide. axe finds no serious or critical issue on either page."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from assessments.core import services
from assessments.models import Status, StatusChange
from stages.models import Milestone
from tests.e2e.support import (
    VIEWPORTS,
    describe_violations,
    is_blocking,
    log_in,
    run_axe,
    update_milestone_status,
)
from tests.factories import ReviewCycleFactory, TaskForceFactory, UserFactory, snapshot_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Like the demo: statuses recorded through the service, then frozen in an
# accepted submission of a cycle due months ago.
STATUSES = {
    "agency-awareness": Status.ACHIEVED,
    "community-awareness": Status.ACHIEVED,
    "task-force-formation": Status.IN_PROGRESS,
    "task-force-mou": Status.PLANNING,
}


@pytest.fixture
def manager(db):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Program managers"))
    return user


@pytest.fixture
def submitted(guidance, task_force, coordinator):
    for slug, status in STATUSES.items():
        services.milestone_status_update(
            task_force=task_force,
            milestone=Milestone.objects.get(slug=slug),
            status=status,
            user=coordinator,
            source=StatusChange.Source.DEMO,
        )
    cycle = ReviewCycleFactory(
        title="2026 annual self-assessment",
        due_on=timezone.localdate() - datetime.timedelta(days=120),
    )
    return snapshot_of(
        task_force,
        cycle,
        STATUSES,
        plan=[("task-force-mou", "County Sheriff's Office", None)],
        decision="accepted",
    )


def test_compare_with_today_lists_a_status_changed_since(
    new_context, task_force, coordinator, submitted
):
    page = new_context(viewport=VIEWPORTS["1280"]).new_page()
    log_in(page, coordinator.username)
    page.goto(f"/task-forces/{task_force.slug}/")
    page.get_by_role("link", name="Compare submissions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare")
    foundation = page.locator('section[aria-labelledby="stage-foundation"]')
    expect(foundation).to_contain_text("No milestone of this stage moved.")

    page.goto(f"/task-forces/{task_force.slug}/")
    update_milestone_status(page, Milestone.objects.get(slug="task-force-mou"), "Achieved")
    page.get_by_role("link", name="Compare submissions").click()
    expect(page.get_by_label("With")).to_have_value("today")
    expect(foundation).to_contain_text("Moved forward (1)")
    expect(foundation).to_contain_text("Task Force MOU")
    expect(page.get_by_text("2 → 3 of 28 milestones achieved")).to_be_visible()

    # Choosing the same moment twice is refused at the form.
    page.get_by_label("With").select_option(str(submitted.pk))
    page.get_by_role("button", name="Compare").click()
    expect(
        page.get_by_role("alert").filter(has_text="Choose two different moments to compare.")
    ).to_be_visible()


def test_compare_pages_have_no_serious_accessibility_violations(
    new_context, task_force, coordinator, manager, submitted, screenshot_dir
):
    other = TaskForceFactory(name="Other")
    newer = ReviewCycleFactory(title="2027 annual self-assessment")
    snapshot_of(task_force, newer, {**STATUSES, "task-force-mou": Status.ACHIEVED})
    snapshot_of(other, submitted.submission.cycle, {})
    snapshot_of(other, newer, {})
    page = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    found = []

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        for width, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            found.extend((f"{name} @ {width}px", v) for v in run_axe(page)["violations"])
            page.screenshot(path=screenshot_dir / f"compare-{name}-{width}.png", full_page=True)
        page.set_viewport_size(VIEWPORTS["1280"])

    log_in(page, manager.username)
    page.goto(f"/task-forces/{task_force.slug}/compare/")
    check("task-force")
    page.goto(f"/task-forces/{task_force.slug}/compare/?a=x&b=today")
    expect(page.locator(".invalid-feedback")).to_be_visible()
    check("task-force-error")
    page.goto("/cycles/compare/")
    expect(page.get_by_text("1 moved forward, 0 moved back, 1 unchanged")).to_be_visible()
    check("statewide")
    page.goto(f"/cycles/compare/?from={newer.pk}&to={newer.pk}")
    check("statewide-error")
    blocking = [(name, v) for name, v in found if is_blocking(v)]
    assert not blocking, describe_violations(blocking)
