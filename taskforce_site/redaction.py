"""Secrets that travel in URLs, masked wherever a URL may be written down.

A partner link's token (/p/<token>/), an invitation's
(/invitations/accept/<token>/) and a password reset's
(/accounts/reset/<uid>/<token>/) each let their holder in: a token is a
password. Django's own request warnings ("Not Found: /p/...", "Method Not
Allowed", "Forbidden (Referer checking failed...)", "Internal Server
Error") write the path, so every log handler runs RedactSecrets (settings.
LOGGING), and gunicorn's access log runs `mask` (gunicorn_logging.py).

No Django imports: gunicorn loads this before Django is set up.
"""

from __future__ import annotations

import logging
import re

_PATH_PART = r"[^/?#\s\"']+"
_TOKENS = [
    (re.compile(rf"/p/{_PATH_PART}"), "/p/<token>"),
    (re.compile(rf"/invitations/accept/{_PATH_PART}"), "/invitations/accept/<token>"),
    (re.compile(rf"/accounts/reset/({_PATH_PART})/{_PATH_PART}"), r"/accounts/reset/\1/<token>"),
]


def mask(value: str) -> str:
    for pattern, replacement in _TOKENS:
        value = pattern.sub(replacement, value)
    return value


class RedactSecrets(logging.Filter):
    """Masks URL tokens in a record's message, and in its traceback, whose
    exception text may quote a path or a query."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            # Formatters use exc_text when it is set: format it once, masked.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True
