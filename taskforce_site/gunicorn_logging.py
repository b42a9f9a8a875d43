"""Gunicorn's access log without the secrets that travel in URLs.

A partner link's token (/p/<token>/), an invitation's
(/invitations/accept/<token>/) and a password reset's
(/accounts/reset/<uid>/<token>/) each let their holder in; the security log
never shows them (taskforce_site.security). Gunicorn writes its access log itself,
outside the app, so this logger masks the token in every value that log can
show: the request line, the path, the referrer (a page under /p/ sends its
own URL when it loads the site's CSS) and any header or environ value.
"""

import re

from gunicorn import glogging

_PATH_PART = r"[^/?#\s\"]+"
_TOKENS = [
    (re.compile(rf"/p/{_PATH_PART}"), "/p/<token>"),
    (re.compile(rf"/invitations/accept/{_PATH_PART}"), "/invitations/accept/<token>"),
    (re.compile(rf"/accounts/reset/({_PATH_PART})/{_PATH_PART}"), r"/accounts/reset/\1/<token>"),
]


def mask(value: str) -> str:
    for pattern, replacement in _TOKENS:
        value = pattern.sub(replacement, value)
    return value


class Logger(glogging.Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask(v) if isinstance(v, str) else v for key, v in atoms.items()}
