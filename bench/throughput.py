"""Requests per second through gunicorn (2 sync workers) on PostgreSQL, with wrk.

wrk -t2 -c8 -d10s against the trivial view, the partner page and the
dashboard (a staff session, logged in through the login form; its cookies
are sent as a header because they are Secure and this is plain HTTP), and
against the trivial view with that session too: a logged-in request's floor
(session and user read), for reading the dashboard's figure.

On a two-core machine that also runs wrk and PostgreSQL, one 10-second run
varies by about 10% from the next. So the pages are run in ROUNDS
interleaved rounds, and each page's figure is its median; the ratio is
median over median. A Lua script counts responses that are not 200, so a
redirect to the login page cannot pass for a fast dashboard; any such
response fails the run.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.common import log
from bench.data import World
from bench.measure import TRIVIAL_PATH
from bench.server import Gunicorn, HttpSession

DURATION = "10s"
THREADS = 2
CONNECTIONS = 8
WORKERS = 2
ROUNDS = 5
TARGETS = {"partner": 0.5, "dashboard": 0.25}

COUNT_NON_200 = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0 end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("non200") end
  io.write(string.format("BENCH_NON200 %d\\n", total))
end
"""


class ThroughputError(Exception):
    pass


def ensure_wrk() -> str:
    """The wrk binary, installed with apt-get when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        raise ThroughputError("wrk is not installed and apt-get is not available")
    log("   installing wrk (apt-get install -y wrk)")
    subprocess.run([apt, "update", "-qq"], check=True)  # noqa: S603 - fixed command
    subprocess.run([apt, "install", "-y", "-qq", "wrk"], check=True)  # noqa: S603
    found = shutil.which("wrk")
    if not found:
        raise ThroughputError("apt-get install wrk did not provide a wrk binary")
    return found


def _run_wrk(wrk: str, url: str, script: Path, cookie: str | None) -> dict:
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{DURATION}",
        "--latency",
        "-s",
        str(script),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(  # noqa: S603 - fixed command
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non200 = re.search(r"BENCH_NON200 (\d+)", output)
    total = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Socket errors: (.*)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (rps and non200 and total):
        raise ThroughputError(f"Could not read wrk's output:\n{output}")
    return {
        "rps": float(rps.group(1)),
        "requests": int(total.group(1)),
        "non_200": int(non200.group(1)),
        "socket_errors": errors.group(1) if errors else "",
        "latency_p50": p50.group(1) if p50 else "",
        "latency_p99": p99.group(1) if p99 else "",
    }


def run(world: World, env: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """Returns the throughput entries for bench.json and wrk's details."""
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp, Gunicorn(env, workers=WORKERS) as server:
        script = Path(tmp) / "count.lua"
        script.write_text(COUNT_NON_200)
        server.wait_ready()
        browser = HttpSession(server.base)
        browser.login(world.staff)
        # Every cookie the browser holds (session and CSRF), as a browser sends them.
        cookies = dict(browser.cookies)
        cookie_header = "; ".join(f"{name}={value}" for name, value in cookies.items())
        urls = {
            "trivial": (TRIVIAL_PATH, False),
            "partner": (f"/p/{world.partner_token}/", False),
            "dashboard": ("/", True),
            "trivial_logged_in": (TRIVIAL_PATH, True),
        }
        for page, (path, logged_in) in urls.items():
            _check(server, page, path, cookies if logged_in else {})
        runs: dict[str, list[dict]] = {page: [] for page in urls}
        for round_number in range(1, ROUNDS + 1):
            for page, (path, logged_in) in urls.items():
                result = _run_wrk(
                    wrk, server.base + path, script, cookie_header if logged_in else None
                )
                if result["non_200"] or result["socket_errors"]:
                    raise ThroughputError(
                        f"{page}: {result['non_200']} responses were not 200 "
                        f"(socket errors: {result['socket_errors'] or 'none'}); gunicorn log:\n"
                        f"{server.log_tail()}"
                    )
                log(
                    f"   round {round_number}, {page}: {result['rps']:.1f} requests/s "
                    f"(p50 {result['latency_p50']}, p99 {result['latency_p99']})"
                )
                runs[page].append(result)
        for page, (path, logged_in) in urls.items():
            _check(server, page, path, cookies if logged_in else {})
    details = [
        {"page": page, "path": _redact(urls[page][0], world), "runs": page_runs}
        for page, page_runs in runs.items()
    ]
    medians = {
        page: statistics.median(r["rps"] for r in page_runs) for page, page_runs in runs.items()
    }
    entries = [
        {
            "page": page,
            "rps": round(rps, 1),
            "ratio_to_trivial": round(rps / medians["trivial"], 3) if medians["trivial"] else None,
            "rounds_rps": [round(r["rps"], 1) for r in runs[page]],
        }
        for page, rps in medians.items()
    ]
    return entries, details


def _check(server: Gunicorn, page: str, path: str, cookies: dict[str, str]) -> None:
    """The page answers 200 (not a redirect), before the runs (warming both
    workers) and after them."""
    client = HttpSession(server.base, dict(cookies))
    for _ in range(5):
        response = client.get(path)
        if response.status != 200:
            raise ThroughputError(f"{page}: {path} answered {response.status}")


def _redact(path: str, world: World) -> str:
    return path.replace(world.partner_token, "<token>")
