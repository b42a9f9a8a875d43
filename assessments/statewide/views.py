"""The statewide pages: matrix, gaps and reports (HTML and PDF)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from assessments.access import task_force_for_user
from assessments.common.downloads import file_response
from assessments.common.pdf import render_pdf
from assessments.core import page_cache
from assessments.core.filters import SORTS, GapsFilters, MatrixFilters, ReportFilters
from assessments.core.models import Status, TaskForce
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
        stamp = timezone.localdate().isoformat()
        pdf = render_pdf(context)
        return file_response(pdf, "application/pdf", f"{name}-report-{stamp}.pdf")
    return render(request, "reports/report.html", context)


@require_safe
def statewide_report(request: HttpRequest) -> HttpResponse:
    task_forces = TaskForce.objects.visible_to(request.user)
    regions = overview.regions(task_forces)
    region = ReportFilters(request.GET).values()["region"]
    # A region nobody visible is in makes no appendix, as if none were chosen.
    region = region if region in regions else ""
    summary = None
    if can_read_all_task_forces(request.user):
        summary = page_cache.cached_statewide(
            "report-summary", lambda: reports.statewide_summary(TaskForce.objects.all())
        )
    context = reports.report_context(
        task_forces=task_forces, summary=True, region=region, built_summary=summary
    )
    # The region in the file name: a summary and an appendix saved side by
    # side must not look like two copies of one file.
    name = f"statewide-{slugify(region)}" if region else "statewide"
    return _report_response(request, {**context, "regions": regions}, name)


@require_safe
def task_force_report(request: HttpRequest, slug: str) -> HttpResponse:
    task_force, _ = task_force_for_user(request, slug)
    context = reports.report_context(
        task_forces=TaskForce.objects.filter(pk=task_force.pk), summary=False
    )
    return _report_response(request, context, task_force.slug)
