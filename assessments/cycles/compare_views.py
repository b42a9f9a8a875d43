"""The compare pages: one task force's two snapshots (or a snapshot and
today), as a page and as CSV; and the statewide compare of two cycles, for
program managers and staff."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assessments.access import task_force_for_user
from assessments.common.downloads import file_response, table_download
from assessments.common.pdf import render_pdf
from assessments.common.sheets import to_sheet
from assessments.common.spreadsheets import XLSX_CONTENT_TYPE
from assessments.core.progress import WORKING_STAGE_RULE
from assessments.cycles import compare as cycle_compare
from assessments.cycles import exports as plan_exports
from assessments.cycles import statewide as cycle_statewide
from assessments.cycles.models import ReviewCycle, Snapshot
from assessments.roles import is_signed_in_and_active, is_staff_or_program_manager
from taskforce_site.security import log_event

TODAY = "today"


class CompareForm(forms.Form):
    """Two moments of one task force: `a` a snapshot of it, `b` another one
    or "today". A number that is not one of its snapshots is a 404 (see
    _chosen), so another task force's snapshots are never revealed."""

    a = forms.CharField(label="Compare", max_length=20)
    b = forms.CharField(label="With", max_length=20)

    def clean_a(self) -> int:
        value = self.cleaned_data["a"].strip()
        if not value.isdigit():
            raise forms.ValidationError("Choose a submitted snapshot to compare.")
        return int(value)

    def clean_b(self) -> int | str:
        value = self.cleaned_data["b"].strip()
        if value == TODAY:
            return TODAY
        if not value.isdigit():
            raise forms.ValidationError('Choose a snapshot, or "today".')
        return int(value)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("a") is not None and data.get("a") == data.get("b"):
            raise forms.ValidationError("Choose two different moments to compare.")
        return data


def _chosen(snapshots: dict[int, Snapshot], pk: int | str) -> Snapshot | None:
    if pk == TODAY:
        return None
    if pk not in snapshots:
        raise Http404("No such snapshot of this task force")
    return snapshots[pk]


def _comparison(request: HttpRequest, slug: str):
    """(task force, its snapshots, the bound form, the comparison or None).
    Without parameters: the snapshot the report compares with, against today."""
    task_force, _ = task_force_for_user(request, slug)
    snapshots = {
        s.pk: s
        for s in Snapshot.objects.for_task_force(task_force).annotate(plan_size=Count("plan_items"))
    }
    data = request.GET
    if "a" not in data and "b" not in data:
        default = cycle_compare.snapshot_for_report(task_force) if snapshots else None
        if default is None and snapshots:
            default = next(iter(snapshots.values()))
        data = {"a": str(default.pk), "b": TODAY} if default else None
    form = CompareForm(data)
    comparison = None
    if data is not None and form.is_valid():
        before = _chosen(snapshots, form.cleaned_data["a"])
        after = _chosen(snapshots, form.cleaned_data["b"])
        comparison = cycle_compare.compare(task_force, before, after)
    return task_force, snapshots, form, comparison


def _page(request, task_force, snapshots, form, comparison, status=200) -> HttpResponse:
    return render(
        request,
        "assessments/cycles/cycle_compare.html",
        {
            "task_force": task_force,
            "snapshots": [(pk, cycle_compare.snapshot_label(s)) for pk, s in snapshots.items()],
            "plans": [
                (s, cycle_compare.snapshot_label(s)) for s in snapshots.values() if s.plan_size
            ],
            "form": form,
            "chosen_a": str(form.data.get("a", "")) if form.is_bound else "",
            "chosen_b": str(form.data.get("b", "")) if form.is_bound else TODAY,
            "comparison": comparison,
            "order_rule": cycle_compare.ORDER_RULE,
            "working_stage_rule": WORKING_STAGE_RULE,
        },
        status=status,
    )


@require_safe
def compare_page(request: HttpRequest, slug: str) -> HttpResponse:
    task_force, snapshots, form, comparison = _comparison(request, slug)
    status = 400 if form.is_bound and form.errors else 200
    return _page(request, task_force, snapshots, form, comparison, status)


@require_safe
def compare_csv(request: HttpRequest, slug: str) -> HttpResponse:
    task_force, snapshots, form, comparison = _comparison(request, slug)
    if comparison is None:
        # Bad or missing parameters: the page, with the form's errors.
        return _page(request, task_force, snapshots, form, comparison, status=400)
    log_event("export.compare", request, scope=task_force.slug, format="csv")
    rows = cycle_compare.compare_rows(comparison)
    return table_download(cycle_compare.COMPARE_COLUMNS, rows, "csv", f"{task_force.slug}-compare")


