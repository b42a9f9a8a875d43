"""Which reader reads an XLSX upload: python-calamine, fast, for a file whose
every cell names its place within bounds (what spreadsheet programs write),
openpyxl's streaming parser for anything else; both give the same rows.
The bombs and broken files themselves: test_spreadsheet_limits.py."""

import contextlib
import datetime
import time

import pytest

from assessments.common import spreadsheets
from assessments.common.spreadsheets import NotASpreadsheet, read_table, to_xlsx
from tests import xlsx_files as files


def _both(content: bytes, max_rows: int = 100) -> tuple[list, list]:
    return (
        list(spreadsheets._read_with_calamine(content, max_rows)),
        list(spreadsheets._read_with_openpyxl(content, max_rows)),
    )


def _not_this_reader(*args):
    raise AssertionError("read with the other reader")


def test_an_export_is_read_by_calamine_as_openpyxl_reads_it(monkeypatch):
    columns = ["text", "date", "when", "whole", "part", "formula", "blank", "quote"]
    rows = [
        {
            "text": f"county-{n}",
            "date": datetime.date(2026, 6, n + 1),
            "when": datetime.datetime(2026, 6, 17, 10, n, tzinfo=datetime.timezone.utc),
            "whole": 3,
            "part": 3.5,
            "formula": "=SUM(A1)",  # written as '=SUM(A1), read back without the '
            "blank": None,
            "quote": "'plain",  # an apostrophe before no formula is kept
        }
        for n in range(3)
    ]
    content = to_xlsx(columns, rows, title="statuses")
    assert spreadsheets._calamine_can_read(content, max_rows=10)
    calamine, openpyxl = _both(content)
    assert calamine == openpyxl
    assert calamine[1] == (
        2,
        [
            "county-0",
            "2026-06-01",
            "2026-06-17T10:00:00+00:00",
            "3",
            "3.5",
            "=SUM(A1)",
            "",
            "'plain",
        ],
    )
    monkeypatch.setattr(spreadsheets, "_read_with_openpyxl", _not_this_reader)
    assert list(read_table(content, max_rows=10)) == calamine


def test_a_cell_of_spaces_alone_reads_as_blank_as_in_a_csv_file():
    content = to_xlsx(["a", "b"], [{"a": " x ", "b": "  "}, {"a": "  "}], title="t")
    assert spreadsheets._calamine_can_read(content, max_rows=10)
    # The import strips every cell, and the CSV reader skips a row of spaces.
    assert list(read_table(content, max_rows=10)) == [(1, ["a", "b"]), (2, [" x "])]


def test_numbers_dates_blank_rows_and_a_late_first_column_read_alike():
    content = files.xlsx(
        files.sheet(
            f'<row r="3">{files.text_cell("C3", "header")}</row>'
            '<row r="4"></row>'
            '<row r="6"><c r="B6"><v>3</v></c><c r="C6"><v>3.25</v></c>'
            '<c r="D6" t="b"><v>1</v></c><c r="E6" t="s"><v>0</v></c></row>',
            dimension=WHOLE_GRID,
        ),
        shared_strings=["shared"],
    )
    assert spreadsheets._calamine_can_read(content, max_rows=10)
    calamine, openpyxl = _both(content)
    assert calamine == openpyxl
    assert calamine == [(3, ["", "", "header"]), (6, ["", "3", "3.25", "True", "shared"])]


WHOLE_GRID = "A1:XFD1048576"


def test_a_sheet_declaring_the_whole_grid_with_few_cells_is_read_by_calamine_quickly(monkeypatch):
    rows = files.header_row() + "".join(
        f'<row r="{n}">{files.text_cell(f"A{n}", f"tf-{n}")}</row>' for n in range(2, 5)
    )
    content = files.xlsx(files.sheet(rows, dimension=WHOLE_GRID))
    monkeypatch.setattr(spreadsheets, "_read_with_openpyxl", _not_this_reader)
    started = time.perf_counter()
    read = list(read_table(content, max_rows=10))
    assert time.perf_counter() - started < 0.5
    assert [number for number, _ in read] == [1, 2, 3, 4]
    assert read[-1] == (4, ["tf-4"])


