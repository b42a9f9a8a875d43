"""The whole-country status import as the import job runs it: the check
(reading the file, every row's rules, the plan, the plan saved) and the apply,
timed in process, without the pages around them. See bench/README.md.

    .venv/bin/python bench/import_job.py --build        # once: the N = 3,143 data
    .venv/bin/python bench/import_job.py --repeats 3    # check + apply, CSV and XLSX

Each run is committed, as a job's would be (deferred foreign-key checks run
at the commit), and changes every status, so each repeat flips them back;
bench/run.py may call measure_import() on its own data, last, as it does
with the import through the pages."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import bench_environment, log  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/taskforce_bench_fastimport"
DEFAULT_N = 3143


def sheet_rows() -> list[dict]:
    """Every status of every task force, each changed (in progress <->
    achieved), in the export's layout: what bench/measure.py imports."""
    from assessments.models import Status, TaskForce
    from assessments.pages import exports

    flipped = {Status.IN_PROGRESS: Status.ACHIEVED}  # and anything else to in progress
    return [
        {**row, "status": flipped.get(row["status"], Status.IN_PROGRESS)}
        for row in exports.status_rows(TaskForce.objects.all())
    ]


def measure_import(
    *, username: str = "bench-staff", file_format: str = "xlsx", rows: list[dict] | None = None
) -> dict:
    """{"n", "rows", "bytes", "check_s", "apply_s"} of one import of every
    status, changed, by `username` (`rows`: sheet_rows(), read now by
    default), through the import's own jobs (core/import_jobs.py), queued as
    the pages queue them and run in process by a worker (run_pending_jobs):
    the check from the uploaded bytes to the saved plan, the apply from the
    queued apply to the committed batch. The
    file-size limit is lifted for CSV (the whole country is about 10 MB)."""
    from django.contrib.auth import get_user_model

    from assessments.common import importing as common_importing
    from assessments.common.spreadsheets import to_csv, to_xlsx
    from assessments.core import import_jobs, importing
    from assessments.core.io_views import STATUSES
    from assessments.models import ImportBatch, TaskForce
    from taskforce_site.worker import run_pending_jobs

    rows = sheet_rows() if rows is None else rows
    columns = importing.REQUIRED_COLUMNS
    if file_format == "csv":
        content = to_csv(columns, rows)
    else:
        content = to_xlsx(columns, rows, title="statuses")
    user = get_user_model().objects.get(username=username)
    result = {"n": TaskForce.objects.count(), "rows": len(rows), "bytes": len(content)}
    # As the upload leaves it: the file kept with its batch, the check queued.
    batch = ImportBatch.objects.create(
        kind=STATUSES.batch_kind,
        created_by=user,
        filename=f"bench.{file_format}",
        content=content,
    )
    import_jobs.start_check(kind_path=STATUSES.path, batch=batch)
    with mock.patch.object(common_importing, "MAX_FILE_BYTES", len(content) + 1):
        start = time.perf_counter()
        run_pending_jobs(worker_id="bench")
        result["check_s"] = round(time.perf_counter() - start, 2)
    batch.refresh_from_db()
    if batch.state != ImportBatch.State.CHECKED or batch.change_count != len(rows):
        raise RuntimeError(
            f"the check ended {batch.state} with {batch.change_count} of {len(rows)} changes"
        )
    start = time.perf_counter()
    if not import_jobs.start_apply(kind_path=STATUSES.path, batch=batch):
        raise RuntimeError("the apply could not start")
    run_pending_jobs(worker_id="bench")
    result["apply_s"] = round(time.perf_counter() - start, 2)
    batch.refresh_from_db()
    if batch.state != ImportBatch.State.APPLIED:
        raise RuntimeError(f"the apply ended {batch.state}: {batch.failure}")
    return result


def reader_ab(content: bytes, repeats: int) -> dict[str, float]:
    """Seconds (median of `repeats`, interleaved) to read an XLSX file with
    openpyxl's streaming parser and with read_table (the scan, then
    python-calamine when the scan allows it)."""
    from assessments.common import spreadsheets

    readers = {
        "openpyxl": lambda: spreadsheets._read_with_openpyxl(content, 100_001),
        "read_table": lambda: spreadsheets.read_table(content, max_rows=100_001),
    }
    seconds: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(repeats):
        for name, read in readers.items():
            start = time.perf_counter()
            rows = sum(1 for _ in read())
            seconds[name].append(time.perf_counter() - start)
            log(f"{name}: {rows:,} rows in {seconds[name][-1]:.2f} s")
    return {name: round(statistics.median(values), 2) for name, values in seconds.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--build", action="store_true", help="rebuild the bench data first")
    parser.add_argument("-n", type=int, default=DEFAULT_N, help="task forces when building")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument(
        "--reader-ab", action="store_true", help="only time the XLSX readers on the sheet"
    )
    args = parser.parse_args(argv)
    # Nothing is served: the static root only has to exist apart from the rest.
    os.environ.update(bench_environment(args.database_url, tempfile.mkdtemp(prefix="bench-")))
    import django

    django.setup()
    from bench import data
    from bench.common import prepare_database

    if args.build:
        prepare_database(args.database_url)
        world = data.build(args.n)
        log(f"built: {world.statuses:,} statuses, {world.changes:,} history rows")
    log(f"load average {os.getloadavg()}")
    if args.reader_ab:
        from assessments.common.spreadsheets import to_xlsx
        from assessments.core import importing

        sheet = to_xlsx(importing.REQUIRED_COLUMNS, sheet_rows(), title="statuses")
        log(f"medians: {reader_ab(sheet, args.repeats)} ({len(sheet):,} bytes)")
        log(f"load average {os.getloadavg()}")
        return 0
    results: dict[str, list[dict]] = {}
    for _ in range(args.repeats):
        for file_format in args.formats.split(","):
            result = measure_import(file_format=file_format)
            log(f"{file_format}: {result}")
            results.setdefault(file_format, []).append(result)
    for file_format, runs in results.items():
        check = statistics.median(r["check_s"] for r in runs)
        apply = statistics.median(r["apply_s"] for r in runs)
        log(
            f"{file_format} median of {len(runs)}: check {check:.2f} s, apply {apply:.2f} s, "
            f"whole {check + apply:.2f} s ({runs[0]['rows']:,} rows, {runs[0]['bytes']:,} bytes)"
        )
    log(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
