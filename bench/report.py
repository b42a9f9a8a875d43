"""The printed table and the targets (reported, never enforced)."""

from __future__ import annotations

from typing import TextIO

from bench.measure import PAGES, SAVE
from bench.throughput import TARGETS as THROUGHPUT_TARGETS


def targets(results: list[dict], throughput: list[dict], scaling_limit: float) -> dict:
    """Scaling: each page's median at the largest N over its median at the
    smallest, against `scaling_limit`. Throughput: each page's share of the
    trivial view's requests per second, against its target."""
    sizes = sorted({row["n"] for row in results})
    scaling = []
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        by_key = {(row["page"], row["n"]): row for row in results}
        for page in [*PAGES, SAVE]:
            if (page, small) in by_key and (page, large) in by_key:
                factor = by_key[(page, large)]["median_ms"] / by_key[(page, small)]["median_ms"]
                scaling.append(
                    {
                        "page": page,
                        "from_n": small,
                        "to_n": large,
                        "factor": round(factor, 2),
                        "limit": scaling_limit,
                        "met": factor <= scaling_limit,
                    }
                )
    rates = []
    for entry in throughput:
        if entry["page"] in THROUGHPUT_TARGETS:
            target = THROUGHPUT_TARGETS[entry["page"]]
            rates.append(
                {
                    "page": entry["page"],
                    "ratio_to_trivial": entry["ratio_to_trivial"],
                    "target": target,
                    "met": entry["ratio_to_trivial"] >= target,
                }
            )
    return {"scaling": scaling, "throughput": rates}


def print_report(output: dict, out: TextIO) -> None:
    write = out.write
    trivial = {row["n"]: row for row in output["trivial"]}
    write("\nServer time per request (Django test client, in process, PostgreSQL)\n")
    for n, row in trivial.items():
        write(
            f"  trivial view /livez at N={n}: median {row['median_ms']:.3f} ms, "
            f"p95 {row['p95_ms']:.3f} ms ({row['requests']} requests)\n"
        )
    write(f"\n{'page':<11} {'n':>6} {'queries':>8} {'median ms':>10} {'p95 ms':>9} {'ratio':>8}\n")
    write("-" * 57 + "\n")
    order = {page: i for i, page in enumerate([*PAGES, SAVE])}
    for row in sorted(output["results"], key=lambda r: (order.get(r["page"], 99), r["n"])):
        write(
            f"{row['page']:<11} {row['n']:>6} {row['queries']:>8} {row['median_ms']:>10.2f} "
            f"{row['p95_ms']:>9.2f} {row['ratio_to_trivial']:>8.1f}\n"
        )
    left_out = output["notes"].get("pages_left_out") or []
    if left_out:
        write(f"left out (URL does not resolve): {', '.join(left_out)}\n")

    if output["throughput"]:
        write(
            "\nThroughput (gunicorn, 2 sync workers, wrk -t2 -c8 -d10s, N=36; "
            "median of the rounds)\n"
        )
        write(f"{'page':<18} {'requests/s':>11} {'ratio':>7}   rounds\n")
        for entry in output["throughput"]:
            rounds = ", ".join(f"{rps:.0f}" for rps in entry.get("rounds_rps", []))
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
    write("\nTargets (reported, not enforced)\n")
    for item in goals["scaling"]:
        write(
            f"  {'met    ' if item['met'] else 'NOT MET'} {item['page']}: median at "
            f"N={item['to_n']} is {item['factor']:.2f}x N={item['from_n']} "
            f"(limit {item['limit']:.0f}x)\n"
        )
    for item in goals["throughput"]:
        write(
            f"  {'met    ' if item['met'] else 'NOT MET'} {item['page']} throughput: "
            f"{item['ratio_to_trivial']:.3f} of the trivial view (target {item['target']})\n"
        )

    write("\nPhases (seconds; 1-minute load average when the phase started)\n")
    load = output.get("load_average_at_phase_start", {})
    cores = output["machine"].get("nproc") or 1
    for name, seconds in output["phases_seconds"].items():
        busy = name.startswith(("measure", "throughput")) and load.get(name, 0) > cores
        write(
            f"  {name:<24} {seconds:>7.1f}"
            + (f"   load {load[name]:.2f}" if name in load else "")
            + ("  (load above the core count: timings may be noisy)" if busy else "")
            + "\n"
        )
    if output["errors"]:
        write("\nERRORS\n")
        for error in output["errors"]:
            write(f"  {error}\n")
