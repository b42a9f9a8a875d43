"""Server time and query count of each page, in process, with Django's test
client (time.perf_counter around the client call, response body included);
and the time of a whole-country import, per row. See bench/README.md."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from assessments.common.spreadsheets import XLSX_CONTENT_TYPE, to_xlsx
from assessments.core import importing
from assessments.models import ImportBatch, MilestoneStatus, Status, TaskForce
from assessments.pages import exports
from assessments.pages.report_pack import half_year_of
from bench.common import log
from bench.data import World

WARM_UP = 3
TRIVIAL_PER_ROUND = 3  # more samples for the baseline that everything is divided by
SEED = 2026
TRIVIAL_PATH = "/livez"
SAVE = "save"
REPORT_PACK = "report_pack"
EXPORT_ALL = "export_all"  # grows with the rows: its target is per row, like the import's
SAVE_STATUSES = (Status.IN_PROGRESS, Status.ACHIEVED)  # alternated, so every save changes


class BenchError(Exception):
    """A page answered something other than what the benchmark expects."""


def page_paths(world: World) -> dict[str, tuple[str, str]]:
    """page -> (path, who requests it), in the order of the table."""
    tf = f"/task-forces/{world.task_force_slug}"
    paths = {
        "dashboard": ("/", "staff"),  # first page of 50
        "task_force": (f"{tf}/", "coordinator"),
        "edit": (f"{tf}/milestones/{world.milestone_slug}/", "coordinator"),
        "partner": (f"/p/{world.partner_token}/", "anonymous"),
        "matrix": ("/overview/", "manager"),  # by name, first page of 50
        "matrix_progress": ("/overview/?sort=progress", "manager"),
        "gaps": ("/overview/gaps/", "manager"),
        "sector_matrix": ("/overview/partners/", "manager"),  # by name, first page of 50
        # A review cycle covering every task force: first page of 50, counts per state.
        "cycle": (f"/cycles/{world.cycle_id}/", "manager"),
        "history": (f"{tf}/history/", "coordinator"),
        "export": (f"{tf}/export/statuses.csv", "coordinator"),
        "trend": ("/trend/", "manager"),  # every task force
        "report": ("/overview/report/", "manager"),  # statewide, HTML
        # Activity by region and kind for the half-year, suppressed with its family.
        "activity_statewide": ("/overview/activity/", "manager"),
        EXPORT_ALL: ("/export/statuses.csv", "manager"),
        SAVE: (
            f"/task-forces/{world.save_task_force_slug}/milestones/{world.milestone_slug}/",
            "save_coordinator",
        ),
    }
    # The statewide report pack (by region): built in the request up to
    # REPORT_PACK_INLINE_MAX_TASK_FORCES; above, the request queues a job
    # (a 302 to the waiting page) and measure_report_pack_job times the job.
    half = half_year_of(timezone.localdate()).label
    paths[REPORT_PACK] = (f"/report-pack/?by=region&period={half}", "manager")
    return paths


class QueryCounter:
    """For connection.execute_wrapper: unlike CaptureQueriesContext it keeps no
    SQL, so it can watch an import of 88,000 rows."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class Page:
    """One page to time: how to request it and what it must answer."""

    name: str
    path: str
    who: str
    send: Callable  # () -> response
    expected: int = 200
    prepare: Callable = lambda: None  # before each request, outside the timer
    samples_ms: list[float] = field(default_factory=list)
    queries: int = 0

    def request(self) -> float:
        self.prepare()
        start = time.perf_counter()
        response = self.send()
        if response.streaming:
            b"".join(response.streaming_content)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != self.expected:
            raise BenchError(
                f"{self.name}: {self.path} answered {response.status_code} (expected "
                f"{self.expected}) {response.get('Location', '')}"
            )
        if self.name == SAVE and "/task-forces/" not in response["Location"]:
            raise BenchError(f"{SAVE}: redirected to {response['Location']}, not the task force")
        return elapsed

    def count_queries(self) -> None:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            self.request()
        self.queries = counter.count

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    def summary(self, digits: int) -> dict[str, float]:
        # p95 by nearest rank: the smallest sample with at least 95% at or below it.
        ordered = sorted(self.samples_ms)
        p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
        return {"median_ms": round(self.median_ms, digits), "p95_ms": round(p95, digits)}


def _clients(world: World) -> dict[str, Client]:
    User = get_user_model()
    clients = {"anonymous": Client()}
    for role in ("staff", "manager", "coordinator", "save_coordinator"):
        # CSRF enforced as in production: the forms post the token like a browser.
        client = Client(enforce_csrf_checks=True)
        client.force_login(User.objects.get(username=getattr(world, role)))
        clients[role] = client
    return clients


