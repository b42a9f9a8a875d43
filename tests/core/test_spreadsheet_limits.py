"""Spreadsheet bombs and broken XLSX files: each is refused with a clear
message, quickly and in little memory, and never reaches a 500.

The bombs are the ones that tied up a worker: a sheet declaring the whole
1,048,576 x 16,384 grid, with a single row far down or 30,000 real rows, and
a small zip that inflates to a gigabyte of rows.
"""

import re
import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.common.spreadsheets import XLSX_MAX_MEMBERS, NotASpreadsheet, read_table
from assessments.core import importing
from assessments.models import ImportBatch
from tests import xlsx_files as files

WHOLE_GRID = "A1:XFD1048576"
SECONDS = 2.0
MEGABYTES = 100


def _one_far_row() -> bytes:
    row = f'<row r="1048576">{files.text_cell("A1048576", "x")}</row>'
    return files.xlsx(files.sheet(files.header_row() + row, dimension=WHOLE_GRID))


def _thirty_thousand_rows() -> bytes:
    rows = (
        f'<row r="{n}">{files.text_cell(f"A{n}", f"tf-{n}")}<c r="XFD{n}"><v>{n}</v></c></row>'
        for n in range(2, 30_002)
    )
    return files.xlsx(files.sheet(files.header_row() + "".join(rows), dimension=WHOLE_GRID))


@pytest.fixture(scope="module")
def gigabyte_of_rows() -> bytes:
    return files.inflating_xlsx(1024 * 1024 * 1024)


def _measure(check) -> tuple[float, float]:
    """Seconds, then peak megabytes allocated, of one call (two runs: tracing
    memory slows the code down, so time is measured on its own)."""
    started = time.perf_counter()
    check()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        check()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return seconds, peak / (1024 * 1024)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (_one_far_row, "more than 100,000 rows"),
        (_thirty_thousand_rows, "Row 2: unknown task force 'tf-2'"),
    ],
    ids=["one-row-at-1048576", "30000-rows"],
)
def test_a_sheet_declaring_the_whole_grid_is_refused_quickly_and_in_little_memory(
    world, build, message
):
    content = build()
    checks = []
    seconds, megabytes = _measure(
        lambda: checks.append(
            importing.check_file(content=content, user=world["users"]["coordinator"])
        )
    )
    assert not checks[-1].ok
    assert message in checks[-1].errors[0]
    print(f"{seconds:.3f} s, {megabytes:.1f} MB")  # shown with pytest -s
    assert seconds < SECONDS, f"{seconds:.2f} s"
    assert megabytes < MEGABYTES, f"{megabytes:.0f} MB"


def test_a_zip_that_inflates_to_a_gigabyte_is_refused_before_it_is_read(world, gigabyte_of_rows):
    assert len(gigabyte_of_rows) < importing.MAX_FILE_BYTES
    checks = []
    seconds, megabytes = _measure(
        lambda: checks.append(
            importing.check_file(content=gigabyte_of_rows, user=world["users"]["coordinator"])
        )
    )
    [error] = checks[-1].errors
    assert re.fullmatch(
        r"The XLSX file unpacks to 1,0\d\d MB; the limit is 100 MB\. Split it into several files\.",
        error,
    )
    print(f"{seconds:.3f} s, {megabytes:.1f} MB")  # shown with pytest -s
    assert seconds < SECONDS, f"{seconds:.2f} s"
    assert megabytes < MEGABYTES, f"{megabytes:.0f} MB"


def test_an_archive_of_too_many_parts_is_refused():
    content = files.xlsx(files.sheet(files.header_row()), extra_members=XLSX_MAX_MEMBERS)
    with pytest.raises(NotASpreadsheet, match="parts; a spreadsheet has far fewer"):
        list(read_table(content, max_rows=10))


def test_rows_past_the_limit_are_refused_while_reading(monkeypatch):
    rows = "".join(f'<row r="{n}">{files.text_cell(f"A{n}", "x")}</row>' for n in range(1, 20))
    content = files.xlsx(files.sheet(rows))
    read = []
    with pytest.raises(NotASpreadsheet, match="more than 9 rows"):
        for row in read_table(content, max_rows=10):
            read.append(row)
    # Stopped at the first row past the limit, not after reading them all.
    assert [number for number, _ in read] == list(range(1, 11))


def test_cells_far_to_the_right_do_not_widen_the_row():
    row = f'<row r="1">{files.text_cell("A1", "a")}<c r="XFD1"><v>1</v></c></row>'
    assert list(read_table(files.xlsx(files.sheet(row)), max_rows=10)) == [(1, ["a"])]


def test_row_numbers_are_the_sheets_own_blank_rows_included():
    rows = files.header_row() + f'<row r="2"></row><row r="5">{files.text_cell("A5", "late")}</row>'
    assert [n for n, _ in read_table(files.xlsx(files.sheet(rows)), max_rows=10)] == [1, 5]


def _row(cells: str) -> str:
    return files.sheet(files.header_row() + f'<row r="2">{cells}</row>')


BROKEN = {
    "malformed sheet XML": files.xlsx(files.SHEET_START + "<sheetData><row r='1'><c r='A1'>"),
    "malformed workbook XML": files.xlsx(
        files.sheet(files.header_row()), workbook="<workbook><sheets><sheet"
    ),
    "no sheets": files.xlsx(
        files.sheet(files.header_row()), workbook=files.WORKBOOK_WITHOUT_SHEETS
    ),
    "bad shared-string index": files.xlsx(
        _row('<c r="A2" t="s"><v>99</v></c>'), shared_strings=["only one"]
    ),
    "cell reference ZZZZZZ1": files.xlsx(_row('<c r="ZZZZZZ2"><v>1</v></c>')),
    "number cell holding abc": files.xlsx(_row('<c r="A2" t="n"><v>abc</v></c>')),
    "date cell 2026-99-99": files.xlsx(_row('<c r="A2" t="d"><v>2026-99-99</v></c>')),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_xlsx_gets_the_refusal_page_not_a_500(world, coordinator_client, name):
    upload = SimpleUploadedFile(f"{name}.xlsx", BROKEN[name])
    response = coordinator_client.post("/import/", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert b"Nothing was imported" in response.content
    errors = response.context["errors"]
    assert len(errors) == 1
    assert "XLSX file" in errors[0]
    batch = response.context["batch"]
    assert batch.state == ImportBatch.State.REFUSED
    assert not batch.planned.exists()


def test_checking_stops_after_a_hundred_bad_rows(world):
    lines = ["task_force,milestone,status,lead_partner,target_date,notes"]
    lines += [f"nowhere-{n},task-force-mou,achieved,,," for n in range(150)]
    check = importing.check_file(
        content="\n".join(lines).encode(), user=world["users"]["coordinator"]
    )
    assert len(check.errors) == importing.MAX_ERRORS
    assert check.errors[0] == "Row 2: unknown task force 'nowhere-0'."
    assert check.errors[-1] == "Row 101: unknown task force 'nowhere-99'."
    assert check.stopped_at == 102


def test_the_refusal_page_says_where_checking_stopped(world, coordinator_client):
    lines = ["task_force,milestone,status,lead_partner,target_date,notes"]
    lines += [f"nowhere-{n},task-force-mou,achieved,,," for n in range(150)]
    upload = SimpleUploadedFile("many.csv", "\n".join(lines).encode())
    response = coordinator_client.post("/import/", {"file": upload}, follow=True)
    assert response.context["batch"].state == ImportBatch.State.REFUSED
    html = response.content.decode()
    assert "checking stopped at row 102, after 100 rows with problems" in html
    assert "the file has" not in html
