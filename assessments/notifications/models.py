"""Notification preferences and what was sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from assessments.common.models import AppendOnly
from assessments.core.reminders import EVENT_GROUPS, NotificationKind

# Sent right away by default: what someone is waiting for (issue 30).
RIGHT_AWAY_BY_DEFAULT = (NotificationKind.DECISIONS, NotificationKind.HELP_ANSWERS)
# Staff hear of these only if they choose to; program managers by default.
STAFF_OPT_IN = (NotificationKind.SUBMISSIONS_IN, NotificationKind.HELP_QUEUE)


class NotificationFrequency(models.TextChoices):
    IMMEDIATE = "immediate", "Right away"
    DAILY = "daily", "As they come up (daily)"
    WEEKLY = "weekly", "Once a week"
    NEVER = "never", "Never"


class NotificationPreferenceQuerySet(models.QuerySet):
    def frequencies(self, user_ids) -> dict[tuple[int, str], str]:
        """{(user id, kind): frequency} of the preferences set, in one query;
        a missing pair means the kind's default (NotificationPreference.default_for)."""
        return {
            (user_id, kind): frequency
            for user_id, kind, frequency in self.filter(user_id__in=user_ids).values_list(
                "user_id", "kind", "frequency"
            )
        }


class NotificationPreference(models.Model):
    """How often one person wants e-mail of one kind. No row means the
    default (default_for): daily for reminders, weekly for the digest; for
    events right away, in the daily e-mail or off."""

    Kind = NotificationKind
    Frequency = NotificationFrequency

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    frequency = models.CharField(max_length=10, choices=NotificationFrequency.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = NotificationPreferenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_user_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values),
                name="notification_preference_known_kind",
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=NotificationFrequency.values),
                name="notification_preference_known_frequency",
            ),
            # Events are sent right away, in the daily e-mail, or not at all;
            # only events are sent right away.
            models.CheckConstraint(
                condition=Q(kind__in=EVENT_GROUPS, frequency__in=["immediate", "daily", "never"])
                | (~Q(kind__in=EVENT_GROUPS) & ~Q(frequency="immediate")),
                name="immediate_only_for_events",
            ),
            # The digest is weekly by nature: it sums up a week.
            models.CheckConstraint(
                condition=~Q(kind=NotificationKind.DIGEST, frequency=NotificationFrequency.DAILY),
                name="digest_is_weekly_or_never",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.frequency}"

    @staticmethod
    def default_for(kind: str, *, staff_only: bool = False) -> str:
        """`staff_only`: staff who are not program managers, who opt in to
        hearing of submissions and help requests."""
        if kind == NotificationKind.DIGEST:
            return NotificationFrequency.WEEKLY
        if kind in RIGHT_AWAY_BY_DEFAULT:
            return NotificationFrequency.IMMEDIATE
        if staff_only and kind in STAFF_OPT_IN:
            return NotificationFrequency.NEVER
        return NotificationFrequency.DAILY


class SentNotification(AppendOnly):
    """One reminder or digest e-mail, recorded when it was queued (in the
    same transaction; the job queue sends it once, retrying refusals, and
    its delivery is in the admin's Outgoing e-mails): to whom, about what
    (kinds and item keys, never the items' text), for which run day.
    Append-only; staff read it at /reminders/sent/ and in the admin."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    email = models.EmailField("e-mail address")
    kinds = models.JSONField(default=list)
    item_keys = models.JSONField(default=list)
    run_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.email} {self.run_date}: {', '.join(self.kinds)}"

    @property
    def kind_labels(self) -> list[str]:
        """The kinds as people read them; a kind no longer known as it was stored."""
        labels = dict(NotificationKind.choices)
        return [labels.get(kind, kind) for kind in self.kinds]


class AnnouncedItem(AppendOnly):
    """That `recipient` was sent `key` (kind, item and occasion, see
    assessments/notifications/reminders.py): what makes send_reminders idempotent. Written
    in the same transaction as the SentNotification that carried it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=120)
    run_date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="announce_item_once"),
        ]
        indexes = [models.Index(fields=["run_date"])]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.key}"


class ReminderRun(models.Model):
    """One `send_reminders` run: claimed before it sends, so that two runs
    started at once (two hosts' cron, a slow run overlapping the next) cannot
    both send. At most one row is RUNNING: a database guarantee, the partial
    unique constraint below. A run that raised is FAILED and the next one
    goes ahead; one that was killed stays RUNNING until it is taken over
    (notifications/reminders.py, reminder_run_claim)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Sending"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Stopped"

    day = models.DateField(help_text="The day the run sent reminders for.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="running"),
                name="one_reminder_run_at_a_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["running", "finished", "failed"]),
                name="reminder_run_known_status",
            ),
        ]

    def __str__(self) -> str:
        return f"send_reminders {self.day} ({self.status})"
