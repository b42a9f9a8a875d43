"""The targets (reported, never enforced) and the printed summary."""

from __future__ import annotations

from typing import TextIO

from bench.measure import EXPORT_ALL

SCALING_LIMIT = 3.0  # a page's median at the largest N over its median at the smallest
QUERY_SLACK = 1  # a paginator's COUNT, run only when the first page is not everything
PER_ROW_LIMIT = 3.0  # time per row at the largest N over time per row at the smallest
THROUGHPUT_FLOORS = {"partner": 0.4, "dashboard": 0.2}  # share of the trivial view's rate
PER_ROW = {
    "import_check": "check_ms_per_row",
    "import_apply": "apply_ms_per_row",
    EXPORT_ALL: "export_ms_per_row",
}


def _verdict(met: bool) -> str:
    return "met    " if met else "NOT MET"


def targets(results: list[dict], import_export: list[dict], throughput: list[dict]) -> dict:
    """Between the smallest and the largest N: every page runs the same number
    of queries (give or take QUERY_SLACK) and, but for the export of every
    task force, takes at most SCALING_LIMIT times as long; the import's check
    and apply and that export take at most PER_ROW_LIMIT times as long per
    row. Throughput: each page's share of the trivial view's requests per
    second is at least its floor."""
    goals: dict[str, list] = {"scaling": [], "queries": [], "per_row": [], "throughput": []}
    sizes = sorted({row["n"] for row in results})
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        by_key = {(row["page"], row["n"]): row for row in results}
        pages = dict.fromkeys(row["page"] for row in results)
        for page in pages:
            if (page, small) not in by_key or (page, large) not in by_key:
                continue
            before, after = by_key[(page, small)], by_key[(page, large)]
            goals["queries"].append(
                {
                    "page": page,
                    "from_n": small,
                    "to_n": large,
                    "queries": [before["queries"], after["queries"]],
                    "slack": QUERY_SLACK,
                    "met": abs(after["queries"] - before["queries"]) <= QUERY_SLACK,
                }
            )
            if page != EXPORT_ALL:
                factor = after["median_ms"] / before["median_ms"]
                goals["scaling"].append(
                    {
                        "page": page,
                        "from_n": small,
                        "to_n": large,
                        "factor": round(factor, 2),
                        "limit": SCALING_LIMIT,
                        "met": factor <= SCALING_LIMIT,
                    }
                )
        by_n = {entry["n"]: entry for entry in import_export}
        if small in by_n and large in by_n:
            for what, key in PER_ROW.items():
                factor = by_n[large][key] / by_n[small][key]
                goals["per_row"].append(
                    {
                        "what": what,
                        "from_n": small,
                        "to_n": large,
                        "ms_per_row": [by_n[small][key], by_n[large][key]],
                        "factor": round(factor, 2),
                        "limit": PER_ROW_LIMIT,
                        "met": factor <= PER_ROW_LIMIT,
                    }
                )
    for entry in throughput:
        if entry["page"] in THROUGHPUT_FLOORS:
            floor = THROUGHPUT_FLOORS[entry["page"]]
            goals["throughput"].append(
                {
                    "page": entry["page"],
                    "ratio_to_trivial": entry["ratio_to_trivial"],
                    "target": floor,
                    "met": entry["ratio_to_trivial"] >= floor,
                }
            )
    return goals


