"""Every e-mail the site sends, in one place, through the job queue.

Each message is three templates under templates/emails/: `<name>_subject.txt`,
`<name>.txt` and `<name>.html`, rendered with the site's name, the state
program's name and the public base URL. Links are built from SITE_URL, never
from the request's Host header, which a client chooses.

Sending: `queue_templated_mail` renders the message and writes it (an
OutgoingEmail per address) with its send job, in the caller's transaction:
an action that rolls back sends nothing, one that commits has its e-mail
queued, and no request waits on the mail server. The job (`send_queued_mail`,
queue "mail") takes the message with a conditional update (queued ->
sending), so two workers, or a job that runs twice, send it once. A refusal
or a server that does not answer is retried after 1, 5, 30, 120 ... minutes,
EMAIL_MAX_ATTEMPTS attempts in all; then the message is failed, logged, and
counted for staff on the admin index, where "Send again" queues it anew.

At most once: a message whose worker stopped while sending it (a restart, a
crash) may or may not have reached the mail server. It is never sent again
by itself: `fail_interrupted_mail` marks it failed, saying so, and staff
decide (every message carries its own Message-ID, so a second copy is the
same message to mail programs that look).

Safety: e-mails carry names, dates and links behind login, never notes,
evidence or anything a task force wrote about its work.
"""

from __future__ import annotations

import datetime
import logging
import re
import smtplib
from collections.abc import Iterable
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.signals import task_enqueued
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from taskforce_site import jobs
from taskforce_site.models import OutgoingEmail

logger = logging.getLogger(__name__)

Status = OutgoingEmail.Status

# What a mail server that refuses, or does not answer, raises (smtplib's
# errors, socket errors and timeouts): worth another attempt later.
SEND_ERRORS = (smtplib.SMTPException, OSError)
# Minutes to wait after the 1st, 2nd, ... failed attempt; the last repeats.
RETRY_MINUTES = (1, 5, 30, 120)
ADDRESS = re.compile(r"[^\s<>'\"(){}\[\],;:]+@[^\s<>'\"(){}\[\],;:]+")


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


# Queueing --------------------------------------------------------------------


