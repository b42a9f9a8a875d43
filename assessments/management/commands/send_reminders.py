import datetime

from django.core.management import BaseCommand, CommandError
from django.utils import timezone

from assessments.notifications.reminders import STALE_AFTER, send_reminders


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r} is not a day written YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "E-mail coordinators what is due on their task forces (target dates, reviews, "
        "MOU renewals, pending invitations) and, on DJANGO_DIGEST_WEEKDAY, the weekly "
        "digest to program managers: one e-mail per person, each item once, queued "
        "for the job worker to send (it retries what the mail server refuses). Run daily "
        "(cron or a systemd timer); a second run the same day queues nothing new, and "
        "a run started while another is queueing queues nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--date", help="Run as if today were this day (YYYY-MM-DD); default: today."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say who would get what; queue and record nothing.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Take over from a run still marked as running, one that was killed (after "
                f"{STALE_AFTER.total_seconds() / 3600:g} hours any run does). Only when no "
                "other run is really running: two at once queue everything twice."
            ),
        )

    def handle(self, *args, date=None, dry_run=False, force=False, **options) -> None:
        today = _day(date) if date else timezone.localdate()
        result = send_reminders(today=today, dry_run=dry_run, force=force)
        if result.busy:
            # Not an error: cron on two hosts, or a slow run overlapping the
            # next, is expected, and the run that is running covers the day.
            other = result.other
            started = (
                f" (for {other.day}, started {timezone.localtime(other.started_at):%Y-%m-%d %H:%M})"
                if other
                else ""
            )
            self.stdout.write(
                f"Another send_reminders run{started} is running; this one queued nothing. "
                "If that run was killed, run again with --force."
            )
            return
        if dry_run:
            for message in result.messages:
                self.stdout.write(
                    f"Would send to {message.email}: {len(message.items)} item(s)"
                    f"{' and the digest' if message.digest else ''}."
                )
            self.stdout.write(
                f"Dry run for {today}: {len(result.messages)} e-mail(s) planned, "
                f"{result.held} item(s) held for the weekly e-mail. Nothing sent."
            )
            return
        # Queued is as good as sent: the worker sends each once and retries
        # what the mail server refuses; what still fails is for staff, in
        # the admin's Outgoing e-mails.
        self.stdout.write(
            f"Reminders for {today}: {len(result.queued)} e-mail(s) queued, "
            f"{result.held} item(s) held for the weekly e-mail."
        )