def print_report(output: dict, out: TextIO) -> None:
    write = out.write
    write("\nServer time per request (Django test client, in process, PostgreSQL)\n")
    for row in output["trivial"]:
        write(
            f"  trivial view /livez at N={row['n']}: median {row['median_ms']:.3f} ms, "
            f"p95 {row['p95_ms']:.3f} ms ({row['requests']} requests)\n"
        )
    write(f"\n{'page':<16} {'n':>6} {'queries':>8} {'median ms':>10} {'p95 ms':>9} {'ratio':>8}\n")
    write("-" * 62 + "\n")
    order = {page: i for i, page in enumerate(output["notes"].get("pages", {}))}
    for row in sorted(output["results"], key=lambda r: (order.get(r["page"], 99), r["n"])):
        write(
            f"{row['page']:<16} {row['n']:>6} {row['queries']:>8} {row['median_ms']:>10.2f} "
            f"{row['p95_ms']:>9.2f} {row['ratio_to_trivial']:>8.1f}\n"
        )

    if output["import_export"]:
        write("\nImport of every status (XLSX, check and apply, one run each) and export of\n")
        write("every status (CSV, the export_all median above); ms per row\n")
        write(f"{'n':>6} {'rows':>7} {'check s':>8} {'apply s':>8} {'check':>7} {'apply':>7} ")
        write(f"{'export':>7} {'apply queries/row':>18}\n")
        for entry in output["import_export"]:
            write(
                f"{entry['n']:>6} {entry['rows']:>7} {entry['check_s']:>8.2f} "
                f"{entry['apply_s']:>8.2f} {entry['check_ms_per_row']:>7.3f} "
                f"{entry['apply_ms_per_row']:>7.3f} {entry['export_ms_per_row']:>7.3f} "
                f"{entry['apply_queries'] / entry['rows']:>18.1f}\n"
            )

    if output["throughput"]:
        write("\nThroughput (gunicorn, 2 sync workers, wrk -t2 -c8 -d10s, N=36; median)\n")
        write(f"{'page':<18} {'requests/s':>11} {'ratio':>7}   rounds\n")
        for entry in output["throughput"]:
            rounds = ", ".join(f"{rps:.0f}" for rps in entry["rounds_rps"])
            write(
                f"{entry['page']:<18} {entry['rps']:>11.1f} "
                f"{entry['ratio_to_trivial']:>7.3f}   {rounds}\n"
            )

    scale_out = output["scale_out"]
    if scale_out is not None:
        verdict = "PASS" if all(scale_out.values()) else "FAIL"
        write(f"\nScale-out (two gunicorn instances, one database): {verdict}\n")
        for key, value in scale_out.items():
            write(f"  {key}: {value}\n")

    goals = output["targets"]
    checked = [item for items in goals.values() for item in items]
    write(
        f"\nTargets (reported, not enforced): {sum(item['met'] for item in checked)} of "
        f"{len(checked)} met"
        + (
            ""
            if goals["scaling"]
            else "; the page and per-row targets "
            "compare the smallest and the largest N, so they need two sizes"
        )
        + "\n"
    )
    for item in goals["queries"]:
        before, after = item["queries"]
        write(
            f"  {_verdict(item['met'])} {item['page']}: {before} queries at N={item['from_n']}, "
            f"{after} at N={item['to_n']} (the same, give or take {item['slack']})\n"
        )
    for item in goals["scaling"]:
        write(
            f"  {_verdict(item['met'])} {item['page']}: median at N={item['to_n']} is "
            f"{item['factor']:.2f}x N={item['from_n']} (limit {item['limit']:.0f}x)\n"
        )
    for item in goals["per_row"]:
        write(
            f"  {_verdict(item['met'])} {item['what']}: time per row at N={item['to_n']} is "
            f"{item['factor']:.2f}x N={item['from_n']} (limit {item['limit']:.0f}x)\n"
        )
    for item in goals["throughput"]:
        write(
            f"  {_verdict(item['met'])} {item['page']} throughput: "
            f"{item['ratio_to_trivial']:.3f} of the trivial view (floor {item['target']})\n"
        )

    write("\nPhases (seconds; 1-minute load average when the phase started)\n")
    load = output["load_average_at_phase_start"]
    cores = output["machine"]["nproc"] or 1
    for name, seconds in output["phases_seconds"].items():
        busy = name.startswith(("measure", "throughput")) and load.get(name, 0) > cores
        write(
            f"  {name:<24} {seconds:>7.1f}"
            + (f"   load {load[name]:.2f}" if name in load else "")
            + ("  (load above the core count: timings may be noisy)" if busy else "")
            + "\n"
        )
    for error in output["errors"]:
        write(f"ERROR: {error}\n")
