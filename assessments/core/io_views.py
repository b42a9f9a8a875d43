"""The status spreadsheet import: check, preview, apply. (The exports are
the task force page's: assessments/pages/exports.py.)"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.common import importing as import_flow
from assessments.core import importing
from assessments.core.models import ImportBatch, Status, TaskForce
from assessments.roles import can_import_statuses
from stages.models import Milestone
from taskforce_site.security import log_event


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (CSV or XLSX)",
        help_text="The layout of an export: start from one, change the status, lead_partner, "
        "target_date and notes columns, and upload it. Other columns are ignored.",
    )


def _require_importer(request: HttpRequest) -> None:
    if not can_import_statuses(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, stopped_at = [], None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Read one byte past the limit, so a too-large file is recognised
        # without reading all of it.
        content = upload.read(import_flow.MAX_FILE_BYTES + 1)
        check = importing.check_file(content=content, user=request.user)
        if check.ok:
            batch = importing.save_plan(check=check, user=request.user, filename=upload.name)
            log_event("import.checked", request, batch=batch.pk, changes=len(batch.changes))
            return redirect("assessments:import_preview", pk=batch.pk)
        errors, stopped_at = check.errors, check.stopped_at
        log_event("import.refused", request, problems=len(errors))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "assessments/core/import.html",
        {"form": form, "errors": errors, "stopped_at": stopped_at},
        status=status,
    )


def _get_batch(request: HttpRequest, pk: int) -> ImportBatch:
    # Another user's import is somebody else's business: 404; so is a
    # register import (assessments/register/io_views.py has its own pages).
    return get_object_or_404(
        ImportBatch, pk=pk, created_by=request.user, kind=ImportBatch.Kind.STATUSES
    )


@require_safe
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get_batch(request, pk)
    task_forces = TaskForce.objects.in_bulk([c["task_force"] for c in batch.changes])
    milestones = Milestone.objects.in_bulk([c["milestone"] for c in batch.changes])
    labels = {choice.value: choice.label for choice in Status}
    rows = [
        {
            "task_force": task_forces.get(change["task_force"]),
            "milestone": milestones.get(change["milestone"]),
            "differences": [
                (
                    name.replace("_", " ").capitalize(),
                    labels.get(old, old) if name == "status" else old,
                    labels.get(new, new) if name == "status" else new,
                )
                for name, (old, new) in change["differences"].items()
            ],
        }
        for change in batch.changes
    ]
    return render(request, "assessments/core/import_preview.html", {"batch": batch, "rows": rows})


@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get_batch(request, pk)
    try:
        count = importing.apply_plan(batch=batch, user=request.user)
    except importing.ImportConflict as error:
        messages.error(
            request, f"Nothing was changed. {error} Upload the file again to re-check it."
        )
        return redirect("assessments:import_preview", pk=batch.pk)
    log_event("import.applied", request, batch=batch.pk, changes=count)
    messages.success(request, f"Imported: {count} status{'es' if count != 1 else ''} changed.")
    # Back to the task force the file was about; for several, to the list of
    # what changed.
    task_force_ids = {change["task_force"] for change in batch.changes}
    if len(task_force_ids) == 1:
        task_force = TaskForce.objects.only("slug").get(pk=task_force_ids.pop())
        return redirect("assessments:task_force", slug=task_force.slug)
    return redirect("assessments:import_preview", pk=batch.pk)
