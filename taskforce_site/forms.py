from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.urls import reverse

from taskforce_site.mail import absolute_url, queue_templated_mail
from taskforce_site.security import log_event

# Long enough for any passphrase; short enough that hashing it costs nothing.
PASSWORD_MAX_LENGTH = 1024


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form sets the username's max_length after the field is
    built, so the length is never validated: an over-long username would reach
    the lockout's database table (255 characters) and fail on PostgreSQL."""

    # `request` named, so django-two-factor-auth passes it on (django-axes needs it).
    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.help_text = "Invited by e-mail? Your username is your e-mail address."
        username.validators.append(MaxLengthValidator(username.max_length))
        self.fields["password"].validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, with the site's own e-mail, for every active account.

    Django skips accounts without a usable password; here those are invited
    people who have not chosen one yet, and this is how they get in when the
    invitation e-mail is lost.

    The answer is the same redirect to the same page whether the address is
    unknown, known, or the mail server refuses the message: any difference
    would tell a stranger which addresses have an account. The message is
    queued, not sent here, so a known address no longer waits on the mail
    server either (a timing difference). The worker retries a refusal;
    a failure to queue goes to the security log, and the page tells everyone
    what to do when nothing arrives."""

    def save(self, *args, request=None, **kwargs):
        # Django does not pass the request on to send_mail; the log wants its IP.
        self.request = request
        return super().save(*args, request=request, **kwargs)

    def get_users(self, email):
        email_field = get_user_model().get_email_field_name()
        users = get_user_model()._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
        return (
            user
            for user in users
            if auth_forms._unicode_ci_compare(email, getattr(user, email_field))
        )

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        path = reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        try:
            # A savepoint: a failure here leaves the request's transaction usable.
            with transaction.atomic():
                queue_templated_mail(
                    to=[context["email"]],
                    template="password_reset",
                    context={"user": context["user"], "reset_url": absolute_url(path)},
                )
        except Exception as error:  # a template or database error
            # The account's id, not the address, as Django's own form logs it;
            # no error text, which may quote the address.
            log_event(
                "password_reset.mail_failed",
                getattr(self, "request", None),
                target_user_id=context["user"].pk,
                error=error.__class__.__name__,
            )


class _PasswordRulesAtTheNewPassword:
    """Django reports the password rules ("too similar to the username", "too
    short") under the confirmation field; a person looks for them under the
    password they chose. A mismatch stays under the confirmation, and the
    rules are checked once the two agree."""

    def validate_password_for_user(self, user, password_field_name="password2"):  # noqa: S107
        if password_field_name not in self.cleaned_data:
            return
        super().validate_password_for_user(
            user, password_field_name=password_field_name.replace("password2", "password1")
        )


class SetPasswordForm(_PasswordRulesAtTheNewPassword, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(_PasswordRulesAtTheNewPassword, auth_forms.PasswordChangeForm):
    pass
