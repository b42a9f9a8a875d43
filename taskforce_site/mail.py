"""Every e-mail the site sends, in one place.

Each message is three templates under templates/emails/: `<name>_subject.txt`,
`<name>.txt` and `<name>.html`, rendered with the site's name, the state
program's name and the public base URL. Links are built from SITE_URL, never
from the request's Host header, which a client chooses.

Safety: e-mails carry names, dates and links behind login, never notes,
evidence or anything a task force wrote about its work.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    """`path` (from reverse()) on the configured public address."""
    return f"{settings.SITE_URL}{path}"


def site_context() -> dict[str, str]:
    return {
        "site_name": settings.SITE_NAME,
        "program_name": settings.PROGRAM_NAME,
        "site_url": settings.SITE_URL,
        "support_email": settings.SUPPORT_EMAIL,
    }


def build_templated_mail(
    *,
    to: list[str],
    template: str,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """The message of templates/emails/<template>*: a plain text and an HTML
    part, not yet sent."""
    full_context = {**site_context(), **context}
    # A header cannot hold a line break.
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", full_context).split())
    text = render_to_string(f"emails/{template}.txt", full_context)
    html = render_to_string(f"emails/{template}.html", full_context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, to, headers=headers or {}
    )
    message.attach_alternative(html, "text/html")
    return message


def send_templated_mail(*, to: list[str], template: str, context: dict[str, Any]) -> None:
    """Render templates/emails/<template>* and send one message with a plain
    text and an HTML part. Errors from the mail server propagate: the caller
    decides whether the action that sent it still stands."""
    build_templated_mail(to=to, template=template, context=context).send()
