"""A task force's activity log: read by whoever may read the task force,
edited by its coordinators and staff through assessments/activity/services.py.
The statewide view by region is for those who read every task force."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from assessments.access import task_force_for_editing, task_force_for_user
from assessments.activity import selectors, services
from assessments.activity import statewide as activity_statewide
from assessments.activity.forms import ActivityEntryForm, initial_from
from assessments.activity.models import ActivityEntry, Measure
from assessments.common.stale import StaleSaveError
from assessments.common.suppression import default_threshold
from assessments.core import selectors as core_selectors
from assessments.core.filters import GapsFilters
from assessments.core.forms import add_service_errors
from assessments.core.models import TaskForce
from assessments.roles import can_read_all_task_forces

PAGE_SIZE = 50


@require_safe
def activity_log(request: HttpRequest, slug: str) -> HttpResponse:
    task_force, can_edit = task_force_for_user(request, slug)
    today = timezone.localdate()
    page = Paginator(selectors.log_entries(task_force), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/activity/log.html",
        {
            "task_force": task_force,
            "can_edit": can_edit,
            "page": page,
            "recent": selectors.recent_activity(task_force, today),
            "changes": selectors.recent_changes(task_force),
        },
    )


def _entry(task_force: TaskForce, entry_id: int) -> ActivityEntry:
    """An entry of this task force's log; another task force's is a 404."""
    return get_object_or_404(
        ActivityEntry.objects.select_related("updated_by"), pk=entry_id, task_force=task_force
    )


def _form(request: HttpRequest, *, data=None, initial=None, editing: bool) -> ActivityEntryForm:
    return ActivityEntryForm(
        data,
        initial=initial,
        sectors=selectors.sectors(),
        milestones=selectors.milestone_choices(),
        editing=editing,
        today=timezone.localdate(),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def activity_add(request: HttpRequest, slug: str) -> HttpResponse:
    """A new entry; with ?like=<id>, prefilled from that entry and dated
    today ("add another like this", for recurring meetings)."""
    task_force = task_force_for_editing(request, slug)
    like = None
    if request.method != "POST" and request.GET.get("like", "").isdigit():
        like = _entry(task_force, int(request.GET["like"]))
    if request.method == "POST":
        form = _form(request, data=request.POST, editing=False)
        if form.is_valid():
            try:
                entry = services.activity_entry_create(
                    task_force=task_force, user=request.user, **form.service_values()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Logged \u201c{entry.title}\u201d.")
                return redirect("assessments:activity_log", slug=task_force.slug)
        status = 400
    else:
        # Most entries are logged the day they happen: one field fewer.
        initial = {"date": timezone.localdate()}
        if like is not None:
            initial = initial_from(
                like, services.entry_counts(like), copy=True, today=timezone.localdate()
            )
        form = _form(request, initial=initial, editing=False)
        status = 200
    return _form_page(request, task_force, form, entry=None, like=like, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def activity_edit(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    task_force = task_force_for_editing(request, slug)
    entry = _entry(task_force, entry_id)
    if request.method != "POST":
        initial = initial_from(
            entry, services.entry_counts(entry), copy=False, today=timezone.localdate()
        )
        return _form_page(
            request, task_force, _form(request, initial=initial, editing=True), entry=entry
        )
    form = _form(request, data=request.POST, editing=True)
    if form.is_valid():
        try:
            saved = services.activity_entry_update(
                entry=entry,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleSaveError as error:
            # Keep what they typed, now based on the saved version: saving
            # again knowingly replaces it.
            data = request.POST.copy()
            data["version"] = error.current.version
            return _form_page(
                request,
                task_force,
                _form(request, data=data, editing=True),
                entry=error.current,
                stale=error.message_for(request.user),
                status=409,
            )
        else:
            messages.success(request, f"Saved \u201c{saved.title}\u201d.")
            return redirect("assessments:activity_log", slug=task_force.slug)
    return _form_page(request, task_force, form, entry=entry, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
def activity_remove(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    """A confirmation naming the entry, then its removal (its history stays)."""
    task_force = task_force_for_editing(request, slug)
    entry = _entry(task_force, entry_id)
    stale, status = "", 200
    if request.method == "POST":
        version = request.POST.get("version", "")
        try:
            services.activity_entry_remove(
                entry=entry,
                user=request.user,
                expected_version=int(version) if version.isdigit() else -1,
            )
        except StaleSaveError as error:
            entry, stale, status = error.current, error.message_for(request.user), 409
        else:
            messages.success(request, f"Removed \u201c{entry.title}\u201d from the activity log.")
            return redirect("assessments:activity_log", slug=task_force.slug)
    return render(
        request,
        "assessments/activity/remove.html",
        {"task_force": task_force, "entry": entry, "stale": stale},
        status=status,
    )


def _form_page(
    request: HttpRequest,
    task_force: TaskForce,
    form: ActivityEntryForm,
    *,
    entry: ActivityEntry | None,
    like: ActivityEntry | None = None,
    stale: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "assessments/activity/entry_form.html",
        {
            "task_force": task_force,
            "form": form,
            "entry": entry,
            "like": like,
            "stale": stale,
            "measures": Measure.choices,
        },
        status=status,
    )


@require_safe
def activity_statewide_view(request: HttpRequest) -> HttpResponse:
    """Entries and people by region and kind, suppressed: for staff and
    program managers (403 for anyone else signed in)."""
    if not can_read_all_task_forces(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    region = GapsFilters(request.GET).values()["region"]
    period = activity_statewide.parse_period(request.GET.get("period"), today)
    threshold = default_threshold()
    # A run may raise the threshold, never lower it.
    asked = request.GET.get("threshold", "")
    if asked.isdigit() and threshold < int(asked) <= 1000:
        threshold = int(asked)
    data = activity_statewide.activity_by_region(period, threshold, region=region)
    return render(
        request,
        "assessments/activity/statewide.html",
        {
            "data": data,
            "region": region,
            "regions": core_selectors.regions(TaskForce.objects.all()),
            "periods": activity_statewide.period_choices(today),
        },
    )
