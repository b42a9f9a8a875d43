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
from collections.abc import Iterable, Sequence

from openpyxl import Workbook, load_workbook

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


def read_table(content: bytes) -> list[list[str]]:
    """The rows of an uploaded CSV or XLSX file (first row: the header), as
    text. Raises NotASpreadsheet for anything else."""
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotASpreadsheet("The file is neither a CSV file in UTF-8 nor an XLSX file.") from None
    if "\x00" in text:
        raise NotASpreadsheet("The file is neither a CSV file nor an XLSX file.")
    try:
        return [[_cell_in(cell) for cell in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        raise NotASpreadsheet(f"The CSV file cannot be read: {error}.") from None


def _read_xlsx(content: bytes) -> list[list[str]]:
    try:
        # read_only streams the sheet; openpyxl parses the XML with defusedxml
        # when it is installed (it is, in requirements.txt).
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise NotASpreadsheet(f"The XLSX file cannot be read ({error}).") from None
    try:
        sheet = workbook.worksheets[0]
        return [
            [_cell_in(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
            if any(cell not in (None, "") for cell in row)
        ]
    finally:
        workbook.close()
