"""The partner register's exports (CSV, XLSX) and its spreadsheet import:
check, preview, apply, as for statuses (assessments/core/io_views.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.access import export_scope
from assessments.common import importing as import_flow
from assessments.common.downloads import table_download
from assessments.core.io_views import ImportForm
from assessments.core.models import ImportBatch, TaskForce
from assessments.register import exports as register_exports
from assessments.register import importing as register_import
from assessments.register.models import MouStatus, PartnershipType, RegisterChange, Sector
from assessments.roles import edits_some_task_force
from taskforce_site.security import log_event


@require_safe
def export_register(request: HttpRequest, fmt: str, slug: str | None = None) -> HttpResponse:
    name, scope = export_scope(request, slug)
    log_event("export.register", request, scope=name, format=fmt)
    rows = register_exports.register_rows(scope)
    return table_download(register_exports.REGISTER_COLUMNS, rows, fmt, f"{name}-partners")


class RegisterImportForm(ImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "The layout of a partner register export: start from one, change or add rows, "
            "and upload it. Do not record anything that identifies a victim or survivor."
        )


def _require_editor(request: HttpRequest) -> None:
    # Program managers only read registers: every register import page is
    # 403 for them, as for anyone who edits no task force.
    if not edits_some_task_force(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = RegisterImportForm(request.POST or None, request.FILES or None)
    errors, stopped_at = [], None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(import_flow.MAX_FILE_BYTES + 1)
        check = register_import.check_file(content=content, user=request.user)
        if check.ok:
            batch = register_import.save_plan(check=check, user=request.user, filename=upload.name)
            changes = len(batch.changes)
            log_event("register_import.checked", request, batch=batch.pk, changes=changes)
            return redirect("assessments:register_import_preview", pk=batch.pk)
        errors, stopped_at = check.errors, check.stopped_at
        log_event("register_import.refused", request, problems=len(errors))
    return render(
        request,
        "assessments/register/register_import.html",
        {
            "form": form,
            "errors": errors,
            "stopped_at": stopped_at,
            "sectors": Sector.objects.all(),
            "partnership_types": PartnershipType.values,
            "mou_statuses": MouStatus.values,
        },
        status=400 if request.method == "POST" else 200,
    )


def _get_batch(request: HttpRequest, pk: int) -> ImportBatch:
    _require_editor(request)
    # Another user's import, or a status import, is not this page's: 404.
    return get_object_or_404(
        ImportBatch, pk=pk, created_by=request.user, kind=ImportBatch.Kind.REGISTER
    )


@require_safe
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get_batch(request, pk)
    task_forces = TaskForce.objects.in_bulk([c["task_force"] for c in batch.changes])
    rows = [
        {
            "task_force": task_forces.get(change["task_force"]),
            "name": change["name"],
            "added": change["agency"] is None,
            # In words, as the task force's history will show them.
            "differences": RegisterChange(changes=change["differences"]).field_changes,
        }
        for change in batch.changes
    ]
    added = sum(1 for row in rows if row["added"])
    return render(
        request,
        "assessments/register/register_import_preview.html",
        {"batch": batch, "rows": rows, "added": added, "changed": len(rows) - added},
    )


@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get_batch(request, pk)
    try:
        count = register_import.apply_plan(batch=batch, user=request.user)
    except register_import.ImportConflict as error:
        messages.error(
            request, f"Nothing was changed. {error} Upload the file again to re-check it."
        )
        return redirect("assessments:register_import_preview", pk=batch.pk)
    log_event("register_import.applied", request, batch=batch.pk, changes=count)
    messages.success(
        request, f"Imported: {count} partner agenc{'ies' if count != 1 else 'y'} added or changed."
    )
    # A file about one task force returns to its register, where the changes
    # show; a file about several, to the list of what changed.
    task_force_ids = {change["task_force"] for change in batch.changes}
    if len(task_force_ids) == 1:
        task_force = TaskForce.objects.get(pk=task_force_ids.pop())
        return redirect("assessments:register", slug=task_force.slug)
    return redirect("assessments:register_import_preview", pk=batch.pk)
