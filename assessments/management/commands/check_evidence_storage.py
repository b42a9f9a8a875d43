import datetime

from django.core.management import BaseCommand, CommandError

from assessments.evidence.storage import evidence_storage_check


class Command(BaseCommand):
    help = (
        "List evidence files that no record names (left by a failed write, or a "
        "restore from mismatched backups) and records whose file is missing. "
        "Exits with status 1 when it finds any. Run daily (cron or a systemd timer)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=60,
            help="Leave out files changed this recently: an upload in progress "
            "writes its file before its record (default 60).",
        )

    def handle(self, *args, grace_minutes: int, **options) -> None:
        if grace_minutes < 0:
            raise CommandError("--grace-minutes must be 0 or more.")
        check = evidence_storage_check(grace=datetime.timedelta(minutes=grace_minutes))
        # Stored names are generated and ids are numbers: nothing here names
        # a document's title or content, so the output may go to cron's mail.
        for name in check.files_without_row:
            self.stderr.write(f"File with no record: {name}")
        for pk, task_force_id, name in check.rows_without_file:
            self.stderr.write(
                f"Record with no file: evidence {pk} (task force {task_force_id}), {name}"
            )
        if not check.ok:
            raise CommandError(
                f"{len(check.files_without_row)} file(s) with no record, "
                f"{len(check.rows_without_file)} record(s) with no file. Restore missing "
                "files from the backup; delete a file with no record only after checking "
                "no backup's database names it."
            )
        self.stdout.write(f"Evidence storage matches the records ({check.files_seen} files).")
