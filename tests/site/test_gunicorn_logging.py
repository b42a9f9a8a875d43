"""gunicorn's access and error logs mask the secrets that travel in URLs,
and escape control characters so that a request cannot forge a line."""

import datetime
import io
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from taskforce_site.gunicorn_logging import Logger, mask
from taskforce_site.redaction import escape_controls


@pytest.mark.parametrize(
    "line, expected",
    [
        ('"GET /p/s3cr3t-T0ken/ HTTP/1.1"', '"GET /p/<token>/ HTTP/1.1"'),
        ("https://tf.example.org/p/s3cr3t-T0ken/", "https://tf.example.org/p/<token>/"),
        ("/invitations/accept/s3cr3t-T0ken/", "/invitations/accept/<token>/"),
        ("/accounts/reset/MQ/s3cr3t-T0ken/", "/accounts/reset/MQ/<token>/"),
        ("/accounts/reset/MQ/set-password/", "/accounts/reset/MQ/<token>/"),
        ("/task-forces/lane/p/", "/task-forces/lane/p/"),
        ("/invitations/", "/invitations/"),
    ],
)
def test_tokens_in_urls_are_masked(line, expected):
    assert mask(line) == expected
    assert "s3cr3t" not in mask(line)


def test_unsubscribe_tokens_are_masked():
    line = '"POST /unsubscribe/AbC.d3f:1tXyZ:s1gnatur3/ HTTP/1.1"'
    assert mask(line) == '"POST /unsubscribe/<token>/ HTTP/1.1"'


@pytest.fixture(autouse=True)
def _gunicorn_loggers_put_back():
    """gunicorn's Logger adds its own handlers to the process-wide
    gunicorn.error and gunicorn.access loggers; later tests that check every
    configured handler must not find this test's."""
    names = ("gunicorn.error", "gunicorn.access")
    before = {name: list(logging.getLogger(name).handlers) for name in names}
    yield
    for name in names:
        logging.getLogger(name).handlers[:] = before[name]


def _access_logger():
    """gunicorn's logger as gunicorn.conf.py sets it up, writing to a buffer."""
    settings = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    config = Config()
    for name in ("accesslog", "access_log_format", "logger_class"):
        config.set(name, settings[name])
    logger = Logger(config)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    logger.access_log.addHandler(handler)
    return logger, buffer, handler


def _request(path):
    response = SimpleNamespace(status="404 Not Found", sent=179, headers=[])
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "203.0.113.9")])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    return response, request, environ, datetime.timedelta(milliseconds=4)


def test_control_characters_in_a_path_cannot_forge_an_access_log_line():
    logger, buffer, handler = _access_logger()
    try:
        # What gunicorn puts in PATH_INFO for /x%0d%0a127.0.0.1...%00%1b[2J
        forged = '/x\r\n127.0.0.1 - [07/Dec/2026:07:00:00 +0000] "GET /admin/" 200 0 1ms\x00\x1b[2J'
        logger.access(*_request(forged))
    finally:
        logger.access_log.removeHandler(handler)
    written = buffer.getvalue()
    assert written.count("\n") == 1 and written.endswith("\n")
    line = written.rstrip("\n")
    assert "\r" not in line and "\x00" not in line and "\x1b" not in line
    assert '"GET /x\\x0d\\x0a127.0.0.1 - [07/Dec/2026' in line
    assert "\\x00\\x1b[2J" in line


@pytest.mark.parametrize(
    "value, expected",
    [
        ("/x\r\ny", "/x\\x0d\\x0ay"),
        ("a\x00b\tc\x7f", "a\\x00b\\x09c\\x7f"),
        ("next\x85line\u2028para\u2029", "next\\x85line\\u2028para\\u2029"),
        ("/task-forces/lane/ é ✓", "/task-forces/lane/ é ✓"),
    ],
)
def test_control_characters_are_escaped(value, expected):
    assert escape_controls(value) == expected
    # Escaping twice changes nothing more: several handlers see one record.
    assert escape_controls(escape_controls(value)) == expected


def test_gunicorns_error_log_masks_tokens_and_escapes_control_characters():
    logger, _, handler = _access_logger()
    logger.access_log.removeHandler(handler)
    buffer = io.StringIO()
    capture = logging.StreamHandler(buffer)
    logger.error_log.addHandler(capture)
    try:
        # What gunicorn writes when a request raises outside the app.
        logger.error("Error handling request %s", "/p/s3cr3t-T0ken/\r\nFORGED")
    finally:
        logger.error_log.removeHandler(capture)
    assert buffer.getvalue() == "Error handling request /p/<token>/\\x0d\\x0aFORGED\n"
