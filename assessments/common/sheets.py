"""The XLSX a person opens in Excel, built from the same rows as the CSV.

An export is described once, as a list of Columns: the CSV writes each
row's `key` under the key (codes, ISO dates: what the import documents and
scripts read); the XLSX writes the same rows under the label, with choice
codes as their labels, dates and times as Excel dates in the site's time
zone, people by name, column widths, a frozen header row and a filter. The
imports map the labels back (`header_keys`, and each import's own reading
of choice labels and dates), so either file imports unchanged.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from assessments.common.people import person_name
from assessments.common.spreadsheets import cell_out

TEXT = "text"
NUMBER = "number"
DATE = "date"
DATETIME = "datetime"
DATE_FORMAT = "d mmm yyyy"
DATETIME_FORMAT = "d mmm yyyy hh:mm"
# Excel's own limit on a sheet's name, and the characters it refuses in one.
SHEET_TITLE_MAX = 31
_TITLE_REFUSED = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """One column of an export: `key` in the CSV (and the row dicts),
    `label` in the XLSX's header, `width` in Excel's characters."""

    key: str
    label: str
    width: float = 16
    kind: str = TEXT
    # code -> label for a column of choice codes; a value not in it is shown as is.
    choices: Mapping[str, str] | None = None
    # The row's key the XLSX shows instead of `key` (a person's full name
    # where the CSV has the username, say); the CSV never reads it.
    source: str | None = None

    def xlsx_value(self, row: Mapping):
        value = row.get(self.source or self.key)
        if value is None or value == "":
            return None
        if self.choices is not None:
            value = self.choices.get(value, value)
        if self.kind == DATETIME and isinstance(value, datetime.datetime):
            # Excel has no time zones: the site's local time, as pages show it.
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.replace(tzinfo=None, microsecond=0)
        if self.kind == DATE and isinstance(value, datetime.datetime):
            return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        if self.kind in (DATE, DATETIME) and isinstance(value, datetime.date):
            return value
        return cell_out(value)


def choices_of(text_choices) -> dict[str, str]:
    """A TextChoices class as the code -> label map a Column takes."""
    return {choice.value: choice.label for choice in text_choices}


def columns(spec: Sequence[Column | str]) -> list[Column]:
    """`spec` with plain keys (a CSV-only export) as Columns labelled by their key."""
    return [item if isinstance(item, Column) else Column(item, item) for item in spec]


def keys(spec: Sequence[Column | str]) -> list[str]:
    return [column.key for column in columns(spec)]


def header_keys(spec: Sequence[Column]) -> dict[str, str]:
    """What an import reads back: each column's label (in any case) -> its key."""
    return {column.label.strip().lower(): column.key for column in spec}


def sheet_title(text: str) -> str:
    """`text` as a sheet name Excel takes: none of []:*?/\\, at most 31
    characters, cut at a word with an ellipsis rather than mid-word."""
    text = re.sub(r"\s+", " ", _TITLE_REFUSED.sub(" ", text)).strip().strip("'") or "Sheet"
    if len(text) <= SHEET_TITLE_MAX:
        return text
    cut = text[: SHEET_TITLE_MAX - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;-–") + "…"


def to_sheet(spec: Sequence[Column | str], rows: Iterable[Mapping], *, title: str) -> bytes:
    """`rows` as an XLSX of one sheet named `title`, streamed (write-only: a
    whole country's statuses never sit in memory as cells). The widths and
    the frozen header go before the first row, as write-only mode needs;
    the filter's range is written when the sheet is closed."""
    spec = columns(spec)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    for number, column in enumerate(spec, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in spec:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [
        DATE_FORMAT if c.kind == DATE else DATETIME_FORMAT if c.kind == DATETIME else None
        for c in spec
    ]
    count = 0
    for row in rows:
        values = []
        for column, number_format in zip(spec, formats, strict=True):
            value = column.xlsx_value(row)
            if number_format is not None and isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                value = cell
            values.append(value)
        sheet.append(values)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(spec), 1))}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def person(user, stored_name: str = "") -> str:
    """Who, as the XLSX names them: the account's name (common/people.py),
    or the name kept with the record once the account is gone."""
    if user is None:
        return stored_name
    return person_name(user)
