"""No partner, invitation, password-reset or unsubscribe token in any log
line the app writes, and no raw control character either (a path with
%0d%0a would forge a line): Django's own request warnings write the path ("Not Found: /p/...",
"Method Not Allowed", "Forbidden (Referer checking failed...)", "Internal
Server Error"), and every configured handler masks it."""

import io
import logging

import pytest
from django.db import OperationalError
from django.test import Client

from assessments.core import services
from assessments.models import PartnerLinkQuerySet
from assessments.notifications.services import unsubscribe_token
from tests.factories import PartnerLinkFactory, UserFactory
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


def test_an_unsubscribe_token_is_masked_in_not_found_lines(db, log_output):
    token = unsubscribe_token(UserFactory().pk, ["target_date"])
    client = Client(raise_request_exception=False)
    # Unknown kinds in a token: "not valid", logged as Not Found.
    response = client.get(f"/unsubscribe/{token}x/")
    assert response.status_code == 404
    logged = log_output.getvalue()
    assert "Not Found: /unsubscribe/<token>/" in logged
    assert token not in logged


def test_control_characters_in_a_path_cannot_forge_a_log_line(world, log_output, monkeypatch):
    def outage(self, token):
        raise OperationalError(f"connection lost while reading {token}")

    monkeypatch.setattr(PartnerLinkQuerySet, "for_token", outage)
    client = Client(raise_request_exception=False)
    assert client.get("/p/abc%0d%0aINFO%20forged%20line%00%1b[2J/").status_code == 500
    logged = log_output.getvalue()
    assert "connection lost while reading abc\\x0d\\x0aINFO forged line\\x00\\x1b[2J\n" in logged
    assert not any(line.startswith("INFO forged") for line in logged.splitlines())
    assert "\r" not in logged and "\x00" not in logged and "\x1b" not in logged


def test_control_characters_in_an_exception_message_stay_on_its_line(log_output):
    try:
        raise OperationalError("connection lost while reading /x\r\nINFO forged line\x00")
    except OperationalError:
        logging.getLogger("django.request").exception("Internal Server Error: /x\r\n")
    logged = log_output.getvalue()
    assert "Internal Server Error: /x\\x0d\\x0a\n" in logged
    assert "Traceback (most recent call last):\n" in logged
    assert '  File "' in logged  # the traceback keeps its lines
    assert (
        "OperationalError: connection lost while reading /x\\x0d\\x0aINFO forged line\\x00\n"
        in logged
    )
    assert not any(line.startswith("INFO forged") for line in logged.splitlines())
