"""The report pack's pages: statewide (program managers and staff) and a task
force's own (its readers; unsuppressed only for those who may edit it). Each
as a page, PDF, CSV or XLSX (?format=).

A suppressed pack is suppressed over every task force of the state, whatever
it shows (so two packs cannot be set against each other): above
REPORT_PACK_INLINE_MAX_TASK_FORCES that is a job's work, a prepared download
the person waits for on its own page, in the format asked for."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe
from django_tasks import task

from assessments.access import task_force_for_user
from assessments.common.downloads import BuiltFile, built_response
from assessments.common.pdf import render_pdf
from assessments.common.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from assessments.common.suppression import default_threshold
from assessments.core import prepared_downloads
from assessments.core.models import TaskForce
from assessments.core.prepared_downloads import PreparedDownload
from assessments.pages import report_pack
from assessments.roles import can_read_all_task_forces

TEMPLATE = "assessments/pages/report_pack.html"
CHOOSE_TEMPLATE = "assessments/pages/report_pack_choose.html"
FORMATS = ("html", "pdf", "csv", "xlsx")


def _period(request: HttpRequest) -> tuple[report_pack.Period, str | None]:
    """The asked period, else the current half-year with a note why."""
    asked = request.GET.get("period", "")
    if not asked:
        return report_pack.half_year_of(timezone.localdate()), None
    try:
        return report_pack.parse_period(asked), None
    except ValueError as error:
        return report_pack.half_year_of(timezone.localdate()), str(error)


def _period_text(request: HttpRequest, period: report_pack.Period, error: str | None) -> str:
    """The period as parse_period reads it again in the job (a date range's
    label is for reading, not parsing)."""
    return period.label if period.calendar or error else request.GET["period"].strip()


def _threshold(request: HttpRequest) -> int:
    """The setting; a request may raise it, never lower it."""
    threshold = default_threshold()
    asked = request.GET.get("threshold", "")
    if asked.isdigit() and threshold < int(asked) <= 1000:
        threshold = int(asked)
    return threshold


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "html")
    return fmt if fmt in FORMATS else "html"


def _is_large(threshold: int | None, state_size: int) -> bool:
    """A suppressed pack, in a state of more task forces than a request may
    suppress over."""
    return threshold is not None and state_size > settings.REPORT_PACK_INLINE_MAX_TASK_FORCES


def _choose(request: HttpRequest, period, threshold: int, **context) -> HttpResponse:
    """What to prepare (period, rows, format), asked before a job starts."""
    # Packs take a while: the ones asked for before are found here again.
    recent = PreparedDownload.objects.recent_for(
        request.user, kind=PreparedDownload.Kind.REPORT_PACK
    )
    context = {"period": period, "threshold": threshold, "recent": recent, **context}
    return render(request, CHOOSE_TEMPLATE, context)


def _prepare(
    request: HttpRequest, parameters: dict, task_force_count: int, error: str | None
) -> HttpResponse:
    if error:
        # The waiting page says why it is not the period asked for.
        messages.warning(request, f"{error} Preparing {parameters['period']} instead.")
    download = prepared_downloads.prepare(
        user=request.user,
        kind=PreparedDownload.Kind.REPORT_PACK,
        parameters=parameters,
        task_force_count=task_force_count,
        task=prepare_report_pack,
    )
    return redirect(download)


@require_safe
def statewide_pack(request: HttpRequest) -> HttpResponse:
    if not can_read_all_task_forces(request.user):
        raise PermissionDenied
    period, error = _period(request)
    regions = report_pack.region_names()
    region = request.GET.get("region") or None
    if region not in regions:
        region = None
    by = report_pack.REGIONS if request.GET.get("by") == "region" and not region else None
    threshold = _threshold(request)
    state_size = TaskForce.objects.count()
    if _is_large(threshold, state_size):
        if "period" not in request.GET:
            return _choose(request, period, threshold, regions=regions)
        parameters = {
            "format": _format(request),
            "period": _period_text(request, period, error),
            "threshold": threshold,
            "region": region or "",
            "by": by or "",
        }
        return _prepare(request, parameters, state_size, error)
    pack = report_pack.build_pack(
        period,
        threshold=threshold,
        region=region,
        by=by or report_pack.TASK_FORCES,
        generated_on=timezone.localdate(),
    )
    context = {"pack": pack, "error": error, "regions": regions, "region": region, "by": by}
    return _respond(request, pack, context, "statewide")


@require_safe
def task_force_pack(request: HttpRequest, slug: str) -> HttpResponse:
    task_force, can_edit = task_force_for_user(request, slug)
    period, error = _period(request)
    # Its own numbers, unsuppressed, for those who keep them; for anyone else
    # they leave the task force.
    threshold = None if can_edit else _threshold(request)
    if _is_large(threshold, TaskForce.objects.count()):
        if "period" not in request.GET:
            return _choose(request, period, threshold, task_force=task_force)
        parameters = {
            "format": _format(request),
            "period": _period_text(request, period, error),
            "threshold": threshold,
            "task_force": task_force.pk,
        }
        return _prepare(request, parameters, 1, error)
    pack = report_pack.build_pack(
        period, threshold=threshold, task_force=task_force, generated_on=timezone.localdate()
    )
    context = {"pack": pack, "error": error, "task_force": task_force}
    return _respond(request, pack, context, task_force.slug)


def _filename(pack, name: str) -> str:
    return f"report-pack-{name}-{pack.period.label.replace(' ', '_')}"


def _file_context(pack, context: dict) -> dict:
    context["definitions"] = report_pack.MEASURES
    context["legend"] = report_pack.legend(pack.threshold) if pack.threshold else None
    return context


def _built(pack, context: dict, name: str, fmt: str) -> BuiltFile:
    """The pack as a file: CSV, XLSX, PDF, or (for a job) the page alone."""
    filename = _filename(pack, name)
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(report_pack.pack_csv_rows(pack))
        return BuiltFile(buffer.getvalue().encode(), CSV_CONTENT_TYPE, f"{filename}.csv")
    if fmt == "xlsx":
        return BuiltFile(_xlsx(pack), XLSX_CONTENT_TYPE, f"{filename}.xlsx")
    if fmt == "pdf":
        pdf = render_pdf({**context, "pdf": True}, template="reports/report_pack.html")
        return BuiltFile(pdf, "application/pdf", f"{filename}.pdf")
    html = render_to_string("reports/report_pack.html", context)
    return BuiltFile(html.encode(), "text/html; charset=utf-8", f"{filename}.html")


def _respond(request, pack, context, name) -> HttpResponse:
    fmt = _format(request)
    _file_context(pack, context)
    if fmt == "html":
        return render(request, TEMPLATE, context)
    return built_response(_built(pack, context, name, fmt))


def _build_prepared_pack(download: PreparedDownload, progress) -> tuple[BuiltFile, list[int]]:
    # What the person may read now, not when they asked.
    user, parameters = download.user, download.parameters
    period = report_pack.parse_period(parameters["period"])
    threshold = max(int(parameters["threshold"]), default_threshold())
    pk = parameters.get("task_force")
    if pk is not None:
        task_force = TaskForce.objects.visible_to(user).filter(pk=pk).first()
        if task_force is None:
            raise PermissionDenied("The task force is no longer readable.")
        covered, name, scope = [task_force.pk], task_force.slug, {"task_force": task_force}
    else:
        if not can_read_all_task_forces(user):
            raise PermissionDenied("No longer reads every task force.")
        covered = list(TaskForce.objects.values_list("pk", flat=True))
        regions = report_pack.region_names()
        region = parameters.get("region") or None
        region = region if region in regions else None
        by = report_pack.REGIONS if parameters.get("by") and not region else report_pack.TASK_FORCES
        name, scope = "statewide", {"region": region, "by": by}
    progress(f"Reading {len(covered):,} task forces…" if pk is None else "Reading the task forces…")
    pack = report_pack.build_pack(
        period,
        threshold=threshold,
        generated_on=timezone.localdate(),
        progress=progress,
        **scope,
    )
    fmt = download.format if download.format in FORMATS else "html"
    progress("Laying out the pages…" if fmt in ("html", "pdf") else "Writing the file…")
    context = _file_context(pack, {"pack": pack, "prepared": True})
    return _built(pack, context, name, fmt), covered


@task()
def prepare_report_pack(download_id: int) -> None:
    """The job of a suppressed report pack in a large state."""
    prepared_downloads.run(download_id, _build_prepared_pack)


def _xlsx(pack) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Report pack")
    for row in report_pack.pack_csv_rows(pack):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
