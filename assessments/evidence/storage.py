"""The evidence folder against the records: files with no record (a write
whose record never came) and records with no file, for the periodic check
(the check_evidence_storage command)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from assessments.evidence.models import Evidence, evidence_storage


@dataclass(frozen=True)
class StorageCheck:
    """What check_evidence_storage reports: stored files no evidence row
    names, and document rows (not purged) whose file is not in storage."""

    files_without_row: list[str]
    # (evidence id, task force id, stored name)
    rows_without_file: list[tuple[int, int, str]]
    files_seen: int

    @property
    def ok(self) -> bool:
        return not self.files_without_row and not self.rows_without_file


def _stored_names(storage, folder: str = ""):
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file in files:
        yield f"{folder}/{file}" if folder else file
    for sub in folders:
        yield from _stored_names(storage, f"{folder}/{sub}" if folder else sub)


def evidence_storage_check(
    *, now: datetime.datetime | None = None, grace: datetime.timedelta = datetime.timedelta(hours=1)
) -> StorageCheck:
    """Compare the evidence storage with the rows, both ways. A file changed
    less than `grace` before `now` is left out: an upload writes its file
    before its row is committed."""
    now = now or timezone.now()
    storage = evidence_storage()
    stored = set(_stored_names(storage))
    rows = list(
        Evidence.objects.filter(kind=Evidence.Kind.FILE, purged_at__isnull=True)
        .exclude(file="")
        .order_by("pk")
        .values_list("pk", "task_force_id", "file")
    )
    named = {name for _, _, name in rows}
    orphans = []
    for name in sorted(stored - named):
        try:
            changed = storage.get_modified_time(name)
        except (OSError, NotImplementedError):
            changed = None
        if changed is None or changed <= now - grace:
            orphans.append(name)
    return StorageCheck(
        files_without_row=orphans,
        rows_without_file=[row for row in rows if row[2] not in stored],
        files_seen=len(stored),
    )