def _csrf_token(client: Client, path: str) -> str:
    response = client.get(path)  # sets the CSRF cookie
    if response.status_code != 200:
        raise BenchError(f"GET {path} answered {response.status_code}")
    return client.cookies["csrftoken"].value


def _save_page(world: World, client: Client, path: str) -> Page:
    """POST the milestone form as a browser would (CSRF token, the version
    read just before, outside the timer), alternating two statuses so every
    save writes; expects the redirect back to the task force page."""
    token = _csrf_token(client, path)
    record = MilestoneStatus.objects.filter(
        task_force__slug=world.save_task_force_slug, milestone__slug=world.milestone_slug
    )
    state = {"sent": 0, "version": 0}

    def prepare() -> None:
        state["version"] = record.values_list("version", flat=True).first() or 0

    def send():
        state["sent"] += 1
        form = {"status": SAVE_STATUSES[state["sent"] % 2], "version": state["version"]}
        form.update(lead_partner="County Health Department", target_date="", notes="")
        return client.post(path, {**form, "csrfmiddlewaretoken": token})

    return Page(SAVE, path, "coordinator", send, expected=302, prepare=prepare)


def measure_pages(world: World, requests: int) -> tuple[Page, list[Page]]:
    """The trivial view and every page, warmed up and counted, then timed in
    shuffled rounds; the save in rounds of its own, after the read pages,
    since it changes what they show (and may cache)."""
    clients = _clients(world)
    anonymous = clients["anonymous"]
    trivial = Page("trivial", TRIVIAL_PATH, "anonymous", lambda: anonymous.get(TRIVIAL_PATH))
    pages = []
    for name, (path, who) in page_paths(world).items():
        resolve(path.split("?")[0])  # a page that is gone fails the run, loudly
        client = clients[who]
        if name == SAVE:
            pages.append(_save_page(world, client, path))
        elif name == REPORT_PACK and _pack_is_a_job():
            send = lambda c=client, p=path: c.get(p)  # noqa: E731
            pages.append(Page(name, path, who, send, expected=302))
        else:
            pages.append(Page(name, path, who, lambda c=client, p=path: c.get(p)))

    rng = random.Random(SEED)  # noqa: S311 - an order, not a secret
    for group in ([p for p in pages if p.name != SAVE], [p for p in pages if p.name == SAVE]):
        schedule = [trivial, *group]
        for page in schedule:
            for _ in range(WARM_UP):
                page.request()
            page.count_queries()
        for _ in range(requests):
            rng.shuffle(schedule)
            for page in schedule:
                if page is trivial:
                    # Back to back, as a hot baseline: the first one absorbs
                    # the previous page's garbage collection and cold caches.
                    page.request()
                    page.samples_ms += [page.request() for _ in range(TRIVIAL_PER_ROUND)]
                else:
                    page.samples_ms.append(page.request())

    log(f"   trivial: {trivial.median_ms:.2f} ms median")
    for page in pages:
        log(f"   {page.name}: {page.queries} queries, {page.median_ms:.1f} ms median")
    return trivial, pages


def _pack_is_a_job() -> bool:
    return TaskForce.objects.count() > settings.REPORT_PACK_INLINE_MAX_TASK_FORCES


def measure_report_pack_job() -> dict | None:
    """The statewide pack's job, queued by the pages' requests, run once in
    process as the worker would run it: its seconds, and whether it made
    its file. None where the page builds the pack itself."""
    from assessments.core.prepared_downloads import PreparedDownload
    from assessments.pages.report_pack_views import prepare_report_pack

    download = PreparedDownload.objects.filter(kind="report_pack", state="queued").first()
    if download is None:
        return None
    start = time.perf_counter()
    prepare_report_pack.call(download.pk)
    seconds = time.perf_counter() - start
    download.refresh_from_db()
    log(f"   report pack job: {seconds:.1f} s, {download.state}, {download.size:,} bytes")
    return {
        "n": TaskForce.objects.count(),
        "seconds": round(seconds, 1),
        "state": download.state,
        "bytes": download.size,
    }


