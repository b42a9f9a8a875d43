"""The large downloads, in the request and prepared by a job: how long the
request takes with every download answered in it (as before prepared
downloads), how long with the default threshold, and how long the job takes.

Runs on a database bench/data.py built (bench/run.py leaves one behind at
its last size); `--build N` builds one first. One run of each (they take
seconds), as the program manager, in process, DEBUG off.

    .venv/bin/python bench/prepared.py --build 3143 \\
        --database-url postgres://postgres@127.0.0.1:5432/taskforce_bench_x
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_DATABASE_URL, bench_environment, log  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--build", type=int, help="build the bench data for N task forces first")
    parser.add_argument("--only", nargs="*", help="names of the downloads to measure")
    parser.add_argument(
        "--inline",
        choices=["twice", "once", "none"],
        default="twice",
        help="time each in the request cold and warm (twice), cold only, or not at all",
    )
    args = parser.parse_args(argv)
    os.environ.update(
        bench_environment(args.database_url, tempfile.mkdtemp(prefix="bench-static-"))
    )
    downloads_root = tempfile.mkdtemp(prefix="bench-downloads-")
    os.environ["DJANGO_DOWNLOADS_ROOT"] = downloads_root

    import django

    django.setup()
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from assessments.models import PreparedDownload, TaskForce
    from taskforce_site.worker import run_pending_jobs

    call_command("collectstatic", "--no-input", verbosity=0)
    if args.build:
        from bench import data
        from bench.common import prepare_database

        prepare_database(args.database_url)
        data.build(args.build)
    call_command("migrate", verbosity=0, interactive=False)
    region = (
        TaskForce.objects.values("region").annotate(n=Count("pk")).order_by("-n", "region").first()
    )
    client = Client()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="bench-manager"))
    report = reverse("assessments:statewide_report")
    downloads = {
        "report_html": report,
        "report_pdf": report + "?format=pdf",
        "report_region_html": f"{report}?region={region['region']}",
        "report_region_pdf": f"{report}?format=pdf&region={region['region']}",
        "statuses_csv": reverse("assessments:export_statuses", args=["csv"]),
        "statuses_xlsx": reverse("assessments:export_statuses", args=["xlsx"]),
        "history_csv": reverse("assessments:export_history", args=["csv"]),
        "history_xlsx": reverse("assessments:export_history", args=["xlsx"]),
    }
    results = {"task_forces": TaskForce.objects.count(), "region": region, "downloads": {}}
    for name, path in downloads.items():
        if args.only and name not in args.only:
            continue
        entry = results["downloads"][name] = {"path": path}
        # Before: everything in the request (as if no download were large).
        with override_settings(DOWNLOAD_INLINE_MAX_TASK_FORCES=10**9):
            labels = {"twice": ("in_request_cold", "in_request_warm"), "once": ("in_request_cold",)}
            for label in labels.get(args.inline, ()):
                if label.endswith("cold"):
                    for alias in caches:
                        caches[alias].clear()
                start = time.perf_counter()
                response = client.get(path)
                entry[label + "_s"] = round(time.perf_counter() - start, 3)
                if response.status_code != 200:
                    raise SystemExit(f"{name}: {response.status_code}")
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                entry["bytes"] = len(body)
        # After: the default threshold.
        start = time.perf_counter()
        response = client.get(path)
        entry["request_now_s"] = round(time.perf_counter() - start, 3)
        entry["request_now_status"] = response.status_code
        if response.status_code == 302:
            start = time.perf_counter()
            run_pending_jobs(worker_id="bench")
            entry["job_s"] = round(time.perf_counter() - start, 3)
            prepared = PreparedDownload.objects.latest("pk")
            entry["job_state"], entry["job_bytes"] = prepared.state, prepared.size
            start = time.perf_counter()
            page = client.get(response["Location"])
            entry["waiting_page_s"] = round(time.perf_counter() - start, 3)
            if page.status_code != 200:
                raise SystemExit(f"{name}: waiting page {page.status_code}")
        log(f"{name}: {json.dumps(entry)}")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
