"""`make bench`: page times and query counts at each N, the import and export
of every status, an open-loop load at the largest N, throughput through
gunicorn and the scale-out check; prints a table and writes bench/bench.json.
See bench/README.md."""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_DATABASE_URL, Phases, log, setup_django  # noqa: E402
from bench.load import RATE, SECONDS  # noqa: E402

NETWORK_N = 36  # throughput and scale-out run at this size
OUTPUT = Path(__file__).resolve().parent / "bench.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split(";")[0])
    parser.add_argument(
        "--sizes",
        default="36,3143",
        type=lambda text: [int(part) for part in text.split(",") if part.strip()],
        help="comma-separated numbers of task forces (default 36,3143)",
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (>= 30)")
    parser.add_argument("--skip-throughput", action="store_true", help="no gunicorn/wrk run")
    parser.add_argument("--skip-scaleout", action="store_true", help="no two-instance check")
    parser.add_argument("--skip-load", action="store_true", help="no open-loop load test")
    parser.add_argument(
        "--load-rate", type=float, default=RATE, help=f"requests per second (default {RATE:g})"
    )
    parser.add_argument(
        "--load-seconds", type=float, default=SECONDS, help=f"seconds (default {SECONDS:g})"
    )
    parser.add_argument(
        "--output", type=Path, default=OUTPUT, help="where to write the figures (bench/bench.json)"
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help=f"dropped and recreated for each size (default {DEFAULT_DATABASE_URL})",
    )
    args = parser.parse_args(argv)
    if args.requests < 30:
        parser.error("--requests must be at least 30")
    if not args.sizes or any(n < 1 for n in args.sizes):
        parser.error("--sizes needs positive numbers")
    if args.load_rate <= 0 or args.load_seconds <= 0:
        parser.error("--load-rate and --load-seconds must be positive")
    return args


def measure_import_job(staff_username: str) -> dict:
    """bench.json's "import_job" entry: the import's jobs timed as the worker
    runs them (bench/import_job.py), and the longest request a person makes
    on the way, with a worker process running the jobs (bench/import_jobs.py)."""
    from bench import import_job, import_jobs

    jobs = import_job.measure_import(username=staff_username, file_format="xlsx")
    requests = import_jobs.measure_requests(staff_username)
    return {
        "n": jobs["n"],
        "rows": jobs["rows"],
        "check_s": jobs["check_s"],
        "apply_s": jobs["apply_s"],
        "max_request_s": requests["max_request_s"],
        "met": jobs["check_s"] + jobs["apply_s"] <= IMPORT_JOB_MAX_S
        and requests["max_request_s"] <= IMPORT_REQUEST_MAX_S,
        "requests": requests["requests"],
    }


# The targets: the whole country's import in at most 20 s of job time, and no
# request of its flow over 1 s.
IMPORT_JOB_MAX_S = 20
IMPORT_REQUEST_MAX_S = 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Stopped (timeout, Ctrl-C), it still stops its gunicorn instances on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    static_root = setup_django(args.database_url)

    from django.core.management import call_command

    from bench import data, load, measure, report, scaleout, throughput
    from bench.common import machine_info, prepare_database

    phases = Phases()
    sizes = list(dict.fromkeys(args.sizes))
    if not (args.skip_throughput and args.skip_scaleout) and NETWORK_N not in sizes:
        sizes.insert(0, NETWORK_N)
    results, trivial, import_export, notes, errors = [], [], [], {}, phases.errors
    reminders, load_result, import_job_entries, report_pack_jobs = [], None, [], []
    throughput_entries, throughput_details, scale_out, scale_out_report = [], [], None, []
    try:
        with phases("collectstatic"):
            call_command("collectstatic", "--no-input", verbosity=0)
        for n in sizes:
            with phases(f"build N={n}"):
                prepare_database(args.database_url)
                world = data.build(n)
                log(f"   {world.statuses:,} statuses, {world.changes:,} history rows")
            notes[f"data_n_{n}"] = {
                "task_forces": n,
                "statuses": world.statuses,
                "history_rows": world.changes,
                "measured_task_force": world.task_force_slug,
                "measured_milestone": world.milestone_slug,
                "saved_task_force": world.save_task_force_slug,
            }
            with phases(f"measure N={n}"):
                base, pages = measure.measure_pages(world, args.requests)
            with phases(f"report pack job N={n}", carry_on=True):
                if (job := measure.measure_report_pack_job()) is not None:
                    report_pack_jobs.append(job)
            trivial.append({"n": n, **base.summary(3), "requests": len(base.samples_ms)})
            results += [
                {
                    "page": page.name,
                    "n": n,
                    "queries": page.queries,
                    **page.summary(2),
                    "ratio_to_trivial": round(page.median_ms / base.median_ms, 1),
                }
                for page in pages
            ]
            notes["pages"] = {
                page.name: {"path": world.redact(page.path), "as": page.who} for page in pages
            }
            # Each part on its own: a failed throughput run still leaves the
            # scale-out proof and the import, and the other way round.
            if n == NETWORK_N and not args.skip_throughput:
                with phases(f"throughput N={n}", carry_on=True):
                    throughput_entries, throughput_details = throughput.run(world)
            if n == NETWORK_N and not args.skip_scaleout:
                scale_out = {"shared_session": False, "save_visible_on_other_instance": False}
                with phases(f"scale-out N={n}", carry_on=True):
                    scale_out, scale_out_report = scaleout.run(world)
            with phases(f"reminders N={n}", carry_on=True):
                reminders.append({"n": n, **measure.measure_reminders(world)})
            # At the largest N, after the in-process figures (its saves change
            # a few statuses) and before the import (which changes them all).
            if n == max(sizes) and not args.skip_load:
                with phases(f"load N={n}", carry_on=True):
                    load_result = load.run(rate=args.load_rate, seconds=args.load_seconds)
            # Last: they change every status.
            with phases(f"import N={n}", carry_on=True):
                export = next(p for p in pages if p.name == measure.EXPORT_ALL)
                import_export.append({"n": n, **measure.measure_import(world, export.median_ms)})
            with phases(f"import job N={n}", carry_on=True):
                import_job_entries.append(measure_import_job(world.staff))
    except Exception as error:  # fail loudly, but still write what was measured
        errors.append(f"{type(error).__name__}: {error}")
        log(f"ERROR: {type(error).__name__}: {error}")
        traceback.print_exc()
    finally:
        shutil.rmtree(static_root, ignore_errors=True)

    notes["trivial"] = "/livez"
    notes["reminders"] = (
        "manage.py send_reminders' work on a digest weekday, in process: dry run, the run "
        "(every e-mail rendered, queued and recorded), the job worker sending them all "
        "with the in-memory mail backend, a second run"
    )
    notes["import"] = (
        "every task force x every active milestone, each status changed, as XLSX in the "
        "import's columns, uploaded (check) and applied as the staff user; one run each"
    )
    output = {
        "results": results,
        "throughput": throughput_entries,
        "targets": report.targets(results, import_export),
        "load": load_result,
        "import_export": import_export,
        "reminders": reminders,
        "import_job": import_job_entries,
        "report_pack_job": report_pack_jobs,
        "scale_out": scale_out,
        "machine": machine_info(),
        "trivial": trivial,
        "throughput_details": throughput_details,
        "scale_out_report": scale_out_report,
        "phases_seconds": {**phases.seconds, "total": phases.total()},
        "load_average_at_phase_start": phases.load,
        "notes": notes,
        "errors": errors,
    }
    temporary = args.output.with_name(args.output.name + ".tmp")
    temporary.write_text(json.dumps(output, indent=2) + "\n")
    temporary.replace(args.output)
    report.print_report(output)
    print(f"Wrote {args.output}")
    if errors:
        return 2
    # The targets that fail the run: the load's (p95 and errors), the
    # whole-country import's (at the largest N), and the scale-out check.
    load_missed = load_result is not None and not load_result["met"]
    import_missed = any(
        not e["met"]
        for e in import_job_entries
        if e["n"] == max(e["n"] for e in import_job_entries)
    )
    scale_out_failed = scale_out is not None and not all(scale_out.values())
    return 1 if load_missed or import_missed or scale_out_failed else 0


if __name__ == "__main__":
    sys.exit(main())
