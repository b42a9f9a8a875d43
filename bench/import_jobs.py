"""The request times of the import as jobs, at one size (default the whole
country, N = 3,143: 88,004 statuses): the upload, the progress poll while
the check runs, preview pages (first, a later one, filtered), the download
of every change, the Apply POST and the poll while it is applied. The jobs
run in a worker process of their own, as in service. See bench/README.md.

    .venv/bin/python bench/import_jobs.py \\
        --database-url postgres://postgres@127.0.0.1:5432/taskforce_bench_importjob
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_DATABASE_URL, bench_environment, log  # noqa: E402


def measure_requests(staff_username: str) -> dict:
    """Each request of a whole-country import by `staff_username`, timed
    with the test client, while the jobs run in a worker process of their
    own (`manage.py run_worker --batch`), as in service: {"check_s",
    "apply_s" (the worker's wall time, polls included), "max_request_s",
    "requests": {name: {"n", "median_ms", "max_ms"}}}. Changes every status."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import resolve

    from assessments.common.spreadsheets import XLSX_CONTENT_TYPE, to_xlsx
    from assessments.core import importing
    from assessments.models import ImportBatch
    from bench.import_job import sheet_rows

    rows = sheet_rows()
    sheet = to_xlsx(importing.REQUIRED_COLUMNS, rows, title="statuses")
    log(f"{len(rows):,} rows, {len(sheet) / 1e6:.1f} MB of XLSX")
    client = Client()
    client.force_login(get_user_model().objects.get(username=staff_username))
    times: dict[str, list[float]] = {}

    def timed(name: str, method: str, path: str, data=None, expect=200):
        start = time.perf_counter()
        response = getattr(client, method)(path, data or {})
        if response.streaming:
            b"".join(response.streaming_content)
        elapsed = time.perf_counter() - start
        if response.status_code != expect:
            raise SystemExit(f"{name}: {path} answered {response.status_code}")
        times.setdefault(name, []).append(elapsed)
        return response

    def in_worker(poll_path: str, poll_name: str) -> float:
        """Run the queued job in a worker process, polling the progress meanwhile."""
        start = time.perf_counter()
        worker = subprocess.Popen(  # noqa: S603  (this interpreter, this repo's manage.py)
            [sys.executable, str(ROOT / "manage.py"), "run_worker", "--batch", "-v", "0"],
            cwd=ROOT,
            env=os.environ.copy(),
        )
        while worker.poll() is None:
            timed(poll_name, "get", poll_path)
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(1.0)
        took = time.perf_counter() - start
        if worker.returncode != 0:
            raise SystemExit(f"the worker exited with {worker.returncode}")
        timed(poll_name, "get", poll_path)
        return took

    upload = SimpleUploadedFile("statuses.xlsx", sheet, content_type=XLSX_CONTENT_TYPE)
    page = timed("upload POST", "post", "/import/", {"file": upload}, expect=302)["Location"]
    pk = resolve(page).kwargs["pk"]
    check_s = in_worker(f"/import/{pk}/progress/", "progress poll (check)")
    batch = ImportBatch.objects.get(pk=pk)
    if batch.state != "checked" or batch.change_count != len(rows):
        raise SystemExit(f"the check ended {batch.state} with {batch.change_count} changes")
    one = next(iter(batch.summary["task_forces"]))
    for _ in range(5):
        timed("preview page 1", "get", page)
        timed("preview page 500", "get", page + "?page=500")
        timed("preview, one task force", "get", page + f"?task_force={one}")
        timed("preview, status changed, page 300", "get", page + "?change=status&page=300")
    timed("apply POST", "post", f"/import/{pk}/apply/", expect=302)
    apply_s = in_worker(f"/import/{pk}/progress/", "progress poll (apply)")
    batch.refresh_from_db()
    if batch.state != "applied":
        raise SystemExit(f"the apply ended {batch.state}: {batch.failure}")
    timed("result page", "get", page)
    # The CSV of every change is a download, not a page: timed, reported
    # apart, not in max_request_s.
    timed("CSV of every change (download)", "get", f"/import/{pk}/changes.csv")
    requests = {
        name: {
            "n": len(samples),
            "median_ms": round(statistics.median(samples) * 1000, 1),
            "max_ms": round(max(samples) * 1000, 1),
        }
        for name, samples in times.items()
    }
    pages = [s for name, samples in times.items() if "download" not in name for s in samples]
    return {
        "check_s": round(check_s, 2),
        "apply_s": round(apply_s, 2),
        "max_request_s": round(max(pages), 3),
        "requests": requests,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=3143)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL + "_importjob")
    parser.add_argument("--reuse", action="store_true", help="keep the database as built")
    args = parser.parse_args()
    os.environ.update(bench_environment(args.database_url, tempfile.mkdtemp()))
    import django

    django.setup()
    import logging

    logging.getLogger("taskforce.security").disabled = True
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from bench import data
    from bench.common import prepare_database

    call_command("collectstatic", "--no-input", verbosity=0)  # DEBUG off needs its manifest
    if not args.reuse:
        prepare_database(args.database_url)
        staff = data.build(args.n).staff
    else:
        staff = get_user_model().objects.filter(is_staff=True).values_list("username", flat=True)[0]
    result = measure_requests(staff)
    log(f"check job {result['check_s']:.1f} s, apply job {result['apply_s']:.1f} s")
    for name, figures in result["requests"].items():
        log(
            f"{name:40} n={figures['n']:3}  median {figures['median_ms']:7.1f} ms"
            f"  max {figures['max_ms']:7.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
