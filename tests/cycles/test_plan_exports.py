"""A submission's plan for the next cycle as XLSX and PDF: its content, met
or not met at the next cycle, who may download it, and its queries."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments.cycles.exports import PLAN_COLUMNS, PLAN_SHEET
from assessments.models import MilestoneStatus, Status
from stages.models import Milestone
from tests.factories import ReviewCycleFactory, TaskForceFactory, UserFactory, snapshot_of

DUE = datetime.date(2027, 3, 31)
PLAN = [
    ("task-force-mou", "County Sheriff's Office", DUE),
    ("funded-coordinator", '=HYPERLINK("http://x")', None),
    ("data-collection", "Victim Advocacy Center", DUE),
]


@pytest.fixture
def world(guidance):
    task_force = TaskForceFactory(name="Lane", slug="lane")
    old_cycle = ReviewCycleFactory(title="2026 annual self-assessment", due_on=DUE.replace(2026))
    snapshot = snapshot_of(
        task_force,
        old_cycle,
        {"task-force-mou": Status.PLANNING, "funded-coordinator": Status.IN_PROGRESS},
        plan=PLAN,
        decision="accepted",
    )
    MilestoneStatus.objects.create(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.ACHIEVED,
    )
    return task_force, snapshot


def _url(task_force, snapshot, fmt):
    return reverse("assessments:plan_export", args=[task_force.slug, snapshot.pk, fmt])


def _rows(response):
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header == [column.label for column in PLAN_SHEET]
    # Blank cells at a row's end are not written; read-only rows stop before them.
    return [dict(zip(PLAN_COLUMNS, row + [None] * len(PLAN_COLUMNS), strict=False)) for row in rows]


def test_xlsx_lists_the_plan_with_todays_status_before_the_next_cycle(
    world, client, staff_user, django_assert_max_num_queries
):
    task_force, snapshot = world
    client.force_login(staff_user)
    with django_assert_max_num_queries(8):
        response = client.get(_url(task_force, snapshot, "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="lane-plan-2026-v1.xlsx"' in response["Content-Disposition"]
    rows = {row["milestone"]: row for row in _rows(response)}
    assert list(rows) == ["task-force-mou", "funded-coordinator", "data-collection"]
    mou = rows["task-force-mou"]
    assert mou["owner"] == "County Sheriff's Office"
    assert mou["due_on"] == datetime.datetime(2027, 3, 31)  # an Excel date
    assert mou["cycle"] == "2026 annual self-assessment" and mou["version"] == 1
    assert (mou["status_when_submitted"], mou["status_today"]) == ("Planning", "Achieved")
    assert mou["met_at_next_cycle"] in (None, "")
    # A formula is written as text, never run by the spreadsheet program.
    assert rows["funded-coordinator"]["owner"] == '\'=HYPERLINK("http://x")'
    assert rows["data-collection"]["status_when_submitted"] == "Not started"


def test_at_the_next_cycle_each_planned_milestone_is_met_or_not(world, client, staff_user):
    task_force, snapshot = world
    later = ReviewCycleFactory(title="2027 annual self-assessment", due_on=DUE)
    snapshot_of(task_force, later, {"task-force-mou": Status.LAPSED}, state="returned")
    snapshot_of(
        task_force,
        later,
        {"task-force-mou": Status.ACHIEVED, "data-collection": Status.IN_PROGRESS},
        number=2,
        state="submitted",
    )
    client.force_login(staff_user)
    rows = {row["milestone"]: row for row in _rows(client.get(_url(task_force, snapshot, "xlsx")))}
    assert rows["task-force-mou"]["met_at_next_cycle"] == "met"
    assert rows["data-collection"]["met_at_next_cycle"] == "not met"
    assert rows["funded-coordinator"]["met_at_next_cycle"] == "not met"
    assert rows["task-force-mou"]["next_cycle"].startswith("2027 annual self-assessment, version 2")


def test_pdf_is_a_pdf_with_the_plan(world, client, staff_user):
    try:
        import weasyprint  # noqa: F401
    except OSError as error:  # pragma: no cover - Pango missing
        pytest.skip(f"WeasyPrint cannot load Pango here: {error}")
    from pypdf import PdfReader

    task_force, snapshot = world
    client.force_login(staff_user)
    response = client.get(_url(task_force, snapshot, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Plan for the next cycle" in text
    assert "Task Force MOU" in text and "County Sheriff" in text


def test_a_coordinator_of_another_task_force_gets_404(world, client):
    task_force, snapshot = world
    outsider = UserFactory()
    TaskForceFactory().coordinators.add(outsider)
    client.force_login(outsider)
    for fmt in ("xlsx", "pdf"):
        assert client.get(_url(task_force, snapshot, fmt)).status_code == 404


def test_the_task_forces_own_coordinator_may_download(world, client):
    task_force, snapshot = world
    coordinator = UserFactory()
    task_force.coordinators.add(coordinator)
    client.force_login(coordinator)
    assert client.get(_url(task_force, snapshot, "xlsx")).status_code == 200


def test_another_task_forces_snapshot_under_this_slug_is_a_404(world, client, staff_user):
    task_force, _ = world
    other = TaskForceFactory()
    theirs = snapshot_of(other, ReviewCycleFactory(), {}, plan=PLAN)
    client.force_login(staff_user)
    assert client.get(_url(task_force, theirs, "xlsx")).status_code == 404
    assert client.get(_url(other, theirs, "xlsx")).status_code == 200


def test_signed_out_visitors_are_sent_to_log_in(world, client):
    task_force, snapshot = world
    response = client.get(_url(task_force, snapshot, "xlsx"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_formats_are_not_found(world, client, staff_user):
    task_force, snapshot = world
    client.force_login(staff_user)
    url = _url(task_force, snapshot, "xlsx").replace(".xlsx", ".csv")
    assert client.get(url).status_code == 404


def test_the_compare_page_links_to_the_plans_that_have_items(world, client, staff_user):
    task_force, snapshot = world
    without_plan = snapshot_of(task_force, ReviewCycleFactory(), {}, state="submitted")
    client.force_login(staff_user)
    html = client.get(reverse("assessments:compare", args=[task_force.slug])).content.decode()
    assert _url(task_force, snapshot, "xlsx") in html
    assert _url(task_force, snapshot, "pdf") in html
    assert _url(task_force, without_plan, "xlsx") not in html


def test_the_plan_xlsx_reads_in_words_with_a_due_date_cell(world, client, staff_user):
    from assessments.common.sheets import DATE_FORMAT
    from tests.xlsx_files import assert_readable_layout, export_sheet, keyed_rows

    task_force, snapshot = world
    client.force_login(staff_user)
    sheet = export_sheet(client.get(_url(task_force, snapshot, "xlsx")).content)
    assert_readable_layout(sheet, PLAN_SHEET, "Plan for the next cycle")
    mou = keyed_rows(sheet, PLAN_SHEET)[0]
    assert mou["milestone_name"].value == "Task Force MOU"
    assert mou["due_on"].is_date and mou["due_on"].number_format == DATE_FORMAT
    assert mou["version"].value == 1
