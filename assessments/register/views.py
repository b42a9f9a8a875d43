"""The partner register of a task force: who is at the table, what is signed
and what is about to expire. Read by whoever may read the task force; edited
by its coordinators and staff, through assessments/register/services.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from assessments.access import task_force_for_editing, task_force_for_user
from assessments.common.stale import StaleSaveError
from assessments.core.forms import add_service_errors
from assessments.core.models import NO_IDENTIFYING_DETAILS, TaskForce
from assessments.register import services as register
from assessments.register.forms import PartnerAgencyForm, PartnerAgencyLeaveForm
from assessments.register.models import MOU_STATE_RULE, PartnerAgency
from assessments.register.selectors import register_summary


@require_safe
def partner_register(request: HttpRequest, slug: str) -> HttpResponse:
    task_force, can_edit = task_force_for_user(request, slug)
    summary = register_summary(task_force, timezone.localdate())
    return render(
        request,
        "assessments/register/register.html",
        {
            "task_force": task_force,
            "can_edit": can_edit,
            "register": summary,
            "mou_state_rule": MOU_STATE_RULE.format(window=summary.window_days),
        },
    )


def _values(form: PartnerAgencyForm) -> dict:
    values = dict(form.cleaned_data)
    values.pop("version", None)
    return values


@require_http_methods(["GET", "HEAD", "POST"])
def partner_agency_add(request: HttpRequest, slug: str) -> HttpResponse:
    task_force = task_force_for_editing(request, slug)
    form = PartnerAgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = register.partner_agency_create(
                task_force=task_force, user=request.user, **_values(form)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Added {agency.name} to the partner register.")
            return redirect("assessments:register", slug=task_force.slug)
    return _form_page(request, task_force, form, agency=None)


@require_http_methods(["GET", "HEAD", "POST"])
def partner_agency_edit(request: HttpRequest, slug: str, agency_id: int) -> HttpResponse:
    task_force = task_force_for_editing(request, slug)
    agency = get_object_or_404(
        PartnerAgency.objects.select_related("sector", "updated_by"),
        pk=agency_id,
        task_force=task_force,
    )
    if request.method != "POST":
        return _form_page(request, task_force, PartnerAgencyForm(instance=agency), agency=agency)
    form = PartnerAgencyForm(request.POST, instance=agency)
    if form.is_valid():
        try:
            saved = register.partner_agency_update(
                agency=agency,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                **_values(form),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleSaveError as error:
            # Keep what they typed, now based on the saved version: saving
            # again knowingly replaces it.
            data = request.POST.copy()
            data["version"] = error.current.version
            form = PartnerAgencyForm(data, instance=error.current)
            return _form_page(
                request,
                task_force,
                form,
                agency=error.current,
                stale=error.message_for(request.user),
                status=409,
            )
        else:
            messages.success(request, f"Saved {saved.name}.")
            return redirect("assessments:register", slug=task_force.slug)
    return _form_page(request, task_force, form, agency=agency)


def _form_page(
    request: HttpRequest,
    task_force: TaskForce,
    form: PartnerAgencyForm,
    *,
    agency: PartnerAgency | None,
    stale: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "assessments/register/partner_agency_form.html",
        {
            "task_force": task_force,
            "form": form,
            "agency": agency,
            "stale": stale,
            "no_identifying_details": NO_IDENTIFYING_DETAILS,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def partner_agency_leave(request: HttpRequest, slug: str, agency_id: int) -> HttpResponse:
    """A confirmation naming the agency and asking the day, then the record
    that it left. It stays in the register and its history."""
    task_force = task_force_for_editing(request, slug)
    agency = get_object_or_404(PartnerAgency, pk=agency_id, task_force=task_force)
    if agency.left_on is not None:
        messages.info(request, f"{agency.name} already left the task force.")
        return redirect("assessments:register", slug=task_force.slug)
    status, stale = 200, ""
    if request.method == "POST":
        form = PartnerAgencyLeaveForm(request.POST)
        if form.is_valid():
            try:
                register.partner_agency_leave(
                    agency=agency,
                    user=request.user,
                    left_on=form.cleaned_data["left_on"],
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except StaleSaveError as error:
                data = request.POST.copy()
                data["version"] = error.current.version
                form = PartnerAgencyLeaveForm(data)
                agency, status = error.current, 409
                stale = error.message_for(request.user)
            else:
                messages.success(request, f"Recorded that {agency.name} left the task force.")
                return redirect("assessments:register", slug=task_force.slug)
    else:
        form = PartnerAgencyLeaveForm(
            initial={"left_on": timezone.localdate(), "version": agency.version}
        )
    return render(
        request,
        "assessments/register/partner_agency_leave.html",
        {"task_force": task_force, "agency": agency, "form": form, "stale": stale},
        status=status,
    )
