"""The statewide pages: matrix, gaps and reports (HTML and PDF)."""

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe
from django_tasks import task

from assessments.access import task_force_for_user
from assessments.common.downloads import BuiltFile, built_response
from assessments.common.pdf import render_pdf
from assessments.core import page_cache, prepared_downloads
from assessments.core.filters import SORTS, GapsFilters, MatrixFilters, ReportFilters
from assessments.core.models import Status, TaskForce
from assessments.core.prepared_downloads import PreparedDownload
from assessments.core.selectors import EVIDENCE_CHECKED
from assessments.roles import can_read_all_task_forces
from assessments.statewide import overview, reports
from stages.models import Stage
from taskforce_site.security import log_event


@require_safe
def matrix(request: HttpRequest) -> HttpResponse:
    task_forces = TaskForce.objects.visible_to(request.user)
    filters = MatrixFilters(request.GET).values()
    data = overview.matrix(
        task_forces,
        region=filters["region"],
        stage_slug=filters["stage"],
        sort=filters["sort"],
        page_number=request.GET.get("page"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/statewide/overview_matrix.html",
        {
            "matrix": data,
            "filters": filters,
            "regions": overview.regions(task_forces),
            "stages": Stage.objects.order_by("order"),
            "sorts": SORTS,
            "letters": _legend(),
            "filter_query": query.urlencode(),
        },
    )


def _legend() -> list[tuple[str, str, str]]:
    """(class, label, letter) of each cell kind: the statuses, with "achieved
    with checked evidence" beside achieved."""
    legend = []
    for status in Status:
        legend.append((status.value, status.label, status.letter))
        if status == Status.ACHIEVED:
            value, letter, label = EVIDENCE_CHECKED
            legend.append((value, label, letter))
    return legend


@require_safe
def gaps(request: HttpRequest) -> HttpResponse:
    task_forces = TaskForce.objects.visible_to(request.user)
    region = GapsFilters(request.GET).values()["region"]
    sees_all = can_read_all_task_forces(request.user)
    if sees_all:
        # An aggregate over every status, the same for all who see them all.
        count, milestone_gaps = page_cache.cached_statewide(
            "gaps-all", lambda: overview.gaps(TaskForce.objects.all(), region=region), region
        )
    else:
        count, milestone_gaps = overview.gaps(task_forces, region=region)
    # Counties nobody serves are statewide information: for those who see
    # every task force.
    uncovered = overview.uncovered_counties() if sees_all else None
    county_list = overview.county_list() if sees_all else None
    return render(
        request,
        "assessments/statewide/overview_gaps.html",
        {
            "count": count,
            "gaps": milestone_gaps,
            "without_evidence": sum(gap.achieved_without_evidence for gap in milestone_gaps),
            "region": region,
            "regions": overview.regions(task_forces),
            "uncovered": uncovered,
            "county_list": county_list,
        },
    )


def _report_response(request: HttpRequest, context: dict, name: str) -> HttpResponse:
    if request.GET.get("format") == "pdf":
        log_event("report.pdf", request, report=name)
        return built_response(_report_pdf(context, name))
    return render(request, "reports/report.html", context)


def _report_pdf(context: dict, name: str) -> BuiltFile:
    stamp = timezone.localdate().isoformat()
    return BuiltFile(render_pdf(context), "application/pdf", f"{name}-report-{stamp}.pdf")


def _statewide_context(
    user, task_forces: QuerySet[TaskForce], regions: list[str], region: str
) -> tuple[dict, str]:
    """The statewide report of `task_forces` (those `user` may read), with
    the appendix of `region`, and its file name: for the page, its PDF in
    the request and a prepared PDF alike."""
    summary = None
    if can_read_all_task_forces(user):
        summary = page_cache.cached_statewide(
            "report-summary", lambda: reports.statewide_summary(TaskForce.objects.all())
        )
    context = reports.report_context(
        task_forces=task_forces, summary=True, region=region, built_summary=summary
    )
    # The region in the file name: a summary and an appendix saved side by
    # side must not look like two copies of one file.
    name = f"statewide-{slugify(region)}" if region else "statewide"
    return {**context, "regions": regions}, name


def _report_html(context: dict, name: str) -> BuiltFile:
    """The report page as a file, without its appendix menu (whose links
    are the live page's)."""
    stamp = timezone.localdate().isoformat()
    html = render_to_string("reports/report.html", {**context, "prepared": True})
    return BuiltFile(html.encode(), "text/html; charset=utf-8", f"{name}-report-{stamp}.html")


def _build_prepared_report(download: PreparedDownload, progress) -> tuple[BuiltFile, list[int]]:
    # What the person may read now, not when they asked: a task force taken
    # from them since is left out (and a region they no longer see, too).
    task_forces = TaskForce.objects.visible_to(download.user)
    covered = list(task_forces.values_list("pk", flat=True))
    regions = overview.regions(task_forces)
    region = download.parameters.get("region", "")
    region = region if region in regions else ""
    progress(f"Reading {len(covered):,} task forces…")
    context, name = _statewide_context(download.user, task_forces, regions, region)
    if download.format == "html":
        return _report_html(context, name), covered
    progress("Laying out the pages…")
    return _report_pdf(context, name), covered


@task()
def prepare_statewide_report(download_id: int) -> None:
    """The job of a statewide report over many task forces."""
    prepared_downloads.run(download_id, _build_prepared_report)


def _report_size(task_forces: QuerySet[TaskForce], region: str, fmt: str) -> int:
    """The task forces that make a statewide report slow: for the PDF, all
    of them (WeasyPrint lays out the summary of each, then the appendix);
    for the page, those of the appendix (its summary is cached)."""
    if fmt == "pdf":
        return task_forces.count()
    return task_forces.filter(region=region).count() if region else 0


@require_safe
def statewide_report(request: HttpRequest) -> HttpResponse:
    task_forces = TaskForce.objects.visible_to(request.user)
    regions = overview.regions(task_forces)
    region = ReportFilters(request.GET).values()["region"]
    # A region nobody visible is in makes no appendix, as if none were chosen.
    region = region if region in regions else ""
    fmt = "pdf" if request.GET.get("format") == "pdf" else "html"
    count = _report_size(task_forces, region, fmt)
    if prepared_downloads.is_large(count):
        log_event("report.prepared", request, report="statewide", region=region, format=fmt)
        download = prepared_downloads.prepare(
            user=request.user,
            kind=PreparedDownload.Kind.STATEWIDE_REPORT,
            parameters={"format": fmt, "region": region},
            task_force_count=task_forces.count() if fmt == "html" else count,
            task=prepare_statewide_report,
        )
        return redirect(download)
    context, name = _statewide_context(request.user, task_forces, regions, region)
    return _report_response(request, context, name)


@require_safe
def task_force_report(request: HttpRequest, slug: str) -> HttpResponse:
    task_force, _ = task_force_for_user(request, slug)
    context = reports.report_context(
        task_forces=TaskForce.objects.filter(pk=task_force.pk), summary=False
    )
    return _report_response(request, context, task_force.slug)