def _with_cells(cells: str) -> bytes:
    return files.xlsx(files.sheet(files.header_row() + f'<row r="2">{cells}</row>'))


OPENPYXL_READS = {
    "a cell without its place": _with_cells('<c t="inlineStr"><is><t>x</t></is></c>'),
    "a cell past column 100": _with_cells('<c r="CW2"><v>1</v></c>'),
    "a cell with two places": _with_cells('<c r="A2" r="XFD1048576"><v>1</v></c>'),
    "a cell with an unknown attribute": _with_cells('<c r="A2" x="1"><v>1</v></c>'),
    "an ISO date cell": _with_cells('<c r="A2" t="d"><v>2026-06-17</v></c>'),
    "a cell in row 0": _with_cells('<c r="A0"><v>1</v></c>'),
    "a cell past the rows allowed": _with_cells('<c r="A11"><v>1</v></c>'),
    "a place in lower case": _with_cells('<c r="a2"><v>1</v></c>'),
}


@pytest.mark.parametrize("name", OPENPYXL_READS)
def test_anything_unusual_goes_to_openpyxl(name, monkeypatch):
    content = OPENPYXL_READS[name]
    assert not spreadsheets._calamine_can_read(content, max_rows=10)
    monkeypatch.setattr(spreadsheets, "_read_with_calamine", _not_this_reader)
    with contextlib.suppress(NotASpreadsheet):  # openpyxl's answer, as before
        list(read_table(content, max_rows=10))


def test_a_grid_larger_than_calamine_may_build_goes_to_openpyxl(monkeypatch):
    content = _with_cells('<c r="F2"><v>1</v></c>')  # 2 rows x 6 columns
    assert spreadsheets._calamine_can_read(content, max_rows=10)
    monkeypatch.setattr(spreadsheets, "CALAMINE_MAX_CELLS", 11)
    assert not spreadsheets._calamine_can_read(content, max_rows=10)


def test_the_scan_in_small_blocks_sees_what_one_block_sees(monkeypatch):
    good = to_xlsx(["a", "b"], [{"a": n, "b": f"x{n}"} for n in range(50)], title="t")
    bad = _with_cells('<c r="A2"><v>1</v></c>' * 100 + '<c r="CW2"><v>1</v></c>')
    monkeypatch.setattr(spreadsheets, "_SCAN_BLOCK", 600)
    assert spreadsheets._calamine_can_read(good, max_rows=100)
    assert not spreadsheets._calamine_can_read(bad, max_rows=100)
    assert len(good) > 3 * 600 and len(bad) > 3 * 600


def test_a_part_without_a_tag_end_for_a_whole_block_goes_to_openpyxl(monkeypatch):
    content = files.xlsx(files.sheet(files.header_row()), shared_strings=["x" * 2000])
    assert spreadsheets._calamine_can_read(content, max_rows=10)
    monkeypatch.setattr(spreadsheets, "_SCAN_BLOCK", 600)
    assert not spreadsheets._calamine_can_read(content, max_rows=10)


def test_a_file_calamine_cannot_read_is_refused_with_the_damaged_message():
    content = _with_cells('<c r="A2" t="n"><v>abc</v></c>')
    assert spreadsheets._calamine_can_read(content, max_rows=10)
    with pytest.raises(NotASpreadsheet, match="The XLSX file cannot be read: it is damaged"):
        list(read_table(content, max_rows=10))


def test_a_workbook_without_sheets_read_by_calamine_says_so():
    content = files.xlsx(files.sheet(files.header_row()), workbook=files.WORKBOOK_WITHOUT_SHEETS)
    assert spreadsheets._calamine_can_read(content, max_rows=10)
    with pytest.raises(NotASpreadsheet, match="no sheet"):
        list(read_table(content, max_rows=10))
