"""Secrets that travel in URLs, masked wherever a URL may be written down,
and control characters escaped in every log line.

A partner link's token (/p/<token>/), an invitation's
(/invitations/accept/<token>/), a password reset's
(/accounts/reset/<uid>/<token>/) and an unsubscribe link's
(/unsubscribe/<token>/) each let their holder in or change something: a
token is a password. Django's own request warnings ("Not Found: /p/...",
"Method Not Allowed", "Forbidden (Referer checking failed...)", "Internal
Server Error") write the path, so every log handler runs RedactSecrets
(settings.LOGGING), and gunicorn's logs run it too (gunicorn_logging.py).

A request path may carry CR, LF or NUL (/x%0d%0a...): written raw, it would
start a line of the attacker's choosing. `escape_controls` writes them as
\\xNN, as nginx does in its own access log.

No Django imports: gunicorn loads this before Django is set up.
"""

from __future__ import annotations

import logging
import re
import traceback

_PATH_PART = r"[^/?#\s\"']+"
_TOKENS = [
    (re.compile(rf"/p/{_PATH_PART}"), "/p/<token>"),
    (re.compile(rf"/invitations/accept/{_PATH_PART}"), "/invitations/accept/<token>"),
    (re.compile(rf"/accounts/reset/({_PATH_PART})/{_PATH_PART}"), r"/accounts/reset/\1/<token>"),
    (re.compile(rf"/unsubscribe/{_PATH_PART}"), "/unsubscribe/<token>"),
]

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators:
# each can end a line or move the cursor in a terminal or a log viewer.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same but the newline, for tracebacks, whose lines are their structure.
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def mask(value: str) -> str:
    for pattern, replacement in _TOKENS:
        value = pattern.sub(replacement, value)
    return value


class RedactSecrets(logging.Filter):
    """Masks URL tokens in a record's message, and in its traceback, whose
    exception text may quote a path or a query; escapes control characters
    in both, so one record cannot pass for another."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = escape_controls(mask(message))
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            # Formatters use exc_text when it is set: format it once, masked.
            record.exc_text = format_exception(record.exc_info)
        if record.exc_text:
            record.exc_text = _escape_but_newlines(mask(record.exc_text))
        if record.stack_info:
            record.stack_info = _escape_but_newlines(mask(record.stack_info))
        return True


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(value: str) -> str:
    """`value` on one line: control characters written as \\xNN. Its output
    has none left, so escaping twice changes nothing (several handlers, and
    gunicorn's atoms and its logger, see the same text)."""
    return _CONTROL.sub(_escaped, value)


def _escape_but_newlines(value: str) -> str:
    return _CONTROL_BUT_NEWLINE.sub(_escaped, value)


def format_exception(exc_info) -> str:
    """The traceback as logging writes it, its frames on their own lines but
    each exception's message (which may quote a path) on one line."""
    parts = []
    for part in traceback.TracebackException(*exc_info).format():
        core = part.strip("\n")
        if core.lstrip(" |+-").startswith("File "):
            # A frame: location and source lines, from the code, not a request.
            parts.append(_escape_but_newlines(part))
        else:
            # The exception's message or a note; the chaining lines are
            # constants whose leading and trailing newlines are kept.
            start = part.index(core) if core else 0
            parts.append(part[:start] + escape_controls(core) + part[start + len(core) :])
    return "".join(parts).rstrip("\n")
