"""The benchmark's open-loop load generator (bench/load.py): requests start on
schedule whatever the server does, latency counts from when each was due,
saves are never stale, and the verdict is p95 within the limit with no errors."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from bench import load, report, run


def test_the_plan_is_a_constant_rate_in_the_mix_and_the_same_every_time():
    requests = load.plan(50, 60, load.MIX, load.SEED, 10)

    assert len(requests) == 3000
    assert [due for due, _, _ in requests[:3]] == [0, 0.02, 0.04]
    assert requests[-1][0] == pytest.approx(59.98)
    for page, weight in load.MIX.items():
        share = sum(p == page for _, p, _ in requests) / len(requests)
        assert share == pytest.approx(weight / 100, abs=0.03), page
    assert {index for _, _, index in requests} == set(range(10))
    assert requests == load.plan(50, 60, load.MIX, load.SEED, 10)


def test_a_slow_server_shows_as_latency_not_as_fewer_requests():
    """One request at a time, 20 ms each, asked for every 10 ms: a closed
    loop would send half as many and see 20 ms; the open loop sends them all
    on time and counts the wait."""

    def send(page, index):
        time.sleep(0.02)
        return ""

    with ThreadPoolExecutor(1) as pool:
        started = time.perf_counter()
        samples = load.run_open_loop(pool, load.plan(100, 0.3, {"livez": 1}, 1, 1), send)
        elapsed = time.perf_counter() - started

    assert len(samples) == 30
    assert elapsed >= 0.6  # 30 x 20 ms, one at a time
    assert min(s.latency_ms for s in samples) >= 20
    # The last was due at 0.29 s and answered after about 0.6 s.
    assert max(s.latency_ms for s in samples) >= 250
    # Each was handed over when it was due, without waiting for an answer.
    assert max(s.late_ms for s in samples) < 100


def test_an_exception_is_an_error_and_does_not_stop_the_load():
    def send(page, index):
        if index == 0:
            raise TimeoutError("timed out")
        return "answered 500" if index == 1 else ""

    with ThreadPoolExecutor(4) as pool:
        samples = load.run_open_loop(pool, [(0, "a", 0), (0, "a", 1), (0.01, "a", 2)], send)

    assert [s.error for s in samples] == ["TimeoutError: timed out", "answered 500", ""]


def test_a_request_that_waits_too_long_for_a_thread_is_an_error_not_sent():
    sent = []

    def send(page, index):
        sent.append(index)
        time.sleep(0.2)
        return ""

    with ThreadPoolExecutor(1) as pool:
        samples = load.run_open_loop(pool, [(0, "a", 0), (0, "a", 1)], send, give_up_s=0.1)

    assert sent == [0]
    assert samples[1].error == "not sent: no free thread within 0.1 s"


def test_percentiles_by_nearest_rank():
    values = list(range(1, 101))
    assert [load.percentile(values, q) for q in (50, 95, 99)] == [50, 95, 99]
    assert load.percentile(list(range(1, 11)), 95) == 10
    assert load.percentile([7.0], 99) == 7.0


def _samples(page, latencies, error=""):
    return [load.Sample(page, 0.1, ms, error) for ms in latencies]


def test_the_target_is_met_with_every_p95_within_the_limit_and_no_errors():
    samples = _samples("dashboard", range(1, 101)) + _samples("save", [150] * 20)

    result = load.summarize(samples, 50, 60, 200)

    assert result["met"] is True
    assert {key: result[key] for key in ("rate", "duration_s", "errors")} == {
        "rate": 50,
        "duration_s": 60,
        "errors": 0,
    }
    assert result["pages"]["dashboard"] == {
        "p50_ms": 50,
        "p95_ms": 95,
        "p99_ms": 99,
        "requests": 100,
        "errors": 0,
    }
    assert result["all"]["requests"] == 120
    assert result["achieved_rate"] == 50  # handed over 0.1 ms late, every one


def test_one_slow_page_or_one_error_misses_the_target():
    fast = _samples("dashboard", [10] * 100)

    slow = load.summarize(fast + _samples("history", [10] * 90 + [250] * 10), 50, 60, 200)
    failed = load.summarize(fast + _samples("save", [10], error="answered 409"), 50, 60, 200)

    assert (slow["met"], slow["pages_over_limit"], slow["errors"]) == (False, ["history"], 0)
    assert (failed["met"], failed["errors"]) == (False, 1)
    assert failed["error_samples"] == ["save: answered 409"]


class _Server(BaseHTTPRequestHandler):
    """Answers like the site: 200 to a GET, and to a save 302 back to the
    task force while the version is the current one, 409 when it is stale."""

    versions: dict = {}
    posted: list = []
    lock = threading.Lock()

    def do_GET(self):
        self.send_response(200 if self.headers.get("Cookie") != "bad" else 302)
        self.send_header("Location", "/accounts/login/")
        self.end_headers()

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        with self.lock:
            current = self.versions.setdefault(self.path, 3)
            fresh = int(form["version"][0]) == current
            self.versions[self.path] = current + fresh
            self.posted.append((self.path, form["version"][0], form["status"][0]))
        self.send_response(302 if fresh else 409)
        self.send_header("Location", "/task-forces/a/" if fresh else "")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    _Server.versions, _Server.posted = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saves = load.Saves(["m1", "m2"], {(0, "m1"): (3, "achieved"), (0, "m2"): (3, "planning")})
    yield load.Site(
        f"http://127.0.0.1:{server.server_address[1]}",
        {"coordinator-0": "sessionid=x", "staff": "sessionid=y", "manager": "bad"},
        ["a"],
        ["token"],
        ["csrf"],
        saves,
    )
    server.shutdown()
    server.server_close()


def test_saves_take_the_next_milestone_with_its_version_and_the_other_status(site):
    assert [site.send("save", 0) for _ in range(4)] == ["", "", "", ""]

    assert _Server.posted == [
        ("/task-forces/a/milestones/m1/", "3", "in_progress"),
        ("/task-forces/a/milestones/m2/", "3", "in_progress"),  # from planning
        ("/task-forces/a/milestones/m1/", "4", "achieved"),
        ("/task-forces/a/milestones/m2/", "4", "achieved"),
    ]


def test_a_refused_save_is_an_error_and_its_milestone_is_left_out(site):
    _Server.versions["/task-forces/a/milestones/m1/"] = 9  # someone else saved it

    assert site.send("save", 0) == "answered 409"
    assert site.send("save", 0) == ""
    assert site.send("save", 0) == ""

    assert [path for path, _, _ in _Server.posted[1:]] == ["/task-forces/a/milestones/m2/"] * 2


def test_a_page_that_does_not_answer_200_is_an_error(site):
    assert site.send("dashboard", 0) == ""
    assert site.send("matrix", 0) == "answered 302"  # sent to the login page


def test_the_cpu_of_a_processs_children_is_counted():
    import os
    import subprocess
    import sys

    before = load.workers_cpu_seconds(os.getpid())
    busy = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", "import time; sum(range(30_000_000)); time.sleep(5)"]
    )
    try:
        time.sleep(0.2)
        deadline = time.monotonic() + 10
        while load.workers_cpu_seconds(os.getpid()) - before < 0.1:
            assert time.monotonic() < deadline, "the child's CPU time was never counted"
            time.sleep(0.1)
    finally:
        busy.kill()
        busy.wait()


def test_throughput_is_a_figure_not_a_target():
    goals = report.targets([], [])

    assert "throughput" not in goals
    assert not hasattr(report, "THROUGHPUT_FLOORS")


def test_the_load_options_of_make_bench():
    args = run.parse_args(["--load-rate", "20", "--load-seconds", "5", "--skip-load"])
    assert (args.load_rate, args.load_seconds, args.skip_load) == (20, 5, True)
    assert (run.parse_args([]).load_rate, run.parse_args([]).load_seconds) == (50, 60)
    with pytest.raises(SystemExit):
        run.parse_args(["--load-rate", "0"])