# --- Statewide ---------------------------------------------------------------


def _require_program_manager(request: HttpRequest) -> None:
    """Program managers and staff: the statewide compare is about the
    state's cycles, not one task force's."""
    if not (is_signed_in_and_active(request.user) and is_staff_or_program_manager(request.user)):
        raise PermissionDenied


class StatewideCompareForm(forms.Form):
    MOVED = [("", "All"), ("forward", "Moved forward"), ("back", "Moved back")]

    from_cycle = forms.ModelChoiceField(
        queryset=ReviewCycle.objects.none(), label="From cycle", to_field_name="pk"
    )
    to_cycle = forms.ModelChoiceField(
        queryset=ReviewCycle.objects.none(), label="To cycle", to_field_name="pk"
    )
    moved = forms.ChoiceField(choices=MOVED, required=False, label="Task forces")

    def __init__(self, *args, cycles, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_cycle"].queryset = cycles
        self.fields["to_cycle"].queryset = cycles

    def clean(self) -> dict:
        data = super().clean()
        if data.get("from_cycle") and data.get("from_cycle") == data.get("to_cycle"):
            raise forms.ValidationError("Choose two different cycles.")
        return data


STATEWIDE_PAGE_SIZE = 50


@require_safe
def statewide_compare(request: HttpRequest) -> HttpResponse:
    _require_program_manager(request)
    cycles = ReviewCycle.objects.order_by("due_on", "pk")
    cycle_list = list(cycles)
    # The request's keys are from/to; the form's are from_cycle/to_cycle.
    data = None
    if "from" in request.GET or "to" in request.GET:
        data = {
            "from_cycle": request.GET.get("from", ""),
            "to_cycle": request.GET.get("to", ""),
            "moved": request.GET.get("moved", ""),
        }
    elif len(cycle_list) >= 2:
        # The last two cycles, by due date, to start from.
        data = {"from_cycle": cycle_list[-2].pk, "to_cycle": cycle_list[-1].pk, "moved": ""}
    form = StatewideCompareForm(data, cycles=cycles)
    result = page = None
    status = 200
    if data is not None:
        if form.is_valid():
            result = cycle_statewide.compare_cycles(
                form.cleaned_data["from_cycle"], form.cleaned_data["to_cycle"]
            )
            moved = form.cleaned_data["moved"]
            rows = result.rows
            if moved:
                rows = [row for row in rows if row.direction == moved]
            page = Paginator(rows, STATEWIDE_PAGE_SIZE).get_page(request.GET.get("page"))
        else:
            status = 400
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/cycles/cycle_statewide_compare.html",
        {
            "form": form,
            "cycles": cycle_list,
            "chosen_from": str(form.data.get("from_cycle", "")) if form.is_bound else "",
            "chosen_to": str(form.data.get("to_cycle", "")) if form.is_bound else "",
            "chosen_moved": str(form.data.get("moved", "")) if form.is_bound else "",
            "result": result,
            "page": page,
            "filter_query": query.urlencode(),
            "order_rule": cycle_compare.ORDER_RULE,
            "working_stage_rule": WORKING_STAGE_RULE,
            "snapshot_rule": cycle_statewide.SNAPSHOT_RULE,
        },
        status=status,
    )


# --- Plan exports ------------------------------------------------------------


@require_safe
def plan_export(request: HttpRequest, slug: str, snapshot_id: int, fmt: str) -> HttpResponse:
    """A snapshot's plan for the next cycle as XLSX or PDF: for whoever may
    read the task force; another task force's snapshot is a 404."""
    task_force, _ = task_force_for_user(request, slug)
    snapshot = (
        Snapshot.objects.for_task_force(task_force)
        .select_related("submission__task_force")
        .filter(pk=snapshot_id)
        .first()
    )
    if snapshot is None:
        raise Http404("No such snapshot of this task force")
    plan = plan_exports.plan_for(snapshot)
    log_event("export.plan", request, scope=task_force.slug, format=fmt)
    if fmt == "pdf":
        content = render_pdf(plan_exports.plan_context(plan), "reports/plan.html")
        content_type = "application/pdf"
    else:
        content = to_sheet(
            plan_exports.PLAN_SHEET, plan_exports.plan_rows(plan), title="Plan for the next cycle"
        )
        content_type = XLSX_CONTENT_TYPE
    name = f"{task_force.slug}-plan-{snapshot.submission.cycle.due_on:%Y}-v{snapshot.number}"
    return file_response(content, content_type, f"{name}.{fmt}")
