"""The one way a page sends a spreadsheet or PDF download."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone

from assessments.common.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, to_csv, to_xlsx


def file_response(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    """An attachment named `filename`, never cached: downloads hold task
    forces' data."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def table_download(columns, rows, fmt: str, name: str) -> HttpResponse:
    """`rows` under `columns` as CSV or XLSX (`fmt`), named `name` and today's date."""
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        content, content_type = to_xlsx(columns, rows, title=name), XLSX_CONTENT_TYPE
    else:
        content, content_type = to_csv(columns, rows), CSV_CONTENT_TYPE
    return file_response(content, content_type, f"{name}-{stamp}.{fmt}")
