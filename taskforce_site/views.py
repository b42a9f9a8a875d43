import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template import loader
from django.utils import timezone
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from taskforce_site import jobs
from taskforce_site.security import log_event


def _database_answers() -> bool:
    try:
        connection.ensure_connection()
        # Django's own check of a kept-open connection (SELECT 1 on PostgreSQL).
        return connection.is_usable()
    except DatabaseError:
        return False


def _shared_caches() -> list[str]:
    """The caches other processes share (Redis): those can be down."""
    return [
        alias
        for alias, config in settings.CACHES.items()
        if not config["BACKEND"].endswith((".LocMemCache", ".DummyCache"))
    ]


def _cache_answers(alias: str) -> bool:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        caches[alias].set(key, "ok", timeout=10)
        answered = caches[alias].get(key) == "ok"
        caches[alias].delete(key)
    except Exception:  # redis-py's errors, or any other backend's
        return False
    return answered


def _request_backends_failing() -> list[str]:
    failed = [] if _database_answers() else ["database"]
    failed += [f"cache {alias!r}" for alias in _shared_caches() if not _cache_answers(alias)]
    return failed


def _worker_failing() -> list[str]:
    """The job-queue worker, by its heartbeat: an idle worker still beats,
    so a quiet day with no job due is not a failure."""
    last_seen = jobs.worker_last_seen()
    if last_seen is None:
        return ["worker (none has run)"]
    silent = (timezone.now() - last_seen).total_seconds()
    if silent > jobs.stale_after().total_seconds():
        return [f"worker (last seen {int(silent)} s ago)"]
    return []


def _health(failed: list[str]) -> HttpResponse:
    if failed:
        return HttpResponse(
            f"unavailable: {', '.join(failed)}\n", status=503, content_type="text/plain"
        )
    return HttpResponse("ok\n", content_type="text/plain")


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The whole service, for uptime checks: 200 when the database, the
    shared cache when there is one, and a job-queue worker all answer; 503
    otherwise, naming what failed (a worker not seen for
    WORKER_STALE_AFTER_SECONDS means imports and e-mail wait). No login."""
    failed = _request_backends_failing()
    if "database" not in failed:
        failed += _worker_failing()
    return _health(failed)


@login_not_required
@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 when every backend that requests depend on
    answers (the database, and the shared cache, where page parts are kept),
    503 naming what failed, so the balancer stops sending people here. The
    worker is not asked: pages work while it is away."""
    return _health(_request_backends_failing())


@login_not_required
@never_cache
@require_safe
def livez(request: HttpRequest) -> HttpResponse:
    """The process answers, nothing else checked: a liveness probe, and the
    trivial baseline that performance measurements compare pages with."""
    return HttpResponse("ok\n", content_type="text/plain")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Every 403 goes through here, so every denial is in the security log."""
    log_event("permission.denied", request)
    return defaults.permission_denied(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    log_event("csrf.failure", request, reason=reason)
    template = loader.get_template("403_csrf.html")
    return HttpResponseForbidden(template.render({}, request))
