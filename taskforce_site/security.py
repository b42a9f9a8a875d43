"""The security log and the client address it (and the login lockout) use.

Every event is one JSON line on the `taskforce.security` logger: the event
name, who (user id and username, or anonymous), from which IP, when (UTC,
added by the formatter), and the event's own details.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from taskforce_site.redaction import mask

logger = logging.getLogger("taskforce.security")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. X-Forwarded-For is trusted only as far as the
    configured number of proxies, so a client cannot pick an address to dodge
    the login lockout or to lock someone else out."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def log_event(event: str, request: HttpRequest | None = None, user: Any = None, **details) -> None:
    if user is None and request is not None:
        user = getattr(request, "user", None)
    authenticated = bool(user is not None and getattr(user, "is_authenticated", False))
    record: dict[str, Any] = {
        "event": event,
        "user_id": user.pk if authenticated else None,
        "username": user.get_username() if authenticated else None,
        "ip": client_ip(request) if request is not None else None,
    }
    if request is not None:
        record["method"] = request.method
        # Partner, invitation and reset tokens are passwords: masked, as in
        # every other log line (taskforce_site/redaction.py).
        record["path"] = mask(request.path)
    record.update(details)
    logger.info(event, extra=record)
