"""The partner register's exports (CSV, XLSX) and its spreadsheet import:
check, preview, apply, through the one import flow (core/import_flow.py)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.access import export_scope
from assessments.common.downloads import table_download
from assessments.core import import_flow
from assessments.core.io_views import ImportForm
from assessments.core.models import ImportBatch, ImportChange
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
    return table_download(
        register_exports.REGISTER_SHEET, rows, fmt, f"{name}-partners", title="Partner register"
    )


class RegisterImportForm(ImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "The layout of a partner register export: start from one, change or add rows, "
            "and upload it. Do not record anything that identifies a victim or survivor."
        )


def _preview_rows(changes: list[ImportChange]) -> list[dict]:
    return [
        {
            "task_force": change.task_force,
            "subject": change.subject,
            "added": change.added,
            # In words, as the task force's history will show them.
            "differences": RegisterChange(changes=change.differences).field_changes,
        }
        for change in changes
    ]


def _summary(batch: ImportBatch, applied: bool) -> str:
    added = batch.summary.get("added", 0)
    changed, unchanged = batch.change_count - added, batch.unchanged
    agencies = f"{added:,} agenc{'y' if added == 1 else 'ies'}"
    row_s = f"{unchanged:,} row{'' if unchanged == 1 else 's'}"
    if applied:
        was = "was" if unchanged == 1 else "were"
        return (
            f"{agencies} added and {changed:,} changed; {row_s} already matched and {was} "
            "left alone."
        )
    matches = "matches" if unchanged == 1 else "match"
    return (
        f"{agencies} will be added and {changed:,} changed; {row_s} already {matches} "
        "and will be left alone."
    )


def _instructions_context() -> dict:
    return {
        "sectors": Sector.objects.all(),
        "partnership_types": PartnershipType.values,
        "mou_statuses": MouStatus.values,
    }


PARTNERS = import_flow.ImportKind(
    batch_kind=ImportBatch.Kind.REGISTER,
    path="assessments.register.io_views.PARTNERS",
    form_class=RegisterImportForm,
    # Program managers only read registers: every register import page is
    # 403 for them, as for anyone who edits no task force.
    may_import=edits_some_task_force,
    guard_batch_pages=True,
    check_file=register_import.check_file,
    save_plan=register_import.save_plan,
    apply_plan=register_import.apply_plan,
    upload_url="register_import",
    preview_url="register_import_preview",
    progress_url="register_import_progress",
    changes_url="register_import_changes",
    apply_url="register_import_apply",
    task_force_url="register",
    log_prefix="register_import",
    title="Import partner agencies",
    heading="Import partner agencies from a spreadsheet",
    instructions_template="assessments/register/_register_import_instructions.html",
    instructions_context=_instructions_context,
    preview_title="Check the partner import",
    applied_title="Partner import applied",
    subject_label="Agency",
    preview_rows=_preview_rows,
    summary=_summary,
    applied_message=lambda count: (
        f"Imported: {count:,} partner agenc{'ies' if count != 1 else 'y'} added or changed."
    ),
    added_label="agencies added",
    changed_label="agencies changed",
    field_label=lambda name: RegisterChange.LABELS.get(name, name),
    subject_column="agency",
    changes_filename="partner-import-changes",
)


@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    return import_flow.upload(request, PARTNERS)


@require_safe
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.preview(request, PARTNERS, pk)


@require_safe
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.progress(request, PARTNERS, pk)


@require_safe
def import_changes(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.changes_csv(request, PARTNERS, pk)


@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.apply(request, PARTNERS, pk)
