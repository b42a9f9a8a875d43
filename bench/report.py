"""The targets that are reported, never enforced (the load's target fails the
run: bench/load.py, bench/run.py), and the printed summary. See bench/README.md."""

from __future__ import annotations

from bench import load
from bench.measure import EXPORT_ALL

SCALING_LIMIT = 3.0  # a page's median at the largest N over its median at the smallest
QUERY_SLACK = 1  # a paginator's COUNT, run only when the first page is not everything
PER_ROW_LIMIT = 3.0  # time per row at the largest N over time per row at the smallest
PER_ROW = {
    "import_check": "check_ms_per_row",
    "import_apply": "apply_ms_per_row",
    EXPORT_ALL: "export_ms_per_row",
}
GOAL_TEXT = {
    "queries": "{page}: {queries[0]} queries at N={from_n}, {queries[1]} at N={to_n} "
    "(the same, give or take {slack})",
    "scaling": "{page}: median at N={to_n} is {factor:.2f}x N={from_n} (limit {limit:.0f}x)",
    "per_row": "{what}: time per row at N={to_n} is {factor:.2f}x N={from_n} (limit {limit:.0f}x)",
}
NEEDS_TWO_SIZES = (
    "; the page and per-row targets compare the smallest and the largest N, so they need two sizes"
)


def _growth(before: float, after: float, limit: float, **fields) -> dict:
    factor = after / before
    return {**fields, "factor": round(factor, 2), "limit": limit, "met": factor <= limit}


def targets(results: list[dict], import_export: list[dict]) -> dict:
    """The page and per-row targets compare the smallest and the largest N.
    Throughput is a figure, not a target: what people feel is the load's
    latency (bench/load.py)."""
    goals: dict[str, list] = {"scaling": [], "queries": [], "per_row": []}
    sizes = sorted({row["n"] for row in results})
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        span = {"from_n": small, "to_n": large}
        by_key = {(row["page"], row["n"]): row for row in results}
        for page in dict.fromkeys(row["page"] for row in results):
            before, after = by_key.get((page, small)), by_key.get((page, large))
            if before is None or after is None:
                continue
            queries = [before["queries"], after["queries"]]
            met = abs(queries[1] - queries[0]) <= QUERY_SLACK
            goals["queries"].append(
                {"page": page, **span, "queries": queries, "slack": QUERY_SLACK, "met": met}
            )
            if page != EXPORT_ALL:  # its output grows with N: its target is per row
                goals["scaling"].append(
                    _growth(
                        before["median_ms"], after["median_ms"], SCALING_LIMIT, page=page, **span
                    )
                )
        by_n = {entry["n"]: entry for entry in import_export}
        if small in by_n and large in by_n:
            for what, key in PER_ROW.items():
                ms = [by_n[small][key], by_n[large][key]]
                goals["per_row"].append(
                    _growth(*ms, PER_ROW_LIMIT, what=what, **span, ms_per_row=ms)
                )
    return goals


