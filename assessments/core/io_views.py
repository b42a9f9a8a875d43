"""The status spreadsheet import: check, preview, apply, through the one
import flow (core/import_flow.py). (The exports are the task force page's:
assessments/pages/exports.py.)"""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.core import import_flow, importing
from assessments.core.models import ImportBatch, ImportChange, Status
from assessments.roles import can_import_statuses


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (CSV or XLSX)",
        help_text="The layout of an export: start from one, change the status, lead_partner, "
        "target_date and notes columns, and upload it. Other columns are ignored.",
    )


def _field_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _preview_rows(changes: list[ImportChange]) -> list[dict]:
    labels = {choice.value: choice.label for choice in Status}

    def shown(name: str, value):
        # A status by its label; an empty value as a dash.
        return (labels.get(value, value) if name == "status" else value) or "—"

    return [
        {
            "task_force": change.task_force,
            "subject": change.subject,
            "added": change.added,
            "differences": [
                (_field_label(name), shown(name, old), shown(name, new))
                for name, (old, new) in change.differences.items()
            ],
        }
        for change in changes
    ]


def _summary(batch: ImportBatch, applied: bool) -> str:
    n, unchanged = batch.change_count, batch.unchanged
    statuses = f"{n:,} status{'' if n == 1 else 'es'}"
    row_s = f"{unchanged:,} row{'' if unchanged == 1 else 's'}"
    if applied:
        was = "was" if unchanged == 1 else "were"
        return f"{statuses} changed; {row_s} already matched and {was} left alone."
    matches = "matches" if unchanged == 1 else "match"
    return f"{statuses} will change; {row_s} already {matches} and will be left alone."


STATUSES = import_flow.ImportKind(
    batch_kind=ImportBatch.Kind.STATUSES,
    path="assessments.core.io_views.STATUSES",
    form_class=ImportForm,
    may_import=can_import_statuses,
    # Only the batch's owner sees it; everyone else gets 404, importer or not.
    guard_batch_pages=False,
    check_file=importing.check_file,
    save_plan=importing.save_plan,
    apply_plan=importing.apply_plan,
    upload_url="import",
    preview_url="import_preview",
    progress_url="import_progress",
    changes_url="import_changes",
    apply_url="import_apply",
    task_force_url="task_force",
    log_prefix="import",
    title="Import statuses",
    heading="Import statuses from a spreadsheet",
    instructions_template="assessments/core/_import_instructions.html",
    preview_title="Check the import",
    applied_title="Import applied",
    subject_label="Milestone",
    preview_rows=_preview_rows,
    summary=_summary,
    applied_message=lambda count: (
        f"Imported: {count:,} status{'es' if count != 1 else ''} changed."
    ),
    added_label="new statuses",
    changed_label="statuses changed",
    field_label=_field_label,
    subject_column="milestone",
    changes_filename="import-changes",
)


@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    return import_flow.upload(request, STATUSES)


@require_safe
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.preview(request, STATUSES, pk)


@require_safe
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.progress(request, STATUSES, pk)


@require_safe
def import_changes(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.changes_csv(request, STATUSES, pk)


@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.apply(request, STATUSES, pk)
