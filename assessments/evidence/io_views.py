"""The evidence export (CSV, XLSX): metadata of the evidence of one task
force, or of every task force the user may read."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from assessments.access import export_scope
from assessments.common.downloads import table_download
from assessments.evidence.exports import EVIDENCE_SHEET, evidence_rows
from taskforce_site.security import log_event


@require_safe
def export_evidence(request: HttpRequest, fmt: str, slug: str | None = None) -> HttpResponse:
    name, scope = export_scope(request, slug)
    log_event("export.evidence", request, scope=name, format=fmt)
    return table_download(
        EVIDENCE_SHEET, evidence_rows(scope), fmt, f"{name}-evidence", title="Evidence"
    )
