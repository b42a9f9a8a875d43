"""Two-factor sign-in: who must use it, and django-two-factor-auth's views
adapted to this site (the login lockout, the security log, the site's name).

Authenticator-app codes (TOTP) and one-time recovery codes come from
django-otp; the sign-in and set-up pages from django-two-factor-auth. Nothing
here computes a code.
"""

from __future__ import annotations

from importlib import import_module

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import devices_for_user, user_has_device
from two_factor import views as tf_views
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm

from assessments.models import is_staff_or_program_manager
from taskforce_site.forms import LoginForm
from taskforce_site.security import log_event
from taskforce_site.templatetags.site_tags import in_words


def two_factor_required(user) -> bool:
    """The one rule for who must sign in with a second factor
    (DJANGO_TWO_FACTOR_REQUIRED): staff and program managers read every task
    force's internal notes, so by default they must; coordinators may."""
    policy = settings.TWO_FACTOR_REQUIRED
    if policy == "everyone":
        return True
    if policy == "staff":
        return is_staff_or_program_manager(user)
    return False


# The library calls every code a "token"; people know codes.
CODE_LABELS = {
    "otp_token": "Code from your authenticator app",
    "token": "Code from your authenticator app",
}


def _lockout_in_words() -> str:
    return (
        f"after {settings.AXES_FAILURE_LIMIT} wrong codes, signing in pauses for "
        f"{in_words(settings.AXES_COOLOFF_TIME)}"
    )


def _plain_labels(form):
    for name, label in CODE_LABELS.items():
        if name in form.fields and form.prefix != "backup":
            form.fields[name].label = label
            # The library's set-up field is a number input: spinner arrows
            # that change a code by one, and a leading zero lost on some
            # phones. A code is typed, or filled in by the phone's keyboard.
            form.fields[name].widget = forms.TextInput(
                attrs={
                    "autofocus": True,
                    "inputmode": "numeric",
                    "autocomplete": "one-time-code",
                    "pattern": "[0-9]*",
                    "maxlength": 8,
                    "size": 8,
                    "spellcheck": "false",
                }
            )
            form.fields[name].error_messages = {
                **form.fields[name].error_messages,
                "invalid": "Type only the digits your authenticator app shows.",
            }
    if form.prefix == "backup" and "otp_token" in form.fields:
        form.fields["otp_token"].label = "Recovery code"
    # The library's "Invalid token" and "Entered token is not valid" say
    # nothing a person can act on. Copies: the messages are class attributes.
    if hasattr(form, "otp_error_messages"):
        wrong = (
            "That recovery code did not work (each one works once)"
            if form.prefix == "backup"
            else "That code did not work. Type the code your authenticator app shows now"
        )
        form.otp_error_messages = {
            **form.otp_error_messages,
            "invalid_token": f"{wrong}; {_lockout_in_words()}.",
            "n_failed_attempts": "Too many wrong codes in a row: wait a minute, then try again.",
        }
    if "invalid_token" in getattr(form, "error_messages", {}):
        form.error_messages = {
            **form.error_messages,
            "invalid_token": "That code did not work. Type the code your authenticator app "
            "shows now.",
        }
    return form


def safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


class LoginView(tf_views.LoginView):
    """Password, then (for those who have one) the authenticator code or a
    recovery code. A wrong code counts toward the same lockout as a wrong
    password: username and IP address (django-axes)."""

    template_name = "registration/login.html"
    form_list = (
        (tf_views.LoginView.AUTH_STEP, LoginForm),
        (tf_views.LoginView.TOKEN_STEP, AuthenticationTokenForm),
        (tf_views.LoginView.BACKUP_STEP, BackupTokenForm),
    )
    CODE_STEPS = (tf_views.LoginView.TOKEN_STEP, tf_views.LoginView.BACKUP_STEP)

    def get_form(self, step=None, **kwargs):
        form = super().get_form(step, **kwargs)
        return _plain_labels(form)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        context["next"] = self.get_redirect_url()
        return context

    def _credentials(self) -> dict[str, str]:
        return {"username": self.get_user().get_username()}

    def post(self, *args, **kwargs) -> HttpResponse:
        # The step this form was filled in on: the stored one lags when the
        # wizard was left half-way (a lockout page, then the password again).
        posted_step = self.request.POST.get(f"{self.prefix}-current_step", self.steps.current)
        # The lockout page (rendered here or by django-axes's middleware)
        # blames codes, not the password, when the password was right.
        self.request.second_factor_step = posted_step in self.CODE_STEPS
        # Locked out by wrong codes (or passwords): not even a right code gets
        # through until the cool-off ends.
        if (
            self.request.second_factor_step
            and self.get_user()
            and not AxesProxyHandler.is_allowed(self.request, self._credentials())
        ):
            self.storage.reset()
            return get_lockout_response(self.request, credentials=self._credentials())
        return super().post(*args, **kwargs)

    def render(self, form=None, **kwargs) -> HttpResponse:
        if (
            form is not None
            and form.is_bound
            and self.steps.current in self.CODE_STEPS
            and not form.is_valid()
        ):
            log_event(
                "login.second_factor.failure",
                self.request,
                attempted_username=self.get_user().get_username(),
                step=self.steps.current,
            )
            # django-axes counts this; at the limit it turns the response
            # into the locked-out page.
            user_login_failed.send(
                sender=__name__, credentials=self._credentials(), request=self.request
            )
        return super().render(form, **kwargs)


