"""Gunicorn's logs without the secrets that travel in URLs, and without raw
control characters.

Gunicorn writes its access log itself, outside the app, so this logger masks
the tokens (taskforce_site/redaction.py) in every value that log can show:
the request line, the path, the referrer (a page under /p/ sends its own URL
when it loads the site's CSS) and any header or environ value; and escapes
the control characters a request path may carry (/x%0d%0a...), which would
otherwise start a forged line. Its error log ("Error handling request
/p/...") gets the app's log filter, which does both.
"""

from gunicorn import glogging

from taskforce_site.redaction import RedactSecrets, escape_controls, mask

__all__ = ["Logger", "mask"]

# One instance: addFilter skips one already there, and setup() runs again on
# every configuration reload.
_REDACT = RedactSecrets()


class Logger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(_REDACT)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: escape_controls(mask(v)) if isinstance(v, str) else v for key, v in atoms.items()
        }
