"""Evidence in Chromium: a coordinator uploads the signed MOU to Task Force
MOU (after ticking the statement), a program manager downloads and checks
it, and the task force page says so; axe finds no serious or critical issue
on the evidence pages and where evidence shows."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from assessments.core import services
from assessments.evidence import services as service
from assessments.models import Evidence, EvidenceChange, Status
from stages.models import Milestone
from tests.e2e.support import VIEWPORTS, describe_violations, is_blocking, log_in, run_axe
from tests.factories import SAMPLE_PDF, PartnerLinkFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MOU_ROW = "#milestone-task-force-mou"
EVIDENCE_LINE = f'{MOU_ROW} [data-evidence="task-force-mou"]'
UPLOAD_FORM = 'form[aria-labelledby="upload"]'


@pytest.fixture
def manager(db):
    user = UserFactory(first_name="Pat", last_name="Manager")
    user.groups.add(Group.objects.get(name="Program managers"))
    return user


def _upload_the_mou(page: Page, task_force) -> None:
    page.goto(f"/task-forces/{task_force.slug}/")
    expect(page.locator(EVIDENCE_LINE)).to_contain_text("none yet")
    page.locator(EVIDENCE_LINE).get_by_role("link", name="Evidence for Task Force MOU").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence: Task Force MOU")
    form = page.locator(UPLOAD_FORM)
    form.get_by_label("Title").fill("Signed MOU, 2026")
    form.locator('input[type="file"]').set_input_files(str(SAMPLE_PDF))
    # Without the statement: the browser holds the form back (the box is
    # required); past the browser, the server refuses it at the field and
    # stores nothing.
    assert form.get_by_label(service.STATEMENT).evaluate("box => box.validity.valueMissing")
    form.evaluate("form => { form.noValidate = true; }")
    form.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Tick the statement").first).to_be_visible()
    assert not Evidence.objects.exists()
    form = page.locator(UPLOAD_FORM)
    form.get_by_label("Title").fill("Signed MOU, 2026")
    form.locator('input[type="file"]').set_input_files(str(SAMPLE_PDF))
    form.get_by_label(service.STATEMENT).check()
    form.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Added: Signed MOU, 2026.")).to_be_visible()


def test_coordinator_uploads_the_mou_and_a_program_manager_downloads_and_checks_it(
    new_context, task_force, coordinator, manager, guidance
):
    page = new_context(viewport=VIEWPORTS["1280"]).new_page()
    log_in(page, coordinator.username)
    _upload_the_mou(page, task_force)
    page.goto(f"/task-forces/{task_force.slug}/")
    expect(page.locator(EVIDENCE_LINE)).to_contain_text("1 document, none checked")

    reviewer = new_context(viewport=VIEWPORTS["1280"], accept_downloads=True).new_page()
    log_in(reviewer, manager.username)
    reviewer.goto(f"/task-forces/{task_force.slug}/")
    reviewer.locator(EVIDENCE_LINE).get_by_role("link").click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Evidence: Task Force MOU")
    # Program managers read and check; they add nothing.
    expect(reviewer.locator(UPLOAD_FORM)).to_have_count(0)
    with reviewer.expect_download() as download:
        reviewer.get_by_role("link", name="Signed MOU, 2026").click()
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == SAMPLE_PDF.read_bytes()
    assert download.value.suggested_filename.endswith(".pdf")
    reviewer.get_by_role("button", name="Mark checked").click()
    expect(reviewer.get_by_text("Marked checked: Signed MOU, 2026.")).to_be_visible()

    page.goto(f"/task-forces/{task_force.slug}/")
    expect(page.locator(EVIDENCE_LINE)).to_contain_text("Evidence checked on")
    piece = Evidence.objects.get()
    assert piece.checked_by == manager and piece.added_by == coordinator
    assert list(EvidenceChange.objects.order_by("pk").values_list("action", flat=True)) == [
        "added",
        "checked",
    ]


def test_evidence_pages_have_no_serious_accessibility_violations(
    new_context, task_force, coordinator, manager, guidance, screenshot_dir
):
    PartnerLinkFactory(task_force=task_force, token="axe-evidence-partner-token")
    page = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    log_in(page, coordinator.username)
    found = []

    def check(name: str, on: Page = page) -> None:
        on.wait_for_load_state("load")
        for width, viewport in VIEWPORTS.items():
            on.set_viewport_size(viewport)
            found.extend((f"{name} @ {width}px", v) for v in run_axe(on)["violations"])
            on.screenshot(path=screenshot_dir / f"evidence-{name}-{width}.png", full_page=True)
        on.set_viewport_size(VIEWPORTS["1280"])

    page.goto(f"/task-forces/{task_force.slug}/milestones/task-force-mou/evidence/")
    check("empty")
    page.locator(UPLOAD_FORM).evaluate("form => { form.noValidate = true; }")
    page.locator(UPLOAD_FORM).get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Tick the statement").first).to_be_visible()
    check("upload-errors")
    _upload_the_mou(page, task_force)
    page.get_by_role("button", name="Share with partners").click()
    check("with-a-document")
    page.get_by_role("link", name="Remove").click()
    check("remove")
    page.goto(f"/task-forces/{task_force.slug}/")
    check("task-force-page")

    reviewer = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    log_in(reviewer, manager.username)
    reviewer.goto(f"/task-forces/{task_force.slug}/milestones/task-force-mou/evidence/")
    reviewer.get_by_role("button", name="Mark checked").click()
    check("checked", reviewer)
    reviewer.goto(f"/task-forces/{task_force.slug}/history/")
    check("history", reviewer)
    # Achieved with the checked MOU: the matrix's own colour and letter.
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.ACHIEVED,
        user=coordinator,
    )
    reviewer.goto("/overview/")
    expect(reviewer.locator("td.status-achieved_checked")).to_have_count(1)
    check("matrix", reviewer)
    reviewer.goto("/overview/gaps/")
    check("gaps", reviewer)
    partner = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    partner.goto("/p/axe-evidence-partner-token/")
    expect(partner.get_by_role("link", name="Signed MOU, 2026")).to_be_visible()
    check("partner", partner)

    blocking = [(where, v) for where, v in found if is_blocking(v)]
    assert not blocking, describe_violations(blocking)
