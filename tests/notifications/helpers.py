"""Running send_reminders as a site in service does: the command queues the
e-mails, the job worker sends them."""

from django.core.management import call_command

from tests.conftest import _run_jobs


def run_reminders(*args, **options) -> None:
    """`manage.py send_reminders`, then the queued e-mails sent."""
    call_command("send_reminders", *args, **options)
    _run_jobs()
