"""The one upload -> check -> preview -> apply flow of the spreadsheet
imports, with one pair of templates (templates/assessments/common/import.html
and import_preview.html). Each kind of import describes itself in an
ImportKind (the status import in core/io_views.py, the partner register
import in register/io_views.py) and its thin views call these three.

It is in core, not common, because it keeps its plans in core's ImportBatch
and redirects to a task force; features may import core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from assessments.common import importing as import_flow
from assessments.core.models import ImportBatch, TaskForce
from taskforce_site.security import log_event

UPLOAD_TEMPLATE = "assessments/common/import.html"
PREVIEW_TEMPLATE = "assessments/common/import_preview.html"


@dataclass(frozen=True, kw_only=True)
class ImportKind:
    batch_kind: str  # ImportBatch.Kind
    form_class: type[forms.Form]
    may_import: Callable[[Any], bool]
    # Whether the preview and apply pages check may_import too (403) or
    # only that the batch is the user's own (404): the permission matrix
    # pins each kind's answer.
    guard_batch_pages: bool
    check_file: Callable[..., import_flow.ImportCheck]
    save_plan: Callable[..., ImportBatch]
    apply_plan: Callable[..., int]
    # Route names, without the namespace.
    upload_url: str
    preview_url: str
    apply_url: str
    # Where a file about one task force returns to after applying.
    task_force_url: str
    log_prefix: str  # "import", "register_import"
    # Upload page: its title and heading, the kind's intro and instructions
    # (a partial), and what that partial needs.
    title: str
    heading: str
    instructions_template: str
    instructions_context: Callable[[], dict] = dict
    # Preview page: titles, the second column, and per batch the rows
    # ({"task_force", "subject", "added", "differences": [(label, old, new)]})
    # and the summary sentence.
    preview_title: str
    applied_title: str
    subject_label: str
    preview_rows: Callable[[ImportBatch], list[dict]]
    summary: Callable[[ImportBatch, list[dict], bool], str]
    applied_message: Callable[[int], str]


def _require_importer(request: HttpRequest, kind: ImportKind) -> None:
    if not kind.may_import(request.user):
        raise PermissionDenied


def upload(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    _require_importer(request, kind)
    form = kind.form_class(request.POST or None, request.FILES or None)
    errors, stopped_at = [], None
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        # Read one byte past the limit, so a too-large file is recognised
        # without reading all of it.
        content = file.read(import_flow.MAX_FILE_BYTES + 1)
        check = kind.check_file(content=content, user=request.user)
        if check.ok:
            batch = kind.save_plan(check=check, user=request.user, filename=file.name)
            changes = len(batch.changes)
            log_event(f"{kind.log_prefix}.checked", request, batch=batch.pk, changes=changes)
            return redirect(f"assessments:{kind.preview_url}", pk=batch.pk)
        errors, stopped_at = check.errors, check.stopped_at
        log_event(f"{kind.log_prefix}.refused", request, problems=len(errors))
    return render(
        request,
        UPLOAD_TEMPLATE,
        {
            "kind": kind,
            "form": form,
            "errors": errors,
            "stopped_at": stopped_at,
            **kind.instructions_context(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _get_batch(request: HttpRequest, kind: ImportKind, pk: int) -> ImportBatch:
    if kind.guard_batch_pages:
        _require_importer(request, kind)
    # Another user's import, or another kind's, is not this page's: 404.
    return get_object_or_404(ImportBatch, pk=pk, created_by=request.user, kind=kind.batch_kind)


def preview(request: HttpRequest, kind: ImportKind, pk: int) -> HttpResponse:
    batch = _get_batch(request, kind, pk)
    rows = kind.preview_rows(batch)
    applied = batch.applied_at is not None
    context = {
        "kind": kind,
        "batch": batch,
        "rows": rows,
        "title": kind.applied_title if applied else kind.preview_title,
        "summary": kind.summary(batch, rows, applied),
        "upload_url": reverse(f"assessments:{kind.upload_url}"),
        "apply_url": reverse(f"assessments:{kind.apply_url}", kwargs={"pk": batch.pk}),
    }
    return render(request, PREVIEW_TEMPLATE, context)


def apply(request: HttpRequest, kind: ImportKind, pk: int) -> HttpResponse:
    batch = _get_batch(request, kind, pk)
    try:
        count = kind.apply_plan(batch=batch, user=request.user)
    except import_flow.ImportConflict as error:
        messages.error(
            request, f"Nothing was changed. {error} Upload the file again to re-check it."
        )
        return redirect(f"assessments:{kind.preview_url}", pk=batch.pk)
    log_event(f"{kind.log_prefix}.applied", request, batch=batch.pk, changes=count)
    messages.success(request, kind.applied_message(count))
    # A file about one task force returns to its page, where the changes
    # show; a file about several, to the list of what changed.
    task_force_ids = {change["task_force"] for change in batch.changes}
    if len(task_force_ids) == 1:
        task_force = TaskForce.objects.only("slug").get(pk=task_force_ids.pop())
        return redirect(f"assessments:{kind.task_force_url}", slug=task_force.slug)
    return redirect(f"assessments:{kind.preview_url}", pk=batch.pk)
