"""A program manager reads the statewide partner register pages:
the sector matrix shows a lettered cell, and axe finds nothing serious on
them, nor on the register import's pages."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from assessments.models import MouStatus, Sector
from taskforce_site.worker import run_pending_jobs
from tests.e2e.support import VIEWPORTS, describe_violations, is_blocking, log_in, run_axe
from tests.factories import PartnerAgencyFactory, TaskForceFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _run_jobs():
    """What the worker would do: the live server has none."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        run_pending_jobs()


@pytest.fixture
def registers(db):
    today = timezone.localdate()
    lane = TaskForceFactory(name="Lane County Task Force", region="Valley")
    coos = TaskForceFactory(name="Coos County Task Force", region="Coast")
    PartnerAgencyFactory(
        task_force=lane,
        name="Lane Victim Services",
        mou_status=MouStatus.SIGNED,
        mou_signed_on=today - datetime.timedelta(days=300),
        mou_renews_on=today + datetime.timedelta(days=12),
    )
    PartnerAgencyFactory(
        task_force=lane, name="Lane Sheriff", sector=Sector.objects.get(slug="law-enforcement")
    )
    PartnerAgencyFactory(
        task_force=coos,
        name="Coos Shelter",
        sector=Sector.objects.get(slug="housing-and-shelter"),
        mou_status=MouStatus.EXPIRED,
        mou_signed_on=today - datetime.timedelta(days=400),
        mou_renews_on=today - datetime.timedelta(days=3),
    )
    manager = UserFactory()
    manager.groups.add(Group.objects.get(name="Program managers"))
    coordinator = UserFactory()
    lane.coordinators.add(coordinator)
    return lane, manager, coordinator


def test_a_program_manager_sees_the_sector_matrix(page: Page, registers):
    lane, manager, _ = registers
    log_in(page, manager.username)
    page.goto("/overview/")
    page.get_by_role("link", name="Partner sectors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner sectors")
    row = page.get_by_role("row").filter(has_text=lane.name)
    # Victim services is the third sector: the MOU (expiring, still in force).
    cells = row.locator("td.matrix-cell")
    expect(cells.nth(2)).to_have_text("MActive partner with a signed MOU in force")
    expect(cells.nth(2).locator("[aria-hidden=true]")).to_have_text("M")
    expect(cells.nth(0).locator("[aria-hidden=true]")).to_have_text("A")
    expect(cells.nth(1).locator("[aria-hidden=true]")).to_have_text("–")
    page.get_by_role("link", name="MOUs due").click()
    expect(page.get_by_role("cell", name="Lane Victim Services")).to_be_visible()


def test_the_register_pages_have_no_serious_accessibility_violations(new_context, registers):
    lane, manager, coordinator = registers
    found = []

    def check(page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        for width, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            found.extend((f"{name} @ {width}px", v) for v in run_axe(page)["violations"])

    # bypass_csp: the axe script is injected (see test_accessibility.py).
    page = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    log_in(page, manager.username)
    for name, url in [
        ("sector-matrix", "/overview/partners/"),
        ("mous-expiring", "/overview/partners/mous/"),
        ("mous-expired", "/overview/partners/mous/?show=expired"),
        ("sectors-lacking", "/overview/partners/sectors/"),
    ]:
        page.goto(url)
        check(page, name)

    page = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    log_in(page, coordinator.username)
    page.goto("/import/partners/")
    check(page, "register-import")
    csv = (
        "task_force,agency,sector,partnership_type,mou_status,mou_signed_on,mou_renews_on,"
        "mou_covers_data_sharing,left_on,contact_name,contact_email,contact_phone,"
        f"shown_to_partners\r\n{lane.slug},Lane Schools,education,referral,none,,,no,,,,,no\r\n"
        f"{lane.slug},Lane Sheriff,law-enforcement,referral,bogus,,,no,,,,,no\r\n"
    )
    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(
        files=[{"name": "partners.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="Check the file").click()
    # The check is a job: the page waits for it, then reloads itself (htmx).
    expect(page.get_by_text("Waiting for the file to be read")).to_be_visible()
    check(page, "register-import-waiting")
    _run_jobs()
    expect(page.get_by_text("Row 3: mou_status 'bogus'")).to_be_visible()
    check(page, "register-import-errors")
    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(
        files=[
            {
                "name": "partners.csv",
                "mimeType": "text/csv",
                "buffer": csv.replace("bogus", "drafting").encode(),
            }
        ]
    )
    page.get_by_role("button", name="Check the file").click()
    _run_jobs()
    expect(page.get_by_role("button", name="Apply 2 changes")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check the partner import")
    check(page, "register-import-preview")
    page.get_by_role("button", name="Apply 2 changes").click()
    expect(page.get_by_text("Applying 2 changes, started")).to_be_visible()
    _run_jobs()
    expect(page.get_by_text("Imported: 2 partner agencies added or changed.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Partner import applied")
    check(page, "register-import-applied")
    # A file about one task force links to its register, the changes in it.
    page.get_by_role("link", name="See the task force").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner register")
    expect(page.get_by_role("cell", name="Lane Schools")).to_be_visible()

    blocking = [(name, violation) for name, violation in found if is_blocking(violation)]
    assert not blocking, describe_violations(blocking)