def queue_templated_mail(
    *,
    to: list[str],
    template: str,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> list[OutgoingEmail]:
    """Render templates/emails/<template>* and queue it, one message per
    address in `to`, in the caller's transaction. Sent by the worker."""
    message = build_templated_mail(to=to, template=template, context=context, headers=headers)
    return queue_messages([(template, message)])


def _html(message: EmailMultiAlternatives) -> str:
    return next(
        (content for content, mimetype in message.alternatives if mimetype == "text/html"), ""
    )


def _message_id() -> str:
    # The site's own host name, not the machine's (no DNS lookup).
    return make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost")


def queue_messages(messages: Iterable[tuple[str, EmailMultiAlternatives]]) -> list[OutgoingEmail]:
    """Queue built messages (template name, message), one OutgoingEmail and
    one send job per address: two inserts however many there are, in one
    transaction (the caller's, when there is one)."""
    now = timezone.now()
    records = [
        OutgoingEmail(
            to=address,
            from_email=message.from_email,
            subject=message.subject,
            body_text=message.body,
            body_html=_html(message),
            headers={**message.extra_headers, "Message-ID": _message_id()},
            template=template,
            next_attempt_at=now,
            created_at=now,
        )
        for template, message in messages
        for address in message.to
    ]
    if not records:
        return []
    with transaction.atomic():
        records = OutgoingEmail.objects.bulk_create(records)
        _enqueue_sends([record.pk for record in records])
    return records


def _enqueue_sends(ids: list[int]) -> None:
    backend = send_queued_mail.get_backend()
    if len(ids) == 1 or not isinstance(backend, DatabaseBackend):
        for pk in ids:
            jobs.enqueue(send_queued_mail, pk)
        return
    # What DatabaseBackend.enqueue writes for each, in one insert: the
    # digest queues thousands.
    rows = DBTaskResult.objects.bulk_create(
        DBTaskResult(
            id=backend._get_id(),
            args_kwargs={"args": [pk], "kwargs": {}},
            priority=send_queued_mail.priority,
            task_path=send_queued_mail.module_path,
            queue_name=send_queued_mail.queue_name,
            run_after=get_date_max(),
            backend_name=backend.alias,
        )
        for pk in ids
    )
    for row in rows:
        task_enqueued.send(type(backend), task_result=row.task_result)


# Sending ---------------------------------------------------------------------


def _email(record: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        record.subject,
        record.body_text,
        record.from_email,
        [record.to],
        headers=record.headers,
    )
    if record.body_html:
        message.attach_alternative(record.body_html, "text/html")
    return message


def describe_error(error: BaseException) -> str:
    """The error's class and a short text, with no address in it (a
    refusal names the recipient): it is shown to staff and logged."""
    text = ADDRESS.sub("[address]", str(error))
    return f"{error.__class__.__name__}: {text}"[:300]


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after `attempts` failed attempts."""
    return datetime.timedelta(minutes=RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1])


@task(queue_name="mail")
def send_queued_mail(email_id: int) -> str:
    """Send one queued e-mail, once; on a refusal, queue the next attempt."""
    # Committed on its own (the worker runs jobs outside a transaction): a
    # second job for this message finds it taken, and one whose worker
    # dies mid-send leaves it "sending" for fail_interrupted_mail.
    taken = OutgoingEmail.objects.filter(pk=email_id, status=Status.QUEUED).update(
        status=Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not taken:
        return "not queued"  # sent, being sent, failed or deleted meanwhile
    record = OutgoingEmail.objects.get(pk=email_id)
    try:
        _email(record).send()
    except SEND_ERRORS as error:
        return _attempt_failed(record, error)
    except Exception as error:
        # Not the server's doing (a bad header, a broken backend): trying
        # again would fail again. Failed now, and the job shows the trace.
        _give_up(record, error)
        raise
    # A message found "sending" too long and marked failed, which went
    # out after all, is sent: it is not for staff to send again.
    OutgoingEmail.objects.filter(pk=email_id, status__in=[Status.SENDING, Status.FAILED]).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        claimed_at=None,
        # A link may hold a token (a password reset): not kept once sent.
        body_text="",
        body_html="",
    )
    return "sent"


def _attempt_failed(record: OutgoingEmail, error: BaseException) -> str:
    if record.attempts >= settings.EMAIL_MAX_ATTEMPTS:
        _give_up(record, error)
        return "failed"
    when = timezone.now() + retry_delay(record.attempts)
    with transaction.atomic():
        OutgoingEmail.objects.filter(pk=record.pk, status=Status.SENDING).update(
            status=Status.QUEUED,
            next_attempt_at=when,
            claimed_at=None,
            last_error=describe_error(error),
        )
        jobs.enqueue(send_queued_mail.using(run_after=when), record.pk)
    return "retry"


def _give_up(record: OutgoingEmail, error: BaseException) -> None:
    OutgoingEmail.objects.filter(pk=record.pk, status=Status.SENDING).update(
        status=Status.FAILED, claimed_at=None, last_error=describe_error(error)
    )
    logger.warning(
        "e-mail %s (%s) failed after %s attempt(s): %s",
        record.pk,
        record.template,
        record.attempts,
        describe_error(error),
    )


# What staff and the worker do with the ones that did not go -----------------


def requeue(queryset) -> int:
    """Queue failed e-mails again, with a full set of attempts ("Send
    again" in the admin). Sent ones are not sent twice."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            queryset.filter(status=Status.FAILED).select_for_update().values_list("pk", flat=True)
        )
        OutgoingEmail.objects.filter(pk__in=ids, status=Status.FAILED).update(
            status=Status.QUEUED, attempts=0, next_attempt_at=now, claimed_at=None
        )
        _enqueue_sends(ids)
    return len(ids)


def sending_stale_after() -> datetime.timedelta:
    """A message "sending" for longer was cut off: more than the worker's
    stale time plus the longest a send can take with EMAIL_TIMEOUT on each
    of the SMTP exchanges (connect, hello, TLS, login, sender, recipient,
    data)."""
    return jobs.stale_after() + datetime.timedelta(seconds=10 * (settings.EMAIL_TIMEOUT or 60))


INTERRUPTED = (
    "Interrupted: the worker stopped while sending this message; it may or "
    "may not have been delivered. Send again only if the recipient did not get it."
)


def fail_interrupted_mail() -> int:
    """Messages left "sending" by a worker that stopped mid-send: marked
    failed, never resent by themselves (at most once), for staff to judge.
    Also puts back on the queue messages whose job was lost before it took
    them (queued, due long ago, and no send job waiting or running)."""
    now = timezone.now()
    cutoff = now - sending_stale_after()
    interrupted = OutgoingEmail.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    failed = interrupted.update(status=Status.FAILED, claimed_at=None, last_error=INTERRUPTED)
    if failed:
        logger.warning("%s e-mail(s) interrupted while sending, marked failed", failed)
    waiting = DBTaskResult.objects.filter(
        task_path=send_queued_mail.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    )
    if not waiting.exists():
        lost = list(
            OutgoingEmail.objects.filter(
                status=Status.QUEUED, next_attempt_at__lt=cutoff
            ).values_list("pk", flat=True)
        )
        if lost:
            _enqueue_sends(lost)
            logger.warning("%s queued e-mail(s) had no send job; queued again", len(lost))
    return failed


def failed_count() -> int:
    return OutgoingEmail.objects.failed().count()
