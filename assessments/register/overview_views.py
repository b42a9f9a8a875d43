"""The statewide partner register pages: for those who read every task force
(staff and program managers). Anyone else signed in gets 403: a coordinator's
own register is on their task force's pages, and these pages are about the
whole state."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assessments.core import page_cache, selectors
from assessments.core.filters import GapsFilters
from assessments.core.models import TaskForce
from assessments.register import overview as register_overview
from assessments.register.models import MOU_STATE_RULE
from assessments.roles import can_read_all_task_forces


class MouFilters(GapsFilters):
    show = forms.ChoiceField(
        required=False, choices=[("expiring", "Expiring"), ("expired", "Expired")], initial=""
    )


def _require_statewide_reader(request: HttpRequest) -> None:
    if not can_read_all_task_forces(request.user):
        raise PermissionDenied


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_safe
def sector_matrix(request: HttpRequest) -> HttpResponse:
    _require_statewide_reader(request)
    region = GapsFilters(request.GET).values()["region"]
    task_forces = TaskForce.objects.all()
    data = register_overview.sector_matrix(
        task_forces, region=region, page_number=request.GET.get("page")
    )
    return render(
        request,
        "assessments/register/register_sector_matrix.html",
        {
            "matrix": data,
            "region": region,
            "regions": selectors.regions(task_forces),
            "presences": register_overview.PRESENCES,
            "filter_query": _query_without_page(request),
            "window_days": settings.REGISTER_EXPIRY_WINDOW_DAYS,
        },
    )


@require_safe
def mous_due(request: HttpRequest) -> HttpResponse:
    _require_statewide_reader(request)
    filters = MouFilters(request.GET).values()
    region, show = filters["region"], filters["show"] or "expiring"
    # Built from every agency of the state: kept until any task force's
    # register (or anything else of it) changes, or the day changes.
    lists = page_cache.cached_statewide(
        "register-mous-due", lambda: register_overview.mous_due(region=region), region
    )
    shown = lists.expiring if show == "expiring" else lists.expired
    return render(
        request,
        "assessments/register/register_mous_due.html",
        {
            "lists": lists,
            "show": show,
            "page": register_overview.page_of(shown, request.GET.get("page")),
            "region": region,
            "regions": selectors.regions(TaskForce.objects.all()),
            "filter_query": _query_without_page(request),
            "mou_state_rule": MOU_STATE_RULE.format(window=lists.window_days),
        },
    )


@require_safe
def sector_gaps(request: HttpRequest) -> HttpResponse:
    _require_statewide_reader(request)
    region = GapsFilters(request.GET).values()["region"]
    count, gaps = page_cache.cached_statewide(
        "register-sector-gaps", lambda: register_overview.sector_gaps(region=region), region
    )
    return render(
        request,
        "assessments/register/register_sector_gaps.html",
        {
            "count": count,
            "gaps": gaps,
            "region": region,
            "regions": selectors.regions(TaskForce.objects.all()),
        },
    )
