"""The one upload -> check -> preview -> apply flow of the spreadsheet
imports, with one set of templates (templates/assessments/common/import*.html).
Each kind of import describes itself in an ImportKind (the status import in
core/io_views.py, the partner register import in register/io_views.py) and
its thin views call these.

The upload only keeps the file with a new batch; the check and the apply
are jobs (core/import_jobs.py). The batch's page follows it: progress while
a job runs (polled by htmx, or refreshed by hand without JavaScript), the
problems of a refused file, a paged preview of a checked one, the result.

It is in core, not common, because it keeps its plans in core's ImportBatch
and links to a task force; features may import core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from assessments.common import importing as import_flow
from assessments.common.downloads import table_download
from assessments.core import import_jobs
from assessments.core.models import ImportBatch, ImportChange, TaskForce
from taskforce_site.security import log_event

UPLOAD_TEMPLATE = "assessments/common/import.html"
PREVIEW_TEMPLATE = "assessments/common/import_preview.html"
PROGRESS_TEMPLATE = "assessments/common/_import_progress.html"
PAGE_SIZE = 100
RECENT_BATCHES = 10


@dataclass(frozen=True, kw_only=True)
class ImportKind:
    batch_kind: str  # ImportBatch.Kind
    # Where this ImportKind is, for the jobs, which get only JSON arguments.
    path: str
    form_class: type[forms.Form]
    may_import: Callable[[Any], bool]
    # Whether the batch pages check may_import too (403) or only that the
    # batch is the user's own (404): the permission matrix pins each kind's
    # answer.
    guard_batch_pages: bool
    check_file: Callable[..., import_flow.ImportCheck]
    save_plan: Callable[..., None]
    apply_plan: Callable[..., int]
    # Route names, without the namespace.
    upload_url: str
    preview_url: str
    progress_url: str
    changes_url: str
    apply_url: str
    # Where a file about one task force links to once applied.
    task_force_url: str
    log_prefix: str  # "import", "register_import"
    # Upload page: its title and heading, the kind's intro and instructions
    # (a partial), and what that partial needs.
    title: str
    heading: str
    instructions_template: str
    instructions_context: Callable[[], dict] = dict
    # Batch page: titles, the second column, the rows of a page of changes
    # ({"task_force", "subject", "added", "differences": [(label, old, new)]}),
    # the summary sentence, the words for added and changed records, and a
    # field's label.
    preview_title: str
    applied_title: str
    subject_label: str
    preview_rows: Callable[[list[ImportChange]], list[dict]]
    summary: Callable[[ImportBatch, bool], str]
    applied_message: Callable[[int], str]
    added_label: str
    changed_label: str
    field_label: Callable[[str], str]
    # The downloaded list of changes: its second column and the file's name.
    subject_column: str
    changes_filename: str


def _require_importer(request: HttpRequest, kind: ImportKind) -> None:
    if not kind.may_import(request.user):
        raise PermissionDenied


def _upload_form(kind: ImportKind, request: HttpRequest | None = None) -> forms.Form:
    if request is None:
        return kind.form_class()
    return kind.form_class(request.POST or None, request.FILES or None)


def upload(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    _require_importer(request, kind)
    form = _upload_form(kind, request)
    errors = []
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        # Read one byte past the limit, so a too-large file is recognised
        # without reading all of it, and never kept.
        content = file.read(import_flow.MAX_FILE_BYTES + 1)
        too_large = import_flow.too_large(content)
        if too_large is None:
            with transaction.atomic():
                batch = ImportBatch.objects.create(
                    kind=kind.batch_kind,
                    created_by=request.user,
                    filename=file.name[:200],
                    content=content,
                )
                import_jobs.start_check(kind_path=kind.path, batch=batch)
            log_event(f"{kind.log_prefix}.uploaded", request, batch=batch.pk, size=len(content))
            return redirect(f"assessments:{kind.preview_url}", pk=batch.pk)
        errors = [too_large]
        log_event(f"{kind.log_prefix}.refused", request, problems=1)
    recent = (
        ImportBatch.objects.filter(created_by=request.user, kind=kind.batch_kind)
        .only("pk", "state", "filename", "created_at", "change_count")
        .order_by("-created_at", "-pk")[:RECENT_BATCHES]
    )
    return render(
        request,
        UPLOAD_TEMPLATE,
        {
            "kind": kind,
            "form": form,
            "errors": errors,
            "stopped_at": None,
            "recent": recent,
            **kind.instructions_context(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _get_batch(request: HttpRequest, kind: ImportKind, pk: int) -> ImportBatch:
    if kind.guard_batch_pages:
        _require_importer(request, kind)
    # Another user's import, or another kind's, is not this page's: 404.
    batch = get_object_or_404(
        ImportBatch.objects.defer("content"), pk=pk, created_by=request.user, kind=kind.batch_kind
    )
    return import_jobs.settle(batch)


class _CountedPaginator(Paginator):
    """A Paginator told its count when the batch's summary knows it: a COUNT
    of a state-wide batch filtered on a JSON key reads every row."""

    def __init__(self, *args, known_count: int | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if known_count is not None:
            self.__dict__["count"] = known_count  # Paginator.count is a cached_property


def _filters(request: HttpRequest, kind: ImportKind, batch: ImportBatch):
    """The preview's filters: the task force and the kind of change (added,
    changed, or a field changed), each one of the batch's own or ignored;
    and how many changes they keep, when the summary says (else None)."""
    changes = batch.planned.select_related("task_force")
    summary = batch.summary
    chosen = {"task_force": "", "change": ""}
    counts = []
    task_force = request.GET.get("task_force", "")
    if task_force in summary.get("task_forces", {}):
        changes = changes.filter(task_force_id=int(task_force))
        chosen["task_force"] = task_force
        counts.append(summary["task_forces"][task_force])
    change = request.GET.get("change", "")
    if change in ("added", "changed"):
        changes = changes.filter(added=change == "added")
        chosen["change"] = change
        counts.append(summary.get(change, 0))
    elif change in summary.get("fields", {}):
        changes = changes.filter(added=False, differences__has_key=change)
        chosen["change"] = change
        counts.append(summary["fields"][change])
    known = {0: batch.change_count, 1: counts[0] if counts else None}.get(len(counts))
    return changes, chosen, known


def _plan_context(request: HttpRequest, kind: ImportKind, batch: ImportBatch) -> dict:
    changes, chosen, known_count = _filters(request, kind, batch)
    page = _CountedPaginator(changes, PAGE_SIZE, known_count=known_count).get_page(
        request.GET.get("page")
    )
    summary = batch.summary
    task_force_counts = summary.get("task_forces", {})
    task_forces = [
        (str(pk), name, task_force_counts[str(pk)])
        for pk, name in TaskForce.objects.filter(pk__in=[int(pk) for pk in task_force_counts])
        .order_by("name")
        .values_list("pk", "name")
    ]
    query = "&".join(f"{name}={value}" for name, value in chosen.items() if value)
    return {
        "page": page,
        "rows": kind.preview_rows(list(page.object_list)),
        "chosen": chosen,
        "filter_query": query,
        "task_forces": task_forces,
        "fields": [
            (name, kind.field_label(name), count)
            for name, count in sorted(summary.get("fields", {}).items())
        ],
    }


def _progress_context(kind: ImportKind, batch: ImportBatch) -> dict:
    return {
        "progress_url": reverse(f"assessments:{kind.progress_url}", kwargs={"pk": batch.pk}),
        "batch_url": reverse(f"assessments:{kind.preview_url}", kwargs={"pk": batch.pk}),
        "checked_rows": f"{batch.checked_rows:,}",
        "rows": f"{batch.rows or 0:,}",
        "change_count": f"{batch.change_count:,}",
    }


def preview(request: HttpRequest, kind: ImportKind, pk: int) -> HttpResponse:
    """The batch's page, whatever its state."""
    batch = _get_batch(request, kind, pk)
    State = ImportBatch.State
    applied = batch.state == State.APPLIED
    context = {
        "kind": kind,
        "batch": batch,
        "title": kind.applied_title if applied else kind.preview_title,
        "upload_url": reverse(f"assessments:{kind.upload_url}"),
        "apply_url": reverse(f"assessments:{kind.apply_url}", kwargs={"pk": batch.pk}),
        **_progress_context(kind, batch),
        "changes_url": reverse(f"assessments:{kind.changes_url}", kwargs={"pk": batch.pk}),
    }
    if batch.state in (State.REFUSED, State.FAILED):
        context.update(form=_upload_form(kind), errors=batch.errors, stopped_at=batch.stopped_at)
    elif not batch.is_running or batch.state == State.APPLYING:
        context["summary"] = kind.summary(batch, applied)
        context.update(_plan_context(request, kind, batch))
    if applied:
        context["applied_message"] = kind.applied_message(batch.change_count)
        task_force_ids = list(batch.summary.get("task_forces", {}))
        if len(task_force_ids) == 1:
            slug = TaskForce.objects.filter(pk=int(task_force_ids[0])).values_list(
                "slug", flat=True
            )
            context["task_force_link"] = (
                reverse(f"assessments:{kind.task_force_url}", kwargs={"slug": slug[0]})
                if slug
                else None
            )
    return render(request, PREVIEW_TEMPLATE, context)


