import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

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


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when every backend that requests depend on answers: the database,
    and the shared cache when there is one (page parts are kept in it). 503
    otherwise, naming what failed, so a load balancer stops sending people
    here. For load balancers and uptime checks, so no login."""
    failed = [] if _database_answers() else ["database"]
    failed += [f"cache {alias!r}" for alias in _shared_caches() if not _cache_answers(alias)]
    if failed:
        return HttpResponse(
            f"unavailable: {', '.join(failed)}\n", status=503, content_type="text/plain"
        )
    return HttpResponse("ok\n", content_type="text/plain")


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
