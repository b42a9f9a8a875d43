"""The dashboard: what waits for the person, then the task forces they may
read, filtered by name and region when there are many."""

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from assessments.core import page_cache
from assessments.core.progress import WORKING_STAGE_RULE, progress_for
from assessments.models import TaskForce, can_import_statuses
from assessments.pages.attention import menu_counts, needs_attention

DASHBOARD_PAGE_SIZE = 50
# More task forces than this on someone's dashboard: it offers a filter.
DASHBOARD_FILTER_FROM = 10


class DashboardFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, strip=True)
    region = forms.CharField(required=False, max_length=100, strip=True)


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    # Only ids and revisions: the list below is cached on them, so a request
    # that finds it cached reads nothing else.
    visible = TaskForce.objects.visible_to(request.user)
    # A filter by name and region for those who see many task forces. A
    # value the form refuses (a NUL character, say) filters nothing.
    filters = DashboardFilterForm(request.GET)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    name, region = cleaned.get("q", ""), cleaned.get("region", "")
    shown = visible
    if name:
        shown = shown.filter(name__icontains=name)
    if region:
        shown = shown.filter(region=region)
    page = Paginator(shown.values_list("pk", "revision"), DASHBOARD_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    filtering = bool(name or region)
    # Unfiltered, the paginator counted every task force the person sees.
    offers_filter = filtering or page.paginator.count > DASHBOARD_FILTER_FROM
    can_import = can_import_statuses(request.user)

    def build_list() -> str:
        by_pk = TaskForce.objects.prefetch_related("areas").in_bulk(
            [pk for pk, _ in page.object_list]
        )
        task_forces = [by_pk[pk] for pk, _ in page.object_list if pk in by_pk]
        progress = progress_for(task_forces)
        return render_to_string(
            "assessments/pages/_dashboard_list.html",
            {
                "page": page,
                "cards": [(tf, progress[tf.pk]) for tf in task_forces],
                "can_import": can_import,
                "query": query,
            },
        )

    counts = menu_counts(request.user)
    # The pager keeps the filter.
    query = urlencode({key: value for key, value in (("q", name), ("region", region)) if value})
    key = page_cache.revisions_key(
        "dashboard", page.object_list, page.number, page.paginator.count, can_import, query
    )
    return render(
        request,
        "assessments/pages/dashboard.html",
        {
            "attention": [
                group
                for group in needs_attention(request.user, coordinates=bool(counts.coordinated))
                if group.items
            ],
            # Read once: the menu's counts also say whether they coordinate.
            "menu_counts": counts,
            "has_task_forces": bool(page.object_list),
            "filtering": filtering,
            "offers_filter": offers_filter,
            "name": name,
            "region": region,
            # Read whether or not the filter is offered: one query either way,
            # so the page's count does not depend on how many there are.
            "regions": list(
                visible.exclude(region="")
                .order_by("region")
                .values_list("region", flat=True)
                .distinct()
            ),
            "task_force_list": page_cache.cached(key, build_list),
            "working_stage_rule": WORKING_STAGE_RULE,
        },
    )
