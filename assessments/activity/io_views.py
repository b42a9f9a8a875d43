"""The activity log's exports (CSV, XLSX) and its spreadsheet import:
check, preview, apply, through the one import flow (core/import_flow.py)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.access import export_scope
from assessments.activity import exports as activity_exports
from assessments.activity import importing as activity_import
from assessments.activity import selectors
from assessments.activity.models import ActivityChange, ActivityKind, Measure
from assessments.common.downloads import table_download
from assessments.core import import_flow
from assessments.core.io_views import ImportForm
from assessments.core.models import ImportBatch, ImportChange
from assessments.roles import edits_some_task_force
from taskforce_site.security import log_event


@require_safe
def export_activity(request: HttpRequest, fmt: str, slug: str | None = None) -> HttpResponse:
    name, scope = export_scope(request, slug)
    log_event("export.activity", request, scope=name, format=fmt)
    sectors = selectors.sectors()
    rows = activity_exports.activity_rows(scope, sectors)
    return table_download(activity_exports.activity_columns(sectors), rows, fmt, f"{name}-activity")


class ActivityImportForm(ImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "The layout of an activity log export: start from one, change or add rows, "
            "and upload it. Counts only: never a participant's name, never anything "
            "that identifies a victim or survivor."
        )


def _preview_rows(changes: list[ImportChange]) -> list[dict]:
    return [
        {
            "task_force": change.task_force,
            "subject": change.subject,
            "added": change.added,
            # In words, as the task force's activity history will show them.
            "differences": ActivityChange(changes=change.differences).field_changes,
        }
        for change in changes
    ]


def _summary(batch: ImportBatch, applied: bool) -> str:
    added = batch.summary.get("added", 0)
    changed, unchanged = batch.change_count - added, batch.unchanged
    entries = f"{added:,} entr{'y' if added == 1 else 'ies'}"
    row_s = f"{unchanged:,} row{'' if unchanged == 1 else 's'}"
    if applied:
        was = "was" if unchanged == 1 else "were"
        return (
            f"{entries} added and {changed:,} changed; {row_s} already matched and {was} "
            "left alone."
        )
    matches = "matches" if unchanged == 1 else "match"
    return (
        f"{entries} will be added and {changed:,} changed; {row_s} already {matches} "
        "and will be left alone."
    )


def _instructions_context() -> dict:
    return {
        "sectors": selectors.sectors(),
        "kinds": ActivityKind.values,
        "measures": Measure.choices,
    }


ACTIVITY = import_flow.ImportKind(
    batch_kind=ImportBatch.Kind.ACTIVITY,
    path="assessments.activity.io_views.ACTIVITY",
    form_class=ActivityImportForm,
    # Program managers only read activity logs: every import page is 403
    # for them, as for anyone who edits no task force.
    may_import=edits_some_task_force,
    guard_batch_pages=True,
    check_file=activity_import.check_file,
    save_plan=activity_import.save_plan,
    apply_plan=activity_import.apply_plan,
    upload_url="activity_import",
    preview_url="activity_import_preview",
    progress_url="activity_import_progress",
    changes_url="activity_import_changes",
    apply_url="activity_import_apply",
    task_force_url="activity_log",
    log_prefix="activity_import",
    title="Import activity",
    heading="Import the activity log from a spreadsheet",
    instructions_template="assessments/activity/_import_instructions.html",
    instructions_context=_instructions_context,
    preview_title="Check the activity import",
    applied_title="Activity import applied",
    subject_label="Entry",
    preview_rows=_preview_rows,
    summary=_summary,
    applied_message=lambda count: (
        f"Imported: {count:,} activity entr{'ies' if count != 1 else 'y'} added or changed."
    ),
    added_label="entries added",
    changed_label="entries changed",
    field_label=lambda name: ActivityChange.LABELS.get(name, name),
    subject_column="entry",
    changes_filename="activity-import-changes",
)


@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    return import_flow.upload(request, ACTIVITY)


@require_safe
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.preview(request, ACTIVITY, pk)


@require_safe
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.progress(request, ACTIVITY, pk)


@require_safe
def import_changes(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.changes_csv(request, ACTIVITY, pk)


@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    return import_flow.apply(request, ACTIVITY, pk)
