"""Reading and writing the CSV and XLSX files that exports and imports share.

Cells that a spreadsheet program would run as a formula (starting with = + -
@ or a control character) are written with a leading apostrophe and read back
without it, so an export opens safely in Excel and imports back unchanged.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet._reader import WorkSheetParser

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NotASpreadsheet(ValueError):
    pass


def _cell_out(value) -> str | int | None:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell_in(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def to_csv(columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens accents and names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell_out(row.get(column)) for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(columns: Sequence[str], rows: Iterable[dict], *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_cell_out(row.get(column)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_table(content: bytes, *, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows of an uploaded CSV or XLSX file, as text, each with
    its row number as a spreadsheet program shows it (the header is row 1).

    A generator: rows are read as they are asked for, so a caller can refuse
    a file on its header without reading the rest. Raises NotASpreadsheet for
    a file that is neither, a damaged one, and one with rows past
    `max_rows`, which is checked while reading.
    """
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content, max_rows)
    return _read_csv(content, max_rows)


def _too_many_rows(max_rows: int) -> NotASpreadsheet:
    return NotASpreadsheet(
        f"The file has more than {max_rows - 1:,} rows below its header; "
        "that is the limit. Split it into several files."
    )


def _read_csv(content: bytes, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotASpreadsheet("The file is neither a CSV file in UTF-8 nor an XLSX file.") from None
    if "\x00" in text:
        raise NotASpreadsheet("The file is neither a CSV file nor an XLSX file.")
    reader = csv.reader(io.StringIO(text))
    try:
        for number, row in enumerate(reader, start=1):
            if number > max_rows:
                raise _too_many_rows(max_rows)
            if any(cell.strip() for cell in row):
                yield number, [_cell_in(cell) for cell in row]
    except csv.Error as error:
        raise NotASpreadsheet(f"The CSV file cannot be read: {error}.") from None


# An XLSX file is a zip archive of XML files. These bound what a small upload
# may make the server inflate and parse: an export of every county's 28
# milestones, long notes included, is under 90 MB of XML in a dozen members.
XLSX_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
XLSX_MAX_MEMBERS = 100
# Columns past this one are ignored, like every column the import does not
# read; a cell in column XFD must not make a row 16,384 cells wide.
XLSX_MAX_COLUMNS = 100

_XLSX_DAMAGED = (
    "The XLSX file cannot be read: it is damaged, or was not saved by a "
    "spreadsheet program. Open it in Excel, LibreOffice or Google Sheets and "
    "save it again as XLSX, or as CSV."
)


def _check_archive(content: bytes) -> None:
    """Refuse an archive that would inflate too far, before anything reads it.
    The sizes are the ones the archive declares; Python's zipfile never
    inflates a member past its declared size."""
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise NotASpreadsheet(_XLSX_DAMAGED) from None
    if len(members) > XLSX_MAX_MEMBERS:
        raise NotASpreadsheet(
            f"The XLSX file holds {len(members):,} parts; a spreadsheet has far fewer "
            f"(the limit is {XLSX_MAX_MEMBERS}). Save it again as XLSX, or as CSV."
        )
    inflated = sum(member.file_size for member in members)
    if inflated > XLSX_MAX_UNCOMPRESSED_BYTES:
        raise NotASpreadsheet(
            f"The XLSX file unpacks to {inflated // (1024 * 1024):,} MB; the limit is "
            f"{XLSX_MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB. Split it into several files."
        )


def _read_xlsx(content: bytes, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    _check_archive(content)
    # openpyxl raises all sorts on a malformed file (XML parse errors,
    # IndexError for a bad shared-string index, ValueError for a cell
    # reference or a number it cannot read, ...). Whatever it raises while
    # reading an upload, the answer is the same: the file cannot be read.
    try:
        # read_only: the sheet is parsed as a stream, never held as a whole.
        # The XML is parsed with defusedxml (in requirements.txt), which
        # refuses entity expansion.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise NotASpreadsheet(_XLSX_DAMAGED) from None
    try:
        if not workbook.worksheets:
            raise NotASpreadsheet("The XLSX file has no sheet.")
        yield from _sheet_rows(workbook, workbook.worksheets[0], max_rows)
    except NotASpreadsheet:
        raise
    except Exception:
        raise NotASpreadsheet(_XLSX_DAMAGED) from None
    finally:
        workbook.close()


def _sheet_rows(workbook, sheet, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """The sheet's rows straight from its XML. openpyxl's own iter_rows pads
    every row, and every missing row, to the size the sheet declares (its
    <dimension>), which a file can set to 1,048,576 x 16,384 cells; here the
    declaration is ignored and only the cells present are read."""
    # The parser is what openpyxl's read-only sheets use internally; openpyxl
    # is pinned, and tests/core/test_spreadsheet_limits.py covers this use of it.
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for count, (number, cells) in enumerate(parser.parse(), start=1):
            if number > max_rows or count > max_rows:
                raise _too_many_rows(max_rows)
            values = {
                cell["column"]: cell["value"]
                for cell in cells
                if cell["column"] <= XLSX_MAX_COLUMNS and cell["value"] not in (None, "")
            }
            if values:
                row = [""] * max(values)
                for column, value in values.items():
                    row[column - 1] = _cell_in(value)
                yield number, row
