"""Deploy checks: `manage.py check --deploy --fail-level WARNING` fails on a
production configuration whose e-mails would go nowhere or carry wrong links."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

# Backends that never deliver: fine on a laptop, silent data loss in service.
UNDELIVERING_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register("email", deploy=True)
def check_email(app_configs, **kwargs) -> list[Warning]:
    warnings = []
    if settings.EMAIL_BACKEND in UNDELIVERING_BACKENDS:
        warnings.append(
            Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: invitations and password "
                "resets would never reach anyone.",
                hint="Set DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend "
                "and DJANGO_EMAIL_HOST (docs/configuration.md#e-mail-settings).",
                id="taskforce.W001",
            )
        )
    if not settings.SITE_URL.startswith("https://"):
        warnings.append(
            Warning(
                f"DJANGO_SITE_URL is {settings.SITE_URL!r}: links in e-mails must use "
                "the public https:// address.",
                hint="Set DJANGO_SITE_URL=https://your.host.name",
                id="taskforce.W002",
            )
        )
    if "@localhost" in settings.DEFAULT_FROM_EMAIL:
        warnings.append(
            Warning(
                f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL!r}: mail from "
                "localhost reads as spam and bounces.",
                hint="Set DJANGO_DEFAULT_FROM_EMAIL='Task Force Stages <no-reply@your.domain>'.",
                id="taskforce.W003",
            )
        )
    return warnings
