"""Reading and writing the CSV and XLSX files that exports and imports share.

Cells that a spreadsheet program would run as a formula (starting with = + -
@ or a control character) are written with a leading apostrophe and read back
without it, so an export opens safely in Excel and imports back unchanged.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet._reader import WorkSheetParser
from python_calamine import CalamineWorkbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NotASpreadsheet(ValueError):
    pass


def cell_out(value) -> str | int | None:
    """A value as a CSV cell: ISO dates (times in UTC), formulas defused."""
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
        writer.writerow([cell_out(row.get(column)) for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(columns: Sequence[str], rows: Iterable[dict], *, title: str) -> bytes:
    """A bare XLSX under the keys, cells as the CSV writes them: a file for
    the import to read (tests, bench/). Exports for people use
    sheets.to_sheet, which writes the same rows in words."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append([cell_out(row.get(column)) for column in columns])
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
    # Nothing is checked until the first row is asked for (read_table).
    _check_archive(content)
    if _calamine_can_read(content, max_rows):
        yield from _read_with_calamine(content, max_rows)
    else:
        yield from _read_with_openpyxl(content, max_rows)


# python-calamine (Rust) reads a sheet about 20 times faster than openpyxl,
# but it builds the whole sheet in memory as a dense grid from its first to
# its last cell before giving a row: one cell at XFD1048576 asks for 17
# billion cells, and the process dies. So it only reads a file whose every
# cell names its place (r="B7"), inside the columns and rows an import reads
# and a grid of at most CALAMINE_MAX_CELLS, which a scan of the archive's
# XML proves first (under a second for a whole country). Anything else, the
# hostile and the unusual (cells without a place, or with attributes no
# spreadsheet program writes, ISO date cells, which calamine does not check),
# goes to openpyxl's streaming parser below.
CALAMINE_MAX_CELLS = 2_000_000  # about 64 MB of cells; a whole country is 530,000
_PREFIX = rb"(?:[A-Za-z_][\w.\-]*:)?"
# Every cell's start tag, with its place when it is written as spreadsheet
# programs write it: the place first, then only the style, type (never "d")
# and metadata attributes, so no second place; any other cell gives b"".
_CELL = re.compile(
    rb"<" + _PREFIX + rb"c(?=[\s/>])(?:\s+r\s*=\s*[\"']([A-Z]{1,3})([0-9]{1,7})[\"']"
    rb"(?:\s+(?:s|cm|vm|ph|t(?=\s*=\s*[\"'](?!d[\"'])))\s*=\s*[\"'][^\"'<>]*[\"'])*\s*/?>)?"
)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


_SCAN_BLOCK = 4 * 1024 * 1024


class _Extent:
    """How many cells (and shared strings) the scanned XML holds and how far
    they reach; `fits` turns False for good at the first cell out of bounds."""

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        self.cells = self.strings = self.last_row = 0
        self.columns: set[bytes] = set()
        self.fits = True

    def add(self, xml: bytes) -> None:
        found = _CELL.findall(xml)
        if found:
            self.cells += len(found)
            self.columns.update(column for column, _ in found)
            rows = [int(row) for _, row in found]
            self.last_row = max(self.last_row, *rows)
            # b"": a cell without its place; row 0 does not exist
            if b"" in self.columns or min(rows) < 1 or self.last_row > self.max_rows:
                self.fits = False
        # shared strings (<si>, <x:si>), counted generously
        self.strings += xml.count(b"<si") + xml.count(b":si")
        last_column = max(map(_column_number, self.columns), default=0)
        if (
            max(self.cells, self.strings, self.last_row * last_column) > CALAMINE_MAX_CELLS
            or last_column > XLSX_MAX_COLUMNS
        ):
            self.fits = False


def _calamine_can_read(content: bytes, max_rows: int) -> bool:
    """True when every cell of every part of the archive names its place, and
    the places fit the bounds above (the archive's size is checked already).
    Each part is read in blocks cut after a ">", so no tag is split but one
    with a ">" inside, which is no spreadsheet program's cell anyway."""
    extent = _Extent(max_rows)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for member in archive.infolist():
                with archive.open(member) as stream:
                    tail = b""
                    while extent.fits:
                        block = stream.read(_SCAN_BLOCK)
                        if not block:
                            extent.add(tail)
                            break
                        data = tail + block
                        cut = data.rfind(b">") + 1
                        extent.add(data[:cut])
                        tail = data[cut:]
                        if len(tail) > _SCAN_BLOCK:
                            return False  # megabytes without a tag's end
                if not extent.fits:
                    return False
    except Exception:  # damaged: openpyxl's path says so
        return False
    return extent.fits


def _calamine_cell(value) -> str:
    if type(value) is str:
        if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
            return value[1:]
        return value
    if type(value) is float:
        # calamine reads every number as a float; openpyxl read 3 as 3.
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else str(value)
    return _cell_in(value)


def _read_with_calamine(content: bytes, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception:
        raise NotASpreadsheet(_XLSX_DAMAGED) from None
    try:
        if not workbook.sheet_names:
            raise NotASpreadsheet("The XLSX file has no sheet.")
        sheet = workbook.get_sheet_by_index(0)
        # Rows come from the sheet's first row; cells from its first used column.
        offset = [""] * (sheet.start[1] if sheet.start else 0)
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            if number > max_rows:  # the scan made sure of it; kept as the guard
                raise _too_many_rows(max_rows)
            row = offset + [_calamine_cell(value) for value in cells]
            while row and row[-1] == "":
                row.pop()
            if row:
                yield number, row[:XLSX_MAX_COLUMNS]
    except NotASpreadsheet:
        raise
    except Exception:
        raise NotASpreadsheet(_XLSX_DAMAGED) from None
    finally:
        workbook.close()


def _read_with_openpyxl(content: bytes, max_rows: int) -> Iterator[tuple[int, list[str]]]:
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
