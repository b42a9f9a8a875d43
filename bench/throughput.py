"""Requests per second through gunicorn (2 sync workers) with wrk, in
interleaved rounds, each page's figure its median (see bench/README.md)."""

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

WRK_OPTIONS = ["-t2", "-c8", "-d10s", "--latency"]
ROUNDS = 5  # one 10-second run varies by 10-25% from the next on two cores
# So that a redirect to the login page cannot pass for a fast dashboard.
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


def _wrk() -> str:
    """The wrk binary, installed with apt-get when missing."""
    if not shutil.which("wrk"):
        log("   installing wrk (apt-get install -y wrk)")
        subprocess.run(["apt-get", "update", "-qq"], check=True)  # noqa: S607 - fixed command
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)  # noqa: S607
    if not (wrk := shutil.which("wrk")):
        raise ThroughputError("wrk is not installed and apt-get did not provide it")
    return wrk


def _run_wrk(wrk: str, url: str, script: Path, cookie: str | None) -> dict:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    output = subprocess.run(  # noqa: S603 - fixed command
        [wrk, *WRK_OPTIONS, "-s", str(script), *headers, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def find(pattern: str) -> str:
        match = re.search(pattern, output, re.MULTILINE)
        if not match:
            raise ThroughputError(f"Could not read wrk's output:\n{output}")
        return match.group(1)

    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(find(r"Requests/sec:\s+([\d.]+)")),
        "requests": int(find(r"(\d+) requests in")),
        "non_200": int(find(r"BENCH_NON200 (\d+)")),
        "socket_errors": errors.group(1) if errors else "",
        "latency_p50": find(r"^\s+50%\s+(\S+)"),
        "latency_p99": find(r"^\s+99%\s+(\S+)"),
    }


def run(world: World) -> tuple[list[dict], list[dict]]:
    """The throughput entries for bench.json, and wrk's details."""
    wrk = _wrk()
    with tempfile.TemporaryDirectory() as tmp, Gunicorn() as server:
        script = Path(tmp) / "count.lua"
        script.write_text(COUNT_NON_200)
        browser = HttpSession(server.base)
        browser.login(world.staff)
        # Sent as a header: the cookies are Secure and this is plain HTTP.
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        urls = {
            "trivial": (TRIVIAL_PATH, None),
            "partner": (f"/p/{world.partner_token}/", None),
            "dashboard": ("/", cookie),
            "trivial_logged_in": (TRIVIAL_PATH, cookie),
        }
        _check(server, urls, browser.cookies)  # warms both workers
        runs: dict[str, list[dict]] = {page: [] for page in urls}
        for round_number in range(1, ROUNDS + 1):
            for page, (path, page_cookie) in urls.items():
                result = _run_wrk(wrk, server.base + path, script, page_cookie)
                if result["non_200"] or result["socket_errors"]:
                    raise ThroughputError(
                        f"{page}: {result['non_200']} responses were not 200 (socket "
                        f"errors: {result['socket_errors'] or 'none'}); gunicorn log:\n"
                        f"{server.log_tail()}"
                    )
                log(
                    f"   round {round_number}, {page}: {result['rps']:.1f} requests/s "
                    f"(p50 {result['latency_p50']}, p99 {result['latency_p99']})"
                )
                runs[page].append(result)
        _check(server, urls, browser.cookies)
    medians = {page: statistics.median(r["rps"] for r in rounds) for page, rounds in runs.items()}
    entries = [
        {
            "page": page,
            "rps": round(rps, 1),
            "ratio_to_trivial": round(rps / medians["trivial"], 3),
            "rounds_rps": [round(r["rps"], 1) for r in runs[page]],
        }
        for page, rps in medians.items()
    ]
    details = [
        {"page": page, "path": world.redact(urls[page][0]), "runs": rounds}
        for page, rounds in runs.items()
    ]
    return entries, details


def _check(server: Gunicorn, urls: dict, cookies: dict[str, str]) -> None:
    """Every page answers 200 (not a redirect) on both workers."""
    for page, (path, cookie) in urls.items():
        client = HttpSession(server.base, dict(cookies) if cookie else {})
        for _ in range(5):
            response = client.get(path)
            if response.status != 200:
                raise ThroughputError(f"{page}: {path} answered {response.status}")
