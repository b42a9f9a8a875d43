from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from taskforce_site.security import log_event


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers a query, 503 when it does not; for load
    balancers and uptime checks, so no login."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@login_not_required
@never_cache
@require_GET
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
