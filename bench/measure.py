"""Server time and query count of each page, in process, with Django's test client.

Each page gets 3 warm-up requests and one request under CaptureQueriesContext
(its query count). Then the timed requests (time.perf_counter around the
client call, response body included, no query capture) run in interleaved
rounds with the trivial view (/livez), so every page and the baseline see the
same background load; each page's ratio is its median over /livez's median
from the same rounds.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from assessments.models import MilestoneStatus, Status
from bench.common import log
from bench.data import World

WARM_UP = 3
TRIVIAL_PER_ROUND = 3  # more samples for the baseline that everything is divided by
SEED = 2026
TRIVIAL_PATH = "/livez"
# The requirement's pages, in the order of the table.
PAGES = ["dashboard", "task_force", "edit", "partner", "matrix", "gaps", "history", "export"]
SAVE = "save"
SAVE_STATUSES = (Status.IN_PROGRESS, Status.ACHIEVED)  # alternated, so every save changes


class BenchError(Exception):
    """A page answered something other than what the benchmark expects."""


@dataclass
class Timing:
    page: str
    path: str
    who: str
    queries: int
    samples_ms: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.samples_ms)
        # Nearest rank: the smallest sample with at least 95% at or below it.
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def page_paths(world: World) -> dict[str, tuple[str, str]]:
    """page -> (path, who requests it)."""
    tf = f"/task-forces/{world.task_force_slug}"
    return {
        "dashboard": ("/", "staff"),
        "task_force": (f"{tf}/", "coordinator"),
        "edit": (f"{tf}/milestones/{world.milestone_slug}/", "coordinator"),
        "partner": (f"/p/{world.partner_token}/", "anonymous"),
        # Default sort (by name), first page of 50.
        "matrix": ("/overview/", "manager"),
        "gaps": ("/overview/gaps/", "manager"),
        "history": (f"{tf}/history/", "coordinator"),
        "export": (f"{tf}/export/statuses.csv", "coordinator"),
        SAVE: (
            f"/task-forces/{world.save_task_force_slug}/milestones/{world.milestone_slug}/",
            "save_coordinator",
        ),
    }


def resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _clients(world: World) -> dict[str, Client]:
    User = get_user_model()
    clients = {"anonymous": Client()}
    for role, username in (
        ("staff", world.staff),
        ("manager", world.manager),
        ("coordinator", world.coordinator),
        ("save_coordinator", world.save_coordinator),
    ):
        # CSRF enforced as in production: the save posts the token like a browser.
        client = Client(enforce_csrf_checks=True)
        client.force_login(User.objects.get(username=username))
        clients[role] = client
    return clients


def _consume(response) -> None:
    if response.streaming:
        b"".join(response.streaming_content)


@dataclass
class _Page:
    """One page to time: how to request it and what it must answer."""

    name: str
    path: str
    who: str
    send: Callable  # () -> response
    expected: int
    prepare: Callable = lambda: None  # runs before each request, outside the timer
    validate: Callable = lambda response: None
    samples_ms: list[float] = field(default_factory=list)
    queries: int = 0

    def request(self):
        self.prepare()
        start = time.perf_counter()
        response = self.send()
        _consume(response)
        elapsed = (time.perf_counter() - start) * 1000
        self.check(response)
        return elapsed

    def check(self, response) -> None:
        if response.status_code != self.expected:
            location = response.get("Location", "")
            raise BenchError(
                f"{self.name}: {self.path} answered {response.status_code} "
                f"(expected {self.expected})" + (f", redirecting to {location}" if location else "")
            )
        self.validate(response)

    def count_queries(self) -> None:
        self.prepare()
        with CaptureQueriesContext(connection) as captured:
            response = self.send()
            _consume(response)
        # Read now: the log is cleared at the start of each later request.
        self.queries = len(captured.captured_queries)
        self.check(response)

    def timing(self) -> Timing:
        return Timing(self.name, self.path, self.who, self.queries, self.samples_ms)


def _save_page(world: World, client: Client, path: str) -> _Page:
    """POST the milestone form as a browser would (CSRF token, the version
    read just before, outside the timer), alternating two statuses so every
    save writes; expects the redirect back to the task force page."""
    response = client.get(path)  # sets the CSRF cookie
    if response.status_code != 200:
        raise BenchError(f"{SAVE}: GET {path} answered {response.status_code}")
    token = client.cookies["csrftoken"].value
    record = MilestoneStatus.objects.filter(
        task_force__slug=world.save_task_force_slug, milestone__slug=world.milestone_slug
    )
    state = {"sent": 0, "version": 0}

    def prepare() -> None:
        state["version"] = record.values_list("version", flat=True).first() or 0

    def send():
        state["sent"] += 1
        return client.post(
            path,
            {
                "status": SAVE_STATUSES[state["sent"] % 2],
                "lead_partner": "County Health Department",
                "target_date": "",
                "notes": "",
                "version": state["version"],
                "csrfmiddlewaretoken": token,
            },
        )

    def validate(response) -> None:
        if "/task-forces/" not in response["Location"]:
            raise BenchError(f"{SAVE}: redirected to {response['Location']}, not the task force")

    return _Page(SAVE, path, "coordinator", send, 302, prepare, validate)


def measure_all(world: World, requests: int) -> tuple[Timing, list[Timing], list[str]]:
    """The trivial view and every page that exists. Returns the trivial
    timing, the page timings, and the pages left out (URL does not resolve).

    Each page is warmed up and its queries counted first; then the timed
    requests run in rounds, one request of every page per round (three of
    the trivial view) in a shuffled order, so that load from elsewhere on the
    machine falls on all pages alike and the ratios stay fair. The read pages
    go first, then the save, in rounds of its own with the trivial view."""
    if not resolves(TRIVIAL_PATH):
        raise BenchError(f"The trivial view {TRIVIAL_PATH} does not exist.")
    clients = _clients(world)
    anonymous = clients["anonymous"]
    trivial = _Page("trivial", TRIVIAL_PATH, "anonymous", lambda: anonymous.get(TRIVIAL_PATH), 200)
    pages, missing = [], []
    for name, (path, who) in page_paths(world).items():
        if not resolves(path):
            missing.append(name)
            log(f"   {name}: {path} does not resolve, left out")
            continue
        client = clients[who]
        if name == SAVE:
            pages.append(_save_page(world, client, path))
        else:
            pages.append(_Page(name, path, who, lambda c=client, p=path: c.get(p), 200))

    # Reads first, then the save: a save changes what the read pages show
    # (and may cache), and reads far outnumber writes.
    reads = [page for page in pages if page.name != SAVE]
    writes = [page for page in pages if page.name == SAVE]
    rng = random.Random(SEED)  # noqa: S311 - an order, not a secret
    for group in (reads, writes):
        for page in [trivial, *group]:
            for _ in range(WARM_UP):
                page.request()
            page.count_queries()
        schedule = [trivial, *group]
        for _ in range(requests if group else 0):
            rng.shuffle(schedule)
            for page in schedule:
                if page is trivial:
                    # Back to back, as a hot baseline: the first one absorbs
                    # the previous page's garbage collection and cold caches.
                    page.request()
                    for _ in range(TRIVIAL_PER_ROUND):
                        page.samples_ms.append(page.request())
                else:
                    page.samples_ms.append(page.request())

    log(f"   trivial: {statistics.median(trivial.samples_ms):.2f} ms median")
    for page in pages:
        timing = page.timing()
        log(
            f"   {page.name}: {timing.queries} queries, {timing.median_ms:.1f} ms median, "
            f"{timing.p95_ms:.1f} ms p95"
        )
    return trivial.timing(), [page.timing() for page in pages], missing