class SetupView(tf_views.SetupView):
    """Set up an authenticator app. The QR code and the secret name this site,
    and finishing leads to making recovery codes before anything else."""

    template_name = "two_factor/core/setup.html"

    def get_form(self, step=None, **kwargs):
        return _plain_labels(super().get_form(step, **kwargs))

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        if self.steps.current == "generator":
            # The library names the issuer after the request's host.
            from two_factor.utils import get_otpauth_url

            context["issuer"] = settings.TWO_FACTOR_ISSUER
            # Typed by hand from a phone's screen: groups of four are easier
            # to read and check (apps ignore the spaces).
            key = context["secret_key"]
            context["secret_key_groups"] = " ".join(
                key[start : start + 4] for start in range(0, len(key), 4)
            )
            context["otpauth_url"] = get_otpauth_url(
                self.request.user.get_username(),
                context["secret_key"],
                settings.TWO_FACTOR_ISSUER,
            )
        context["next"] = safe_next(self.request, self.request.GET.get("next"))
        context["required"] = two_factor_required(self.request.user)
        # Every other page sends the person back here until set-up is done,
        # so the site's menu would only be links that bounce.
        context["menu_hidden"] = context["required"] and not self.request.user.is_verified()
        return context

    def done(self, form_list, **kwargs) -> HttpResponse:
        response = super().done(form_list, **kwargs)
        log_event("two_factor.setup", self.request, method="authenticator app")
        return response

    def get_success_url(self) -> str:
        url = reverse("two_factor:setup_complete")
        next_url = safe_next(self.request, self.request.GET.get("next"))
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class SetupCompleteView(tf_views.SetupCompleteView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = safe_next(self.request, self.request.GET.get("next"))
        return context


class QRGeneratorView(tf_views.QRGeneratorView):
    def get_issuer(self) -> str:
        return settings.TWO_FACTOR_ISSUER


class BackupTokensView(tf_views.BackupTokensView):
    """Recovery codes: each works once, for when the phone is lost."""

    success_url = "two_factor:backup_tokens"

    def get(self, request, *args, **kwargs) -> HttpResponse:
        # ?format=txt: the same codes as a file to keep, behind the same
        # checks as the page (signed in with the second factor, never cached).
        if request.GET.get("format") != "txt":
            return super().get(request, *args, **kwargs)
        codes = [token.token for token in self.get_device().token_set.all()]
        if not codes:
            return redirect("two_factor:backup_tokens")
        log_event("two_factor.recovery_codes.downloaded", request)
        lines = [
            f"{settings.TWO_FACTOR_ISSUER}: recovery codes for {request.user.get_username()}",
            "Each code signs you in once when you do not have your authenticator app.",
            "Keep this file somewhere safe, away from your phone.",
            "",
            *codes,
            "",
        ]
        response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="recovery-codes.txt"'
        return response

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        log_event("two_factor.recovery_codes.created", self.request)
        next_url = safe_next(self.request, self.request.POST.get("next"))
        if next_url:
            return redirect(f"{reverse(self.success_url)}?{urlencode({'next': next_url})}")
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = safe_next(
            self.request, self.request.GET.get("next") or self.request.POST.get("next")
        )
        return context


class ProfileView(tf_views.ProfileView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["required"] = two_factor_required(self.request.user)
        return context


class DisableView(tf_views.DisableView):
    """Turning it off is for those who may go without it."""

    def dispatch(self, request, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated and two_factor_required(request.user):
            raise PermissionDenied("Two-factor sign-in is required for your account.")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        log_event("two_factor.disabled", self.request)
        return response


def has_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


def end_sessions(*, user) -> int:
    """End every session signed in as `user`; returns how many.

    A password change ends the other sessions because each stores a hash of
    the password, and deactivation because the backend refuses an inactive
    user; a second-factor reset changes neither, so its sessions are deleted
    from the store (always the database here) instead. Their holders are
    anonymous at their next request, as after a password change."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    # Sessions do not say whose they are until decoded: read them all. A few
    # hundred live sessions at most on this site.
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    user_id = str(user.pk)
    ended = 0
    for session in live.iterator():
        if str(store().decode(session.session_data).get(SESSION_KEY)) == user_id:
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


@transaction.atomic
def second_factor_reset(*, account, request: HttpRequest) -> int:
    """Remove `account`'s authenticators and recovery codes (a lost or stolen
    phone) and sign the account out everywhere: a session left open could
    otherwise set up a new authenticator without the password. Returns how
    many devices were removed."""
    devices = list(devices_for_user(account, confirmed=None))
    for device in devices:
        device.delete()
    sessions_ended = end_sessions(user=account)
    log_event(
        "two_factor.reset_by_staff",
        request,
        target_user_id=account.pk,
        target_username=account.get_username(),
        devices_removed=len(devices),
        sessions_ended=sessions_ended,
    )
    return len(devices)
