"""Server-side session limits (an idle timeout and an absolute lifetime), and
the two-factor rule.

The cookie's own expiry (SESSION_COOKIE_AGE) is the absolute lifetime; the
idle timeout is checked here because a cookie cannot know when its holder
last did something. `last_seen` is written at most once a minute, so
ordinary browsing does not write the session on every request.
"""

import re
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

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


# Django's session keys: 32 characters from [a-z0-9] (the column holds 40).
SESSION_KEY = re.compile(r"[a-z0-9]{8,40}")


class MalformedSessionCookieMiddleware:
    """A session cookie Django could not have issued is no session at all.

    Django passes the cookie's value to the session store as it is; a NUL
    byte in it failed every page, the login page included, when PostgreSQL
    refused the query. Runs before SessionMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = settings.SESSION_COOKIE_NAME
        value = request.COOKIES.get(name)
        malformed = value is not None and not SESSION_KEY.fullmatch(value)
        if malformed:
            del request.COOKIES[name]
        response = self.get_response(request)
        if malformed and name not in response.cookies:
            # Or the browser sends it with every request until it expires.
            response.delete_cookie(
                name,
                path=settings.SESSION_COOKIE_PATH,
                domain=settings.SESSION_COOKIE_DOMAIN,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
        return response


class SignedInPagesNotStoredMiddleware:
    """Pages for someone signed in show internal notes, and once, a new
    partner link: no browser cache or proxy may keep them (Cache-Control:
    no-store). Partner pages and downloads say so themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


# What someone who must set up a second factor may still open.
SETUP_VIEWS = {
    "two_factor:setup",
    "two_factor:qr",
    "two_factor:setup_complete",
    "two_factor:backup_tokens",
    "logout",
}


class TwoFactorRequiredMiddleware:
    """Staff and program managers (or everyone, by DJANGO_TWO_FACTOR_REQUIRED)
    reach only the set-up pages until they have a second factor, and must
    have used it in this session: the admin included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        # Pages for everyone (partner links, sign-in, invitations, /healthz).
        if getattr(view_func, "login_required", True) is False:
            return None
        if request.resolver_match.view_name in SETUP_VIEWS:
            return None
        # Imported here: the app registry is not ready when middleware loads.
        from taskforce_site.second_factor import has_second_factor, two_factor_required

        if not two_factor_required(user):
            return None
        if has_second_factor(user):
            # A session from before the rule applied: sign in again, with the code.
            log_event("two_factor.session_not_verified", request)
            logout(request)
            messages.info(request, "Please sign in again with your authenticator code.")
            return redirect_to_login(request.get_full_path())
        return redirect(
            f"{reverse('two_factor:setup')}?{urlencode({'next': request.get_full_path()})}"
        )
