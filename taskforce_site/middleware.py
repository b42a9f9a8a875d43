"""Server-side session limits: an idle timeout and an absolute lifetime.

The cookie's own expiry (SESSION_COOKIE_AGE) is the absolute lifetime; the
idle timeout is checked here because a cookie cannot know when its holder
last did something. `last_seen` is written at most once a minute, so
ordinary browsing does not write the session on every request.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

from taskforce_site.security import log_event

LOGIN_AT = "session_login_at"
LAST_SEEN = "session_last_seen"
LAST_SEEN_RESOLUTION = 60  # seconds


def start_session_clock(request) -> None:
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[LAST_SEEN] = now


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        now = int(time.time())
        session = request.session
        login_at = session.get(LOGIN_AT, now)
        last_seen = session.get(LAST_SEEN, now)
        idle_limit = settings.SESSION_IDLE_TIMEOUT.total_seconds()
        if now - last_seen > idle_limit or now - login_at > settings.SESSION_COOKIE_AGE:
            reason = "idle" if now - last_seen > idle_limit else "lifetime"
            log_event("session.expired", request, reason=reason)
            logout(request)
            messages.info(
                request, "You were logged out because your session expired. Please log in again."
            )
            return
        if LOGIN_AT not in session:
            session[LOGIN_AT] = now
        if now - last_seen >= LAST_SEEN_RESOLUTION or LAST_SEEN not in session:
            session[LAST_SEEN] = now
