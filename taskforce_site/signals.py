"""Authentication events into the security log, and session bookkeeping."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from two_factor.signals import user_verified

from taskforce_site.middleware import start_session_clock
from taskforce_site.security import log_event


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    if request is not None:
        start_session_clock(request)
    log_event("login.success", request, user=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in `credentials`.
    log_event("login.failure", request, attempted_username=credentials.get("username"))


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
    log_event("login.lockout", request, attempted_username=username)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    log_event("logout", request, user=user)


@receiver(user_verified)
def _second_factor_used(sender, request, user, device, **kwargs) -> None:
    if isinstance(device, StaticDevice):
        # A recovery code is spent once used; say how many are left.
        log_event(
            "login.recovery_code_used",
            request,
            user=user,
            recovery_codes_left=device.token_set.count(),
        )
    else:
        log_event("login.second_factor", request, user=user, device=device.__class__.__name__)
