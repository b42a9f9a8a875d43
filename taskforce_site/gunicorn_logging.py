"""Gunicorn's access log without the secrets that travel in URLs.

Gunicorn writes its access log itself, outside the app, so this logger masks
the tokens (taskforce_site/redaction.py) in every value that log can show:
the request line, the path, the referrer (a page under /p/ sends its own URL
when it loads the site's CSS) and any header or environ value.
"""

from gunicorn import glogging

from taskforce_site.redaction import mask

__all__ = ["Logger", "mask"]


class Logger(glogging.Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask(v) if isinstance(v, str) else v for key, v in atoms.items()}
