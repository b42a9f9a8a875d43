"""The one way a page sends a spreadsheet or PDF download."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone

from assessments.common.sheets import keys, to_sheet
from assessments.common.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, to_csv


@dataclass(frozen=True)
class BuiltFile:
    """A download's bytes, type and name: what a view sends, or a job
    stores for later (assessments/core/prepared_downloads.py)."""

    content: bytes
    content_type: str
    filename: str


def file_response(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    """An attachment named `filename`, never cached: downloads hold task
    forces' data."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def built_response(built: BuiltFile) -> HttpResponse:
    return file_response(built.content, built.content_type, built.filename)


def table_file(spec, rows, fmt: str, name: str, *, title: str = "") -> BuiltFile:
    """`rows` under the columns of `spec` (Columns, or plain keys) as CSV or
    XLSX (`fmt`), named `name` and today's date: the CSV with the keys and
    codes, the XLSX for reading (common/sheets.py) on a sheet named `title`."""
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        content, content_type = to_sheet(spec, rows, title=title or name), XLSX_CONTENT_TYPE
    else:
        content, content_type = to_csv(keys(spec), rows), CSV_CONTENT_TYPE
    return BuiltFile(content, content_type, f"{name}-{stamp}.{fmt}")


def table_download(spec, rows, fmt: str, name: str, *, title: str = "") -> HttpResponse:
    return built_response(table_file(spec, rows, fmt, name, title=title))
