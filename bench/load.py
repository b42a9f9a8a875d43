"""Open-loop load through gunicorn with the repo's gunicorn.conf.py: a mix of
the pages people use most, each request started when it is due on a fixed
schedule (a constant rate) whatever the earlier ones are doing, and its
latency counted from that moment, as wrk2 does. A slow server then shows as
latency, not as fewer requests (no coordinated omission). See bench/README.md.

`make bench` runs it at its largest N (bench/run.py). On its own, against the
database the last run left behind:

    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/taskforce_bench
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_DATABASE_URL, log  # noqa: E402

RATE = 50.0  # requests per second
SECONDS = 60.0
P95_LIMIT_MS = 200.0  # the target, on every page
WARM_UP_SECONDS = 10.0  # the same mix first, not counted: every worker's imports and caches
BASELINE_SECONDS = 5.0  # /livez at the same rate: what the generator and the machine add
TIMEOUT_SECONDS = 10.0  # a request still unanswered then is an error
THREADS = 64  # requests in flight at most; later ones wait, and their wait counts
TASK_FORCES = 10  # coordinators and task forces the load is spread over
SEED = 2026
# What people use most, in shares of the requests.
MIX = {
    "task_force": 30,
    "dashboard": 20,  # staff: every task force, first page of 50
    "partner": 15,  # anonymous, /p/<token>/
    "history": 15,
    "matrix": 10,  # program manager, /overview/
    "save": 10,  # POST of the milestone form; expects 302 to the task force
}
SAVE_STATUSES = ("in_progress", "achieved")  # every save changes the status


@dataclass(frozen=True)
class Sample:
    page: str
    late_ms: float  # handed to the pool after it was due: the generator's own delay
    latency_ms: float  # answered after it was due (a wait for a free thread included)
    error: str = ""


def plan(rate: float, seconds: float, mix: dict[str, int], seed: int, spread: int) -> list:
    """(due in seconds from the start, page, task force index): request i is
    due at i / rate; its page drawn with the mix's weights."""
    rng = random.Random(seed)  # noqa: S311 - an order, not a secret
    pages, weights = list(mix), list(mix.values())
    count = max(1, round(rate * seconds))
    return [
        (i / rate, page, rng.randrange(spread))
        for i, page in enumerate(rng.choices(pages, weights, k=count))
    ]


def run_open_loop(
    pool: ThreadPoolExecutor,
    requests: Sequence[tuple],
    send: Callable[[str, int], str],
    give_up_s: float = TIMEOUT_SECONDS,
) -> list[Sample]:
    """Hands each request to the pool when it is due, never waiting for an
    answer; `send(page, index)` returns an error text or "". Returns when
    every request has been answered or has failed. A request still waiting
    for a thread `give_up_s` after it was due is not sent but counted as an
    error, so an overwhelmed server cannot keep the run going for long."""
    samples: list[Sample | None] = [None] * len(requests)

    def work(position: int, page: str, index: int, due: float, late_ms: float) -> None:
        try:
            if time.perf_counter() - due > give_up_s:
                error = f"not sent: no free thread within {give_up_s:g} s"
            else:
                error = send(page, index)
        except Exception as problem:  # a refused connection or a timeout is an answer too
            error = f"{type(problem).__name__}: {problem}"
        done = time.perf_counter()
        samples[position] = Sample(page, late_ms, (done - due) * 1000, error)

    origin = time.perf_counter() + 0.05
    futures = []
    for position, (offset, page, index) in enumerate(requests):
        due = origin + offset
        if position and position % 500 == 0:
            answered = sum(sample is not None for sample in samples)
            log(f"   {position} sent, {answered} answered")
        if (delay := due - time.perf_counter()) > 0:
            time.sleep(delay)
        late_ms = (time.perf_counter() - due) * 1000
        futures.append(pool.submit(work, position, page, index, due, late_ms))
    for future in futures:
        future.result()
    return [sample for sample in samples if sample is not None]


