"""Gunicorn's access log without partner-link tokens.

A partner link's token (/p/<token>/) is a password; the security log never
shows it (taskforce_site.security). Gunicorn writes its access log itself,
outside the app, so this logger masks the token in every value that log can
show: the request line, the path, the referrer (a page under /p/ sends its
own URL when it loads the site's CSS) and any header or environ value.
"""

import re

from gunicorn import glogging

_PARTNER_TOKEN = re.compile(r"/p/[^/?#\s\"]+")


def mask(value: str) -> str:
    return _PARTNER_TOKEN.sub("/p/<token>", value)


class Logger(glogging.Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask(v) if isinstance(v, str) else v for key, v in atoms.items()}
