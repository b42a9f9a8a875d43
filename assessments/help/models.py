"""Help requests: a task force asks the state program."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from assessments.common.models import AppendOnlyRecord
from assessments.core.models import TaskForce
from assessments.roles import is_signed_in_and_active, is_staff_or_program_manager
from stages.models import Milestone

HELP_BODY_MAX_LENGTH = 4000
HELP_TEXT_WARNING = (
    "Never write anything that identifies a victim or survivor: no names, "
    "dates of birth, addresses, case numbers or descriptions of a person."
)


class HelpRequestQuerySet(models.QuerySet):
    def open(self) -> HelpRequestQuerySet:
        """Not closed: open, assigned or answered (what the queue and the
        weekly digest count)."""
        return self.exclude(state=HelpRequest.State.CLOSED)

    def for_queue(self) -> HelpRequestQuerySet:
        """With what a queue or list row shows, in one query: oldest waiting first."""
        return self.select_related("task_force", "milestone", "assigned_to").order_by(
            "created_at", "pk"
        )

    def visible_to(self, user) -> HelpRequestQuerySet:
        """The requests `user` may see: every one for staff and program
        managers (the state program), their own task forces' for
        coordinators. Narrower than TaskForce.objects.visible_to: a
        coordinator who may read every task force still sees only their own
        task forces' requests (see assessments/help/views.py)."""
        if not is_signed_in_and_active(user):
            return self.none()
        if is_staff_or_program_manager(user):
            return self.all()
        return self.filter(task_force__coordinators=user)


class HelpRequest(models.Model):
    """A coordinator's request to the state program for technical
    assistance, on a milestone or on the task force in general. The text is
    in its messages (HelpMessage); what happened to it is in
    HelpRequestChange, which the task force's history shows."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ASSIGNED = "assigned", "Assigned"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="help_requests"
    )
    # Null: about the task force in general. PROTECT, as for statuses.
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_requests",
    )
    subject = models.CharField(
        max_length=150,
        help_text="A few words on what you need help with. " + HELP_TEXT_WARNING,
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_help_requests",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too, so the request still says who after an account is deleted.
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The state program's first reply: the statewide median time to first reply.
    first_reply_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking, as MilestoneStatus.version: every change increments it.
    version = models.PositiveIntegerField(default=0)

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["task_force", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "assigned", "answered", "closed"]),
                name="help_request_known_state",
            ),
            # Closed exactly when it has a closing time.
            models.CheckConstraint(
                condition=Q(state="closed", closed_at__isnull=False)
                | (~Q(state="closed") & Q(closed_at__isnull=True)),
                name="help_request_closed_at_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(first_reply_at__isnull=True) | Q(first_reply_at__gte=F("created_at")),
                name="help_request_reply_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_force}: help request #{self.pk}"

    @property
    def about(self) -> str:
        """What it is about, for lists and the history: the milestone's name."""
        return self.milestone.name if self.milestone_id else "The task force in general"

    @property
    def is_closed(self) -> bool:
        return self.state == self.State.CLOSED


class HelpMessage(AppendOnlyRecord):
    """One message of a help request's thread: append-only. `changed_by`
    is its author and `changed_at` when it was sent."""

    request = models.ForeignKey(HelpRequest, on_delete=models.PROTECT, related_name="messages")
    body = models.TextField(
        "message",
        max_length=HELP_BODY_MAX_LENGTH,
        # TextField's max_length only reaches forms; this holds it for every write.
        validators=[MaxLengthValidator(HELP_BODY_MAX_LENGTH)],
        help_text=HELP_TEXT_WARNING,
    )
    # Written by a program manager or staff (the state program), not the task force.
    from_state_program = models.BooleanField(default=False)

    class Meta:
        ordering = ["changed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="help_message_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Message on help request #{self.request_id}"


class HelpRequestChange(AppendOnlyRecord):
    """One event of a help request, for the task force's history: who and
    when, and to whom it was assigned. Never the subject or a message's
    text (the history export carries these lines too)."""

    class Action(models.TextChoices):
        OPENED = "opened", "Help requested"
        ASSIGNED = "assigned", "Assigned"
        REPLIED = "replied", "Reply from the state program"
        ANSWERED = "answered", "Reply from the task force"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="help_request_changes"
    )
    request = models.ForeignKey(HelpRequest, on_delete=models.PROTECT, related_name="changes")
    # As it was then, so the line reads the same if the request is edited in the admin.
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    assigned_to_name = models.CharField(max_length=150, blank=True)

    timeline_kind = "help"

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["task_force", "-changed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    action__in=["opened", "assigned", "replied", "answered", "closed", "reopened"]
                ),
                name="help_request_change_known_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_force}: help request #{self.request_id} {self.action}"

    @property
    def line(self) -> str:
        """The history's line: never the subject or a message."""
        about = self.milestone.name if self.milestone_id else "the task force in general"
        if self.action == self.Action.OPENED:
            return f"Help requested on {about}"
        if self.action == self.Action.ASSIGNED:
            return f"Help request on {about} assigned to {self.assigned_to_name or 'nobody'}"
        return f"{self.get_action_display()}: help request on {about}"


class HelpRequestRead(models.Model):
    """When one person last opened one request's thread: the messages others
    wrote after it are new to them ("New" in the thread, unread replies on
    the dashboard and in the menu). Bookkeeping, moved on each visit; no
    history of its own."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_reads"
    )
    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "request"], name="one_help_read_per_person"),
        ]

    def __str__(self) -> str:
        return f"Help request #{self.request_id} read by user #{self.user_id}"