def percentile(values: Sequence[float], percent: int) -> float:
    """Nearest rank: the smallest value with at least `percent` % of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, -(-percent * len(ordered) // 100) - 1)]


def latencies(samples: Sequence[Sample]) -> dict:
    values = [s.latency_ms for s in samples]
    figures = {f"p{q}_ms": round(percentile(values, q), 1) for q in (50, 95, 99)}
    return {**figures, "requests": len(samples), "errors": sum(bool(s.error) for s in samples)}


def summarize(samples: Sequence[Sample], rate: float, seconds: float, limit_ms: float) -> dict:
    """bench.json's "load": per page and overall; met when every page's p95
    is within the limit and nothing failed."""
    pages = {
        page: latencies([s for s in samples if s.page == page])
        for page in dict.fromkeys(s.page for s in samples)
    }
    errors = sum(bool(s.error) for s in samples)
    slow = sorted(page for page, figures in pages.items() if figures["p95_ms"] > limit_ms)
    lags = [s.late_ms for s in samples]
    # The rate the requests were handed over at, first to last: the schedule held?
    span = (len(samples) - 1) / rate + (lags[-1] - lags[0]) / 1000
    held = (len(samples) - 1) / span if span > 0 else rate
    return {
        "rate": rate,
        "duration_s": seconds,
        "errors": errors,
        "pages": pages,
        "all": latencies(samples),
        "p95_limit_ms": limit_ms,
        "met": bool(samples) and errors == 0 and not slow,
        "pages_over_limit": slow,
        "achieved_rate": round(held, 1),
        "started_late_ms": {
            "p50": round(percentile(lags, 50), 2),
            "p99": round(percentile(lags, 99), 2),
            "max": round(max(lags), 2),
        },
        "error_samples": sorted({f"{s.page}: {s.error}" for s in samples if s.error})[:10],
    }


@dataclass
class Saves:
    """The milestone form's state per task force, for saves that are never
    stale: each save takes the next milestone (of that task force) not being
    saved at the moment, with the version the last save left it at and the
    other status. A save that failed leaves its milestone out from then on
    (its version is no longer known)."""

    milestones: list[str]
    state: dict[tuple[int, str], tuple[int, str]]  # (task force, milestone) -> version, status
    _next: dict[int, int] = field(default_factory=dict)
    _busy: set = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, index: int) -> tuple[str, int, str] | None:
        with self._lock:
            start = self._next.get(index, 0)
            for step in range(len(self.milestones)):
                slug = self.milestones[(start + step) % len(self.milestones)]
                if (index, slug) in self.state and (index, slug) not in self._busy:
                    self._next[index] = start + step + 1
                    self._busy.add((index, slug))
                    version, status = self.state[(index, slug)]
                    other = SAVE_STATUSES[status == SAVE_STATUSES[0]]
                    return slug, version, other
            return None

    def done(self, index: int, slug: str, version: int, status: str, saved: bool) -> None:
        with self._lock:
            self._busy.discard((index, slug))
            if saved:
                self.state[(index, slug)] = (version + 1, status)
            else:
                self.state.pop((index, slug), None)


@dataclass
class Site:
    """Sends one request of the mix as the person who would make it."""

    base: str
    cookies: dict[str, str]  # role -> Cookie header
    task_forces: list[str]  # slugs
    tokens: list[str]
    csrf: list[str]  # each coordinator's form token
    saves: Saves

    def send(self, page: str, index: int) -> str:
        slug, coordinator = self.task_forces[index], f"coordinator-{index}"
        if page == "save":
            return self._save(index)
        method, path, role = {
            "task_force": ("GET", f"/task-forces/{slug}/", coordinator),
            "history": ("GET", f"/task-forces/{slug}/history/", coordinator),
            "dashboard": ("GET", "/", "staff"),
            "matrix": ("GET", "/overview/", "manager"),
            "partner": ("GET", f"/p/{self.tokens[index]}/", ""),
            "livez": ("GET", "/livez", ""),
        }[page]
        status, _ = self.request(method, path, self.cookies.get(role, ""))
        return "" if status == 200 else f"answered {status}"

    def _save(self, index: int) -> str:
        taken = self.saves.take(index)
        if taken is None:
            return "no milestone free to save"
        milestone, version, status = taken
        form = {
            "csrfmiddlewaretoken": self.csrf[index],
            "status": status,
            "lead_partner": "County Health Department",
            "target_date": "",
            "notes": "",
            "version": version,
        }
        path = f"/task-forces/{self.task_forces[index]}/milestones/{milestone}/"
        saved = False
        try:
            answer, location = self.request(
                "POST", path, self.cookies[f"coordinator-{index}"], form
            )
            saved = answer == 302 and "/task-forces/" in location
        finally:
            self.saves.done(index, milestone, version, status, saved)
        return "" if saved else f"answered {answer} {location}".strip()

    def request(
        self, method: str, path: str, cookie: str, form: dict | None = None
    ) -> tuple[int, str]:
        """One request on its own connection (gunicorn's sync workers close
        each one), the whole body read."""
        parts = urlsplit(self.base)
        headers = {"Host": parts.hostname or ""}
        if cookie:
            headers["Cookie"] = cookie
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_SECONDS)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        return response.status, response.getheader("Location", "")


def workers_cpu_seconds(master_pid: int) -> float:
    """CPU time (user and system) of a gunicorn master's workers so far, from
    /proc (Linux): what the app costs per request, whatever else runs here."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == master_pid:  # ppid; then utime and stime, fields 14 and 15
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _cookie_header(cookies: dict[str, str]) -> str:
    # Sent as a header: with DEBUG off the cookies are Secure and this is plain HTTP.
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _site(base: str, spread: int) -> Site:
    """Signs in the staff user, the program manager and `spread` coordinators
    (spread evenly over the task forces) through the login form, and reads
    the milestone versions the saves start from."""
    from assessments.models import MilestoneStatus, TaskForce
    from bench import data
    from bench.server import HttpSession, form_values
    from stages.models import Milestone

    total = TaskForce.objects.count()
    first = data.coordinator_username(0)
    if not total or not TaskForce.objects.filter(coordinators__username=first).exists():
        raise RuntimeError("No bench data in this database: build it with bench/run.py first")
    spread = min(spread, total)
    positions = [k * total // spread for k in range(spread)]
    cookies, slugs, tokens, csrf = {}, [], [], []
    for role, username in (("staff", "bench-staff"), ("manager", "bench-manager")):
        browser = HttpSession(base)
        browser.login(username)
        cookies[role] = _cookie_header(browser.cookies)
    milestones = list(Milestone.objects.active().values_list("slug", flat=True))
    state = {}
    for index, position in enumerate(positions):
        username = data.coordinator_username(position)
        task_force = TaskForce.objects.get(coordinators__username=username)
        slugs.append(task_force.slug)
        tokens.append(data.partner_token(position))
        browser = HttpSession(base)
        browser.login(username)
        form = browser.get(f"/task-forces/{task_force.slug}/milestones/{milestones[0]}/")
        if form.status != 200:
            raise RuntimeError(f"{username}'s milestone form answered {form.status}")
        csrf.append(form_values(form.body)["csrfmiddlewaretoken"])
        cookies[f"coordinator-{index}"] = _cookie_header(browser.cookies)
        for slug, version, status in MilestoneStatus.objects.filter(
            task_force=task_force, milestone__slug__in=milestones
        ).values_list("milestone__slug", "version", "status"):
            state[(index, slug)] = (version, status)
    return Site(base, cookies, slugs, tokens, csrf, Saves(milestones, state))


def run(*, rate: float = RATE, seconds: float = SECONDS, spread: int = TASK_FORCES) -> dict:
    """bench.json's "load", against gunicorn with the repo's configuration on
    the database Django is set up with."""
    from assessments.models import TaskForce
    from bench.server import Gunicorn, repo_config_workers

    with Gunicorn(name="load", repo_config=True) as server, ThreadPoolExecutor(THREADS) as pool:
        site = _site(server.base, spread)
        every = [(page, index) for page in MIX for index in range(len(site.task_forces))]
        checks = [site.send(page, index) for page, index in every]
        if failed := [f"{p}: {e}" for (p, _), e in zip(every, checks, strict=True) if e]:
            raise RuntimeError(
                f"Pages failed before the load: {failed}; gunicorn log:\n{server.log_tail()}"
            )
        spread = len(site.task_forces)
        log(f"   warm-up: {WARM_UP_SECONDS:.0f} s at {rate:g} requests/s (not counted)")
        warm_up = run_open_loop(pool, plan(rate, WARM_UP_SECONDS, MIX, SEED + 1, spread), site.send)
        log(f"   /livez alone: {BASELINE_SECONDS:.0f} s at {rate:g} requests/s")
        baseline = run_open_loop(
            pool, plan(rate, BASELINE_SECONDS, {"livez": 1}, SEED, 1), site.send
        )
        log(f"   the mix: {seconds:g} s at {rate:g} requests/s")
        load_before, cpu_before = os.getloadavg(), time.process_time()
        server_cpu_before = workers_cpu_seconds(server.process.pid)
        started = time.perf_counter()
        samples = run_open_loop(pool, plan(rate, seconds, MIX, SEED, spread), site.send)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        server_cpu = workers_cpu_seconds(server.process.pid) - server_cpu_before
        load_after = os.getloadavg()
        log_tail = server.log_tail() if any(s.error for s in samples) else ""
    result = summarize(samples, rate, seconds, P95_LIMIT_MS)
    sent = sum(not s.error.startswith("not sent") for s in samples) or 1
    result.update(
        n=TaskForce.objects.count(),
        task_forces_used=spread,
        mix=MIX,
        server=f"gunicorn -c gunicorn.conf.py, {repo_config_workers()} sync workers",
        # The generator's own CPU (every thread of this process), in cores.
        generator_cpu_cores=round(cpu / elapsed, 3),
        # The app's CPU per request sent (gunicorn's workers; PostgreSQL's is not counted).
        server_cpu_ms_per_request=round(server_cpu * 1000 / sent, 1),
        warm_up_s=WARM_UP_SECONDS,
        warm_up_errors=sum(bool(s.error) for s in warm_up),
        baseline_livez=latencies(baseline),
        load_average={
            "start": [round(x, 2) for x in load_before],
            "end": [round(x, 2) for x in load_after],
        },
    )
    for page, figures in result["pages"].items():
        log(
            f"   {page}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
            f"p99 {figures['p99_ms']} ms, {figures['requests']} requests, "
            f"{figures['errors']} errors"
        )
    if log_tail:
        log(f"   gunicorn log:\n{log_tail}")
    return result


def print_report(load: dict) -> None:
    verdict = "PASS" if load["met"] else "FAIL"
    print(
        f"\nOpen-loop load ({load['server']}, N={load['n']:,}): {load['rate']:g} requests/s "
        f"for {load['duration_s']:g} s, {load['all']['requests']} requests "
        f"(sent at {load['achieved_rate']:g}/s), {load['errors']} errors: {verdict} "
        f"(p95 <= {load['p95_limit_ms']:g} ms on every page, no errors)"
    )
    print(
        f"{'page':<12} {'share':>6} {'requests':>9} {'errors':>7} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8}"
    )
    rows = [*load["pages"].items(), ("all", load["all"])]
    for page, f in rows:
        share = f"{load['mix'][page]}%" if page in load["mix"] else ""
        print(
            f"{page:<12} {share:>6} {f['requests']:>9} {f['errors']:>7} {f['p50_ms']:>8.1f} "
            f"{f['p95_ms']:>8.1f} {f['p99_ms']:>8.1f}"
        )
    base, lag = load["baseline_livez"], load["started_late_ms"]
    print(
        f"/livez alone at the same rate: p50 {base['p50_ms']} ms, p95 {base['p95_ms']} ms; "
        f"requests started late by p99 {lag['p99']} ms (max {lag['max']} ms); the generator "
        f"used {load['generator_cpu_cores']:.2f} cores; load average {load['load_average']}"
    )
    cpu = load["server_cpu_ms_per_request"]
    print(
        f"gunicorn's workers used {cpu:g} ms of CPU per request: "
        f"{cpu * load['rate'] / 1000:.2f} cores at {load['rate']:g} requests/s, PostgreSQL apart"
    )
    for error in load["error_samples"]:
        print(f"  error: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Open-loop load against a built bench database")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--load-rate", type=float, default=RATE, help="requests per second")
    parser.add_argument("--load-seconds", type=float, default=SECONDS)
    parser.add_argument(
        "--merge-into",
        type=Path,
        help='a bench.json whose "load" this run replaces (its other figures are kept)',
    )
    args = parser.parse_args(argv)
    if args.load_rate <= 0 or args.load_seconds <= 0:
        parser.error("--load-rate and --load-seconds must be positive")

    from bench.common import setup_django

    # Stopped (timeout, Ctrl-C), it still stops its gunicorn on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    static_root = setup_django(args.database_url)
    try:
        from django.core.management import call_command

        call_command("collectstatic", "--no-input", verbosity=0)
        load = run(rate=args.load_rate, seconds=args.load_seconds)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    print_report(load)
    if args.merge_into:
        output = json.loads(args.merge_into.read_text())
        output["load"] = load
        output.setdefault("notes", {})["load"] = (
            f"measured on its own (bench/load.py) on {datetime.date.today()} against the bench "
            f"database at N={load['n']}; the other figures are from the last full run"
        )
        args.merge_into.write_text(json.dumps(output, indent=2) + "\n")
        print(f'Wrote "load" into {args.merge_into}')
    return 0 if load["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