def measure_import(world: World, export_all_ms: float) -> dict:
    """Every status changed, checked and applied through the import pages as
    the staff user, each step timed once; as XLSX, since as CSV the whole
    country is over the import's 5 MB limit. Per row, with the export's time."""
    flipped = {Status.IN_PROGRESS: Status.ACHIEVED}  # and anything else to in progress
    rows = [
        {**row, "status": flipped.get(row["status"], Status.IN_PROGRESS)}
        for row in exports.status_rows(TaskForce.objects.all())
    ]
    sheet = to_xlsx(importing.REQUIRED_COLUMNS, rows, title="statuses")
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username=world.staff))
    token = _csrf_token(client, "/import/")

    def timed_post(path: str, data: dict) -> tuple[float, int, str]:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            response = client.post(path, {**data, "csrfmiddlewaretoken": token})
            elapsed = time.perf_counter() - start
        if response.status_code != 302:
            raise BenchError(f"import: {path} answered {response.status_code}")
        return elapsed, counter.count, response["Location"]

    def timed_job() -> tuple[float, int]:
        """The job the last request queued, run here as the worker would."""
        from taskforce_site.worker import run_pending_jobs

        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            run_pending_jobs(worker_id="bench")
            elapsed = time.perf_counter() - start
        return elapsed, counter.count

    # The upload only stores the file; the check and the apply are jobs
    # (core/import_jobs.py): each step is its request plus its job.
    upload = SimpleUploadedFile("statuses.xlsx", sheet, content_type=XLSX_CONTENT_TYPE)
    upload_s, upload_queries, preview = timed_post("/import/", {"file": upload})
    job_s, job_queries = timed_job()
    check_s, check_queries = upload_s + job_s, upload_queries + job_queries
    batch = ImportBatch.objects.get(pk=resolve(preview).kwargs["pk"])
    if batch.change_count != len(rows):
        raise BenchError(f"import: the check planned {batch.change_count} of {len(rows)} rows")
    post_s, post_queries, _ = timed_post(f"/import/{batch.pk}/apply/", {})
    job_s, job_queries = timed_job()
    apply_s, apply_queries = post_s + job_s, post_queries + job_queries
    batch.refresh_from_db()
    if batch.applied_at is None:  # a conflict ends the batch as not applied
        raise BenchError(f"import: the apply did not apply the batch ({batch.failure})")
    log(f"   import of {len(rows):,} rows: check {check_s:.1f} s, apply {apply_s:.1f} s")
    return {
        "rows": len(rows),
        "sheet_bytes": len(sheet),
        "check_s": round(check_s, 2),
        "check_queries": check_queries,
        "apply_s": round(apply_s, 2),
        "apply_queries": apply_queries,
        "check_ms_per_row": round(check_s * 1000 / len(rows), 4),
        "apply_ms_per_row": round(apply_s * 1000 / len(rows), 4),
        "export_ms_per_row": round(export_all_ms / len(rows), 4),
    }


def measure_reminders(world: World) -> dict:
    """`send_reminders` over every task force, on a digest weekday so the
    digest is included: a dry run (planning only), the run itself (every
    e-mail rendered, queued and recorded), the job worker sending what it
    queued with the in-memory mail backend (run_pending_jobs, in process),
    and a second run the same day (which must queue nothing). Each timed
    once, its queries counted. Every e-mail must be sent, once."""
    from django.core import mail
    from django.test.utils import override_settings
    from django.utils import timezone

    from assessments.notifications.reminders import send_reminders
    from taskforce_site.models import OutgoingEmail
    from taskforce_site.worker import run_pending_jobs

    today = timezone.localdate()
    figures: dict = {}

    def timed(name, work):
        # A counter, not CaptureQueriesContext: the worker's thousands of
        # queries would overflow its log of 9,000.
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            result = work()
            elapsed = time.perf_counter() - start
        figures[f"{name}_s"] = round(elapsed, 3)
        figures[f"{name}_queries"] = counter.count
        return result

    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DIGEST_WEEKDAY=today.weekday(),
    ):
        mail.outbox = []
        planned = timed("dry_run", lambda: send_reminders(today=today, dry_run=True))
        figures["emails"] = len(planned.messages)
        figures["items"] = sum(len(m.items) for m in planned.messages)
        queued = timed("queue", lambda: send_reminders(today=today))
        if len(queued.queued) != figures["emails"]:
            raise BenchError("reminders: the run queued other e-mails than it planned")
        timed("worker", lambda: run_pending_jobs(worker_id="bench"))
        addresses = [m.to[0] for m in mail.outbox]
        figures["sent"] = len(addresses)
        if sorted(addresses) != sorted(m.email for m in queued.messages):
            raise BenchError(
                f"reminders: {len(addresses)} e-mails sent for {figures['emails']} queued"
            )
        unsent = OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).count()
        if unsent:
            raise BenchError(f"reminders: {unsent} queued e-mails not sent")
        again = timed("second_run", lambda: send_reminders(today=today))
        if again.queued:
            raise BenchError("reminders: a second run the same day queued e-mails")
        mail.outbox = []
    log(
        f"   reminders: {figures['emails']:,} e-mails ({figures['items']:,} items): "
        f"dry run {figures['dry_run_s']:.2f} s / {figures['dry_run_queries']} queries, "
        f"queue {figures['queue_s']:.2f} s / {figures['queue_queries']} queries, "
        f"worker sends {figures['sent']:,} in {figures['worker_s']:.2f} s / "
        f"{figures['worker_queries']} queries, "
        f"second run {figures['second_run_s']:.2f} s / {figures['second_run_queries']} queries"
    )
    return figures