def progress(request: HttpRequest, kind: ImportKind, pk: int) -> HttpResponse:
    """How far the batch's job is, for htmx to poll; once the job is done,
    htmx is told to reload the batch's page, which then shows the result."""
    batch = _get_batch(request, kind, pk)
    response = render(
        request,
        PROGRESS_TEMPLATE,
        {"kind": kind, "batch": batch, **_progress_context(kind, batch)},
    )
    if not batch.is_running:
        response["HX-Refresh"] = "true"
    return response


def changes_csv(request: HttpRequest, kind: ImportKind, pk: int) -> HttpResponse:
    """Every change of the batch, one row per field changed, as CSV."""
    batch = _get_batch(request, kind, pk)
    columns = ["task_force", kind.subject_column, "change", "field", "old", "new"]

    def rows():
        changes = batch.planned.values_list("task_force__slug", "subject", "added", "differences")
        for slug, subject, added, differences in changes.iterator(chunk_size=2000):
            # By name: PostgreSQL's jsonb keeps keys in an order of its own.
            for name, (old, new) in sorted(differences.items()):
                yield {
                    "task_force": slug,
                    kind.subject_column: subject,
                    "change": "added" if added else "changed",
                    "field": name,
                    "old": old,
                    "new": new,
                }

    log_event(f"{kind.log_prefix}.changes_downloaded", request, batch=batch.pk)
    return table_download(columns, rows(), "csv", kind.changes_filename)


def apply(request: HttpRequest, kind: ImportKind, pk: int) -> HttpResponse:
    batch = _get_batch(request, kind, pk)
    with transaction.atomic():
        started = import_jobs.start_apply(kind_path=kind.path, batch=batch)
    if started:
        log_event(f"{kind.log_prefix}.apply_started", request, batch=batch.pk)
    else:
        State = ImportBatch.State
        messages.error(
            request,
            {
                State.APPLYING: "This import is already being applied: it was not started again.",
                State.APPLIED: "This import was applied already: it was not started again.",
            }.get(batch.state, "This import cannot be applied: only a checked file can."),
        )
    return redirect(f"assessments:{kind.preview_url}", pk=batch.pk)
