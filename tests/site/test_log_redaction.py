"""No partner, invitation or password-reset token in any log line the app
writes: Django's own request warnings write the path ("Not Found: /p/...",
"Method Not Allowed", "Forbidden (Referer checking failed...)", "Internal
Server Error"), and every configured handler masks it."""

import io
import logging

import pytest
from django.db import OperationalError
from django.test import Client

from assessments.core import services
from assessments.models import PartnerLinkQuerySet
from tests.factories import PartnerLinkFactory
from tests.routes import INVITATION_TOKEN, VALID_TOKEN

RESET_TOKEN = "set-password-4kq-0123456789abcdef0123456789"
SECRETS = [VALID_TOKEN, INVITATION_TOKEN, RESET_TOKEN, "revoked-token-0123456789abcdefghijklmnopq"]


def _configured_stream_handlers() -> list[logging.StreamHandler]:
    """Every handler the settings attached, on any logger (not pytest's own)."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    handlers = {
        id(handler): handler
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
        and not type(handler).__module__.startswith("_pytest")
    }
    return list(handlers.values())


@pytest.fixture
def log_output():
    """All that the app's log handlers write, as text."""
    buffer = io.StringIO()
    handlers = _configured_stream_handlers()
    assert handlers, "no log handler configured"
    previous = [(handler, handler.stream) for handler in handlers]
    for handler in handlers:
        handler.setStream(buffer)
    yield buffer
    for handler, stream in previous:
        handler.setStream(stream)


def test_every_handler_redacts(settings):
    for handler in _configured_stream_handlers():
        assert any(type(f).__name__ == "RedactSecrets" for f in handler.filters), handler


def test_no_token_reaches_the_logs(world, log_output, monkeypatch):
    revoked_token = SECRETS[3]
    services.partner_link_revoke(
        link=PartnerLinkFactory(task_force=world["own"], token=revoked_token)
    )
    client = Client(raise_request_exception=False)
    partner = f"/p/{VALID_TOKEN}/"

    # A link checker's HEAD: answered as GET is, without the body.
    head = client.head(partner)
    assert head.status_code == 200
    assert head.content == b""
    assert client.options(partner).status_code == 405
    # Revoked, expired or mistyped links.
    assert client.get(f"/p/{revoked_token}/").status_code == 404
    assert client.get(f"/invitations/accept/{INVITATION_TOKEN}x/").status_code == 404
    assert client.get(f"/accounts/reset/MQ/{RESET_TOKEN}/").status_code in (200, 302)
    # Unsafe methods without a CSRF token, and from another site.
    csrf_client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    for method in ("post", "put", "delete"):
        response = getattr(csrf_client, method)(
            partner, secure=True, headers={"Referer": "https://evil.example/"}
        )
        assert response.status_code == 403

    # A database outage, with the path in the error's text.
    def outage(self, token):
        raise OperationalError(f"connection lost while reading {partner}")

    monkeypatch.setattr(PartnerLinkQuerySet, "for_token", outage)
    assert client.get(partner).status_code == 500

    logged = log_output.getvalue()
    for expected in (
        "Method Not Allowed (OPTIONS): /p/<token>/",
        "Not Found: /p/<token>/",
        "Not Found: /invitations/accept/<token>/",
        "Forbidden (Referer checking failed",
        "Internal Server Error: /p/<token>/",
        "connection lost while reading /p/<token>/",
    ):
        assert expected in logged
    for secret in SECRETS:
        assert secret not in logged