def print_report(output: dict) -> None:
    print("\nServer time per request (Django test client, in process, PostgreSQL)")
    for row in output["trivial"]:
        print(
            f"  trivial view /livez at N={row['n']}: median {row['median_ms']:.3f} ms, "
            f"p95 {row['p95_ms']:.3f} ms ({row['requests']} requests)"
        )
    print(f"\n{'page':<16} {'n':>6} {'queries':>8} {'median ms':>10} {'p95 ms':>9} {'ratio':>8}")
    print("-" * 62)
    order = {page: i for i, page in enumerate(output["notes"].get("pages", {}))}
    for row in sorted(output["results"], key=lambda r: (order.get(r["page"], 99), r["n"])):
        print(
            f"{row['page']:<16} {row['n']:>6} {row['queries']:>8} {row['median_ms']:>10.2f} "
            f"{row['p95_ms']:>9.2f} {row['ratio_to_trivial']:>8.1f}"
        )

    if output["import_export"]:
        print("\nImport of every status (XLSX, check and apply, one run each) and export of")
        print("every status (CSV, the export_all median above); ms per row")
        print(
            f"{'n':>6} {'rows':>7} {'check s':>8} {'apply s':>8} {'check':>7} {'apply':>7} "
            f"{'export':>7} {'apply queries/row':>18}"
        )
        for e in output["import_export"]:
            print(
                f"{e['n']:>6} {e['rows']:>7} {e['check_s']:>8.2f} {e['apply_s']:>8.2f} "
                f"{e['check_ms_per_row']:>7.3f} {e['apply_ms_per_row']:>7.3f} "
                f"{e['export_ms_per_row']:>7.3f} {e['apply_queries'] / e['rows']:>18.1f}"
            )

    if output.get("reminders"):
        print(
            "\nsend_reminders (every task force, digest day; the run queues, the worker "
            "sends with in-memory mail; one run each)"
        )
        print(
            f"{'n':>6} {'e-mails':>8} {'items':>7} {'dry s':>7} {'dry q':>6} "
            f"{'queue s':>8} {'queue q':>8} {'send s':>7} {'send q':>7} "
            f"{'again s':>8} {'again q':>8}"
        )
        for e in output["reminders"]:
            print(
                f"{e['n']:>6} {e['emails']:>8} {e['items']:>7} {e['dry_run_s']:>7.2f} "
                f"{e['dry_run_queries']:>6} {e['queue_s']:>8.2f} {e['queue_queries']:>8} "
                f"{e['worker_s']:>7.2f} {e['worker_queries']:>7} "
                f"{e['second_run_s']:>8.2f} {e['second_run_queries']:>8}"
            )

    if output.get("import_job"):
        print(
            "\nThe import as jobs (every status changed, XLSX; target: check + apply "
            "<= 20 s, every request <= 1 s)"
        )
        print(f"{'n':>6} {'rows':>7} {'check s':>8} {'apply s':>8} {'max request s':>14}  met")
        for e in output["import_job"]:
            print(
                f"{e['n']:>6} {e['rows']:>7} {e['check_s']:>8.2f} {e['apply_s']:>8.2f} "
                f"{e['max_request_s']:>14.3f}  {'yes' if e['met'] else 'NO'}"
            )

    if output.get("load"):
        load.print_report(output["load"])

    if output["throughput"]:
        print("\nThroughput, a figure (gunicorn, 2 sync workers, wrk -t2 -c8 -d10s, N=36; median)")
        print(f"{'page':<18} {'requests/s':>11} {'ratio':>7}   rounds")
        for e in output["throughput"]:
            rounds = ", ".join(f"{rps:.0f}" for rps in e["rounds_rps"])
            print(f"{e['page']:<18} {e['rps']:>11.1f} {e['ratio_to_trivial']:>7.3f}   {rounds}")

    if (scale_out := output["scale_out"]) is not None:
        verdict = "PASS" if all(scale_out.values()) else "FAIL"
        print(f"\nScale-out (two gunicorn instances, one database): {verdict}")
        for key, value in scale_out.items():
            print(f"  {key}: {value}")

    goals = output["targets"]
    checked = [goal for kind in goals.values() for goal in kind]
    met = sum(goal["met"] for goal in checked)
    print(f"\nTargets (reported, not enforced): {met} of {len(checked)} met", end="")
    print("" if goals["scaling"] else NEEDS_TWO_SIZES)
    for kind in ("queries", "scaling", "per_row"):
        for goal in goals[kind]:
            verdict = "met    " if goal["met"] else "NOT MET"
            print(f"  {verdict} {GOAL_TEXT[kind].format(**goal)}")

    print("\nPhases (seconds; 1-minute load average when the phase started)")
    load_at, cores = output["load_average_at_phase_start"], output["machine"]["nproc"] or 1
    for name, seconds in output["phases_seconds"].items():
        busy = name.startswith(("measure", "throughput", "load")) and load_at.get(name, 0) > cores
        print(
            f"  {name:<24} {seconds:>7.1f}"
            + (f"   load {load_at[name]:.2f}" if name in load_at else "")
            + ("  (load above the core count: timings may be noisy)" if busy else "")
        )
    for error in output["errors"]:
        print(f"ERROR: {error}")
