"""The status import reads the XLSX export as a person left it in Excel:
header labels, status labels and date cells map back to the keys, codes and
dates the CSV has, so a round trip changes nothing; a label it does not
know is named, and nothing is saved."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.common import importing as import_flow
from assessments.common.sheets import Column, header_keys, sheet_title, to_sheet
from assessments.common.spreadsheets import read_table, to_csv
from assessments.core import importing, services
from assessments.models import ImportBatch, ImportChange, MilestoneStatus, Status, StatusChange
from stages.models import Milestone
from tests.xlsx_files import export_sheet, keyed_rows


@pytest.fixture
def recorded(guidance, task_force, coordinator):
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.IN_PROGRESS,
        lead_partner="Sheriff's Office",
        target_date=datetime.date(2027, 3, 31),
        notes="-2 partners still to sign",  # a formula start, kept as text
        user=coordinator,
    )
    return task_force


def _exported(client, task_force):
    url = reverse("assessments:task_force_export_statuses", args=[task_force.slug, "xlsx"])
    return export_sheet(client.get(url).content)


def _saved(sheet) -> bytes:
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    return buffer.getvalue()


def _upload(client, content: bytes):
    upload = SimpleUploadedFile("statuses.xlsx", content)
    response = client.post(reverse("assessments:import"), {"file": upload})
    assert response.status_code == 302
    return client.get(response["Location"])


def _state():
    return (
        list(MilestoneStatus.objects.values()),
        StatusChange.objects.count(),
        ImportChange.objects.count(),
    )


def _row(sheet, slug: str) -> dict:
    return next(
        row for row in keyed_rows(sheet, importing.STATUS_SHEET) if row["milestone"].value == slug
    )


def test_the_exported_xlsx_imports_back_with_no_change(recorded, coordinator_client):
    content = _saved(_exported(coordinator_client, recorded))  # opened and saved, as in Excel
    before = _state()

    preview = _upload(coordinator_client, content)

    batch = preview.context["batch"]
    assert batch.state == ImportBatch.State.CHECKED
    assert (batch.change_count, batch.unchanged) == (0, 28)
    assert "There is nothing to change" in preview.content.decode()
    assert _state() == before


def test_the_xlsx_saved_again_as_csv_from_excel_imports_back_with_no_change(
    recorded, coordinator_client
):
    sheet = _exported(coordinator_client, recorded)

    def shown(cell):  # as Excel writes a cell to CSV: in its number format
        if cell.is_date:
            text = f"{cell.value.day} {cell.value:%b %Y}"
            return text + (f" {cell.value:%H:%M}" if "hh" in cell.number_format else "")
        return "" if cell.value is None else str(cell.value)

    lines = [[shown(cell) for cell in row] for row in sheet.iter_rows()]
    mou = next(line for line in lines if "task-force-mou" in line)
    assert mou[7] == "31 Mar 2027"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    before = _state()

    upload = SimpleUploadedFile("statuses.csv", buffer.getvalue().encode())
    response = coordinator_client.post(reverse("assessments:import"), {"file": upload})
    preview = coordinator_client.get(response["Location"])

    batch = preview.context["batch"]
    assert batch.state == ImportBatch.State.CHECKED
    assert (batch.change_count, batch.unchanged) == (0, 28)
    assert _state() == before


def test_labels_and_excel_dates_changed_in_excel_import_as_codes_and_dates(
    recorded, coordinator_client
):
    sheet = _exported(coordinator_client, recorded)
    mou = _row(sheet, "task-force-mou")
    mou["status"].value = "Achieved"
    mou["target_date"].value = datetime.datetime(2027, 4, 30)
    _row(sheet, "youth-voice")["status"].value = "planning"  # a code still reads

    preview = _upload(coordinator_client, _saved(sheet))

    changes = {change.subject: change for change in preview.context["batch"].planned.all()}
    assert changes["Task Force MOU"].differences == {
        "status": ["in_progress", "achieved"],
        "target_date": ["2027-03-31", "2027-04-30"],
    }
    assert changes["Youth Voice"].differences == {"status": ["not_started", "planning"]}
    assert len(changes) == 2


def test_an_unknown_status_label_is_named_and_nothing_is_saved(recorded, coordinator_client):
    sheet = _exported(coordinator_client, recorded)
    _row(sheet, "task-force-mou")["status"].value = "Done"
    before = _state()

    page = _upload(coordinator_client, _saved(sheet))

    assert page.context["batch"].state == ImportBatch.State.REFUSED
    (error,) = page.context["errors"]
    assert error.endswith(
        "status 'Done' is not one of Not started, Planning, In progress, Achieved, Lapsed "
        "(or their codes not_started, planning, in_progress, achieved, lapsed)."
    )
    assert _state() == before


def test_an_xlsx_without_a_required_label_names_the_column(recorded, coordinator_client):
    sheet = _exported(coordinator_client, recorded)
    sheet["I1"].value = "Comments"  # was "Notes"
    before = _state()

    page = _upload(coordinator_client, _saved(sheet))

    assert page.context["errors"] == [
        "Row 1: the header is missing the column(s) notes. "
        "Start from an export of your task force to get the right layout."
    ]
    assert _state() == before


# The pieces, without a request ----------------------------------------------

SPEC = [Column("milestone", "Milestone code"), Column("milestone_name", "Milestone")]


def _header(content: bytes) -> list[str]:
    seen = []

    def check_rows(check, rows, header):
        seen.extend(header)
        return []

    check = import_flow.check_file(
        content=content,
        columns=["milestone"],
        header_keys=header_keys(SPEC),
        layout="an export",
        check_rows=check_rows,
        plan=lambda check, planned: None,
    )
    assert check.ok
    return seen


def test_a_label_that_is_another_columns_key_is_read_as_a_label_only_in_an_xlsx():
    # "Milestone" is the name in the XLSX, while the CSV's "milestone" is the code.
    csv_header = _header(to_csv(["milestone_name", "milestone"], []))
    assert csv_header == ["milestone_name", "milestone"]
    xlsx_header = _header(to_sheet(SPEC, [], title="t"))
    assert xlsx_header == ["milestone", "milestone_name"]


def test_to_sheet_writes_codes_as_labels_and_dates_as_dates_that_read_back_as_iso():
    spec = [
        Column("status", "Status", choices={"in_progress": "In progress"}),
        Column("due", "Due", kind="date"),
        Column("note", "Note"),
    ]
    rows = [{"status": "in_progress", "due": datetime.date(2027, 3, 15), "note": "=1+1"}]
    content = to_sheet(spec, rows, title="t")
    assert list(read_table(content, max_rows=10)) == [
        (1, ["Status", "Due", "Note"]),
        (2, ["In progress", "2027-03-15", "=1+1"]),
    ]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Statuses", "Statuses"),
        ("Plan: 2026/27 [draft]?", "Plan 2026 27 draft"),
        ("Partner register of the Lane County task force", "Partner register of the Lane…"),
        ("x" * 40, "x" * 30 + "…"),
        ("  ", "Sheet"),
    ],
)
def test_a_sheet_title_fits_excels_31_characters_and_its_rules(text, title):
    assert sheet_title(text) == title
    assert len(sheet_title(text)) <= 31
