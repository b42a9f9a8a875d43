"""The spreadsheet imports' jobs (core/import_flow.py): the check of an
uploaded file and the application of a checked plan run on the job queue
(taskforce_site/jobs.py), so a state-wide file of 88,000 rows does not hold
a web request past its timeout.

A batch moves uploaded -> checking -> checked | refused | failed, then
checked | apply_failed -> applying -> applied | apply_failed. Each move out
of a waiting state is a conditional UPDATE, so two jobs (or two clicks)
cannot both take the same batch.

The check writes its progress on the batch row as it goes (it holds no
transaction, so each UPDATE commits on its own). The apply cannot: it is
one transaction, all or nothing, and a write to the batch from inside it
would be seen by nobody until it ended (and on SQLite it holds the only
write lock). Its page therefore says honestly how many changes are being
applied and since when, without a made-up percentage.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from assessments.common.importing import ImportConflict
from assessments.core.models import ImportBatch
from taskforce_site.jobs import enqueue, job_failed
from taskforce_site.security import log_event

State = ImportBatch.State

CHECK_FAILED = "The file could not be checked: something went wrong on our side. Upload it again."
CHECK_LOST = "The check stopped before it finished. Upload the file again."
APPLY_FAILED = (
    "The import failed before it finished; nothing was changed. Apply again or upload again."
)
APPLY_LOST = (
    "The import stopped before it finished; nothing was changed. Apply again or upload again."
)


def _batches(batch_id: int):
    return ImportBatch.objects.filter(pk=batch_id)


def start_check(*, kind_path: str, batch: ImportBatch) -> None:
    """Queue the check of a batch just uploaded (in the caller's transaction)."""
    result = enqueue(check_import, kind_path, batch.pk)
    if result is not None:
        batch.task_result_id = result.id
        batch.save(update_fields=["task_result_id"])


def start_apply(*, kind_path: str, batch: ImportBatch) -> bool:
    """Queue the application of a checked batch; False if it is not one
    (already applying, applied, or never checked): a second click."""
    taken = (
        _batches(batch.pk)
        .filter(state__in=[State.CHECKED, State.APPLY_FAILED])
        .update(state=State.APPLYING, apply_started_at=timezone.now(), failure="")
    )
    if not taken:
        return False
    result = enqueue(apply_import, kind_path, batch.pk)
    _batches(batch.pk).update(task_result_id=result.id if result is not None else None)
    return True


@task()
def check_import(kind_path: str, batch_id: int) -> None:
    kind = import_string(kind_path)
    if not _batches(batch_id).filter(state=State.UPLOADED).update(state=State.CHECKING):
        return  # Taken already.
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)

    def progress(done: int, total: int) -> None:
        _batches(batch_id).update(checked_rows=done, rows=total)

    try:
        check = kind.check_file(
            content=bytes(batch.content), user=batch.created_by, progress=progress
        )
        if check.ok:
            kind.save_plan(check=check, batch=batch)
            log_event(
                f"{kind.log_prefix}.checked",
                user=batch.created_by,
                batch=batch_id,
                changes=batch.change_count,
            )
        else:
            _batches(batch_id).update(
                state=State.REFUSED,
                errors=check.errors,
                stopped_at=check.stopped_at,
                content=None,
            )
            log_event(
                f"{kind.log_prefix}.refused",
                user=batch.created_by,
                batch=batch_id,
                problems=len(check.errors),
            )
    except Exception:
        _batches(batch_id).update(state=State.FAILED, failure=CHECK_FAILED, content=None)
        raise


@task()
def apply_import(kind_path: str, batch_id: int) -> None:
    kind = import_string(kind_path)
    batch = ImportBatch.objects.select_related("created_by").defer("content").get(pk=batch_id)
    if batch.state != State.APPLYING:
        return
    try:
        count = kind.apply_plan(batch=batch, user=batch.created_by)
    except ImportConflict as error:
        # Nothing of it was saved: the batch says why.
        _batches(batch_id).update(
            state=State.APPLY_FAILED,
            failure=f"Nothing was changed. {error} Upload the file again to re-check it.",
        )
        log_event(f"{kind.log_prefix}.conflict", user=batch.created_by, batch=batch_id)
        return
    except Exception:
        _batches(batch_id).update(state=State.APPLY_FAILED, failure=APPLY_FAILED)
        raise
    log_event(f"{kind.log_prefix}.applied", user=batch.created_by, batch=batch_id, changes=count)


def settle(batch: ImportBatch) -> ImportBatch:
    """The batch, marked failed if its job ended without saying so: its
    worker stopped mid-job (taskforce_site.worker.WorkerLost marks the job
    failed; the database rolled back what it was writing)."""
    if not batch.is_running or batch.task_result_id is None:
        return batch
    if not job_failed(batch.task_result_id):
        return batch
    applying = batch.state == State.APPLYING
    _batches(batch.pk).filter(state=batch.state, task_result_id=batch.task_result_id).update(
        state=State.APPLY_FAILED if applying else State.FAILED,
        failure=APPLY_LOST if applying else CHECK_LOST,
        content=None,
    )
    batch.refresh_from_db(fields=["state", "failure"])
    return batch
