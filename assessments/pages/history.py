"""Reading the change history: the timeline pages and the history export
share this, so they filter the same way."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import CharField, Q, QuerySet, Value

from assessments.activity.models import ActivityChange
from assessments.common.models import AppendOnlyRecord
from assessments.core.models import StatusChange, TaskForce
from assessments.cycles.models import Snapshot, SubmissionReview
from assessments.evidence.models import EvidenceChange
from assessments.help.models import HelpRequestChange
from assessments.register.models import RegisterChange
from stages.models import Milestone, Stage


def history_for(
    task_forces: QuerySet[TaskForce],
    *,
    model: type[AppendOnlyRecord] = StatusChange,
    milestone: Milestone | None = None,
    stage_slug: str | None = None,
    person_id: int | None = None,
) -> QuerySet:
    """Changes of the given task forces of one kind of record that belongs
    to a milestone (statuses by default; evidence; help requests), optionally
    narrowed to one milestone, one stage (by slug) or one person (by user
    id). A stage or person with no changes matches nothing rather than
    everything; a help request on the task force in general belongs to no
    milestone, so a milestone or stage filter leaves it out."""
    changes = model.objects.filter(task_force__in=task_forces)
    if model is StatusChange:
        changes = changes.for_timeline()
    if milestone is not None:
        changes = changes.filter(milestone=milestone)
    if stage_slug:
        changes = changes.filter(milestone__stage__slug=stage_slug)
    if person_id:
        changes = changes.filter(changed_by_id=person_id)
    return changes


def timeline_for(
    task_forces: QuerySet[TaskForce],
    *,
    milestone: Milestone | None = None,
    stage_slug: str | None = None,
    person_id: int | None = None,
) -> QuerySet:
    """Status changes, evidence changes, help request events, partner
    register and activity log changes together, newest first, as (kind, pk,
    changed_at) rows ("status", "evidence", "help", "register" or
    "activity") to paginate; then timeline_entries fetches one page's
    records. A milestone or stage filter leaves the register and the
    activity log out (their changes belong to no milestone)."""
    text = CharField(max_length=10)
    filters = {"milestone": milestone, "stage_slug": stage_slug, "person_id": person_id}
    kinds = {"status": StatusChange, "evidence": EvidenceChange, "help": HelpRequestChange}
    entries = None
    for kind, model in kinds.items():
        rows = (
            history_for(task_forces, model=model, **filters)
            .order_by()
            .values_list(Value(kind, output_field=text), "pk", "changed_at")
        )
        entries = rows if entries is None else entries.union(rows, all=True)
    if milestone is None and not stage_slug:
        register = RegisterChange.objects.filter(task_force__in=task_forces)
        activity = ActivityChange.objects.filter(task_force__in=task_forces)
        if person_id:
            register = register.filter(changed_by_id=person_id)
            activity = activity.filter(changed_by_id=person_id)
        entries = entries.union(
            register.order_by().values_list(
                Value("register", output_field=text), "pk", "changed_at"
            ),
            activity.order_by().values_list(
                Value("activity", output_field=text), "pk", "changed_at"
            ),
            all=True,
        )
        # Review cycle submissions and the state program's decisions: the
        # append-only snapshots and reviews are the records themselves.
        snapshots = Snapshot.objects.filter(submission__task_force__in=task_forces)
        reviews = SubmissionReview.objects.filter(snapshot__submission__task_force__in=task_forces)
        if person_id:
            snapshots = snapshots.filter(changed_by_id=person_id)
            reviews = reviews.filter(changed_by_id=person_id)
        entries = entries.union(
            snapshots.order_by().values_list(
                Value("snapshot", output_field=text), "pk", "changed_at"
            ),
            reviews.order_by().values_list(Value("review", output_field=text), "pk", "changed_at"),
            all=True,
        )
    return entries.order_by("-changed_at", "-pk")


def timeline_entries(rows) -> list[StatusChange | RegisterChange]:
    """The records of a page of timeline_for rows, in its order, in five
    queries whatever the page's length. Each says which it is by
    `timeline_kind` ("status", "evidence", "register", "snapshot" or
    "review")."""
    rows = list(rows)
    status = StatusChange.objects.for_timeline().in_bulk(
        [pk for kind, pk, _ in rows if kind == "status"]
    )
    register = RegisterChange.objects.select_related("changed_by").in_bulk(
        [pk for kind, pk, _ in rows if kind == "register"]
    )
    evidence = EvidenceChange.objects.select_related("changed_by", "milestone__stage").in_bulk(
        [pk for kind, pk, _ in rows if kind == "evidence"]
    )
    help_events = HelpRequestChange.objects.select_related(
        "changed_by", "milestone__stage"
    ).in_bulk([pk for kind, pk, _ in rows if kind == "help"])
    snapshots = Snapshot.objects.select_related("changed_by", "submission__cycle").in_bulk(
        [pk for kind, pk, _ in rows if kind == "snapshot"]
    )
    reviews = SubmissionReview.objects.select_related(
        "changed_by", "snapshot__submission__cycle"
    ).in_bulk([pk for kind, pk, _ in rows if kind == "review"])
    activity = ActivityChange.objects.select_related("changed_by").in_bulk(
        [pk for kind, pk, _ in rows if kind == "activity"]
    )
    found = {
        "activity": activity,
        "status": status,
        "register": register,
        "evidence": evidence,
        "snapshot": snapshots,
        "review": reviews,
        "help": help_events,
    }
    return [found[kind][pk] for kind, pk, _ in rows if pk in found[kind]]


def people_who_changed(task_forces: QuerySet[TaskForce]):
    """The accounts that appear in these task forces' history (statuses,
    evidence, the partner register and review cycles), for the filter."""
    status = StatusChange.objects.filter(task_force__in=task_forces).values("changed_by_id")
    register = RegisterChange.objects.filter(task_force__in=task_forces).values("changed_by_id")
    activity = ActivityChange.objects.filter(task_force__in=task_forces).values("changed_by_id")
    evidence = EvidenceChange.objects.filter(task_force__in=task_forces).values("changed_by_id")
    help_events = HelpRequestChange.objects.filter(task_force__in=task_forces).values(
        "changed_by_id"
    )
    submitted = Snapshot.objects.filter(submission__task_force__in=task_forces).values(
        "changed_by_id"
    )
    reviewed = SubmissionReview.objects.filter(
        snapshot__submission__task_force__in=task_forces
    ).values("changed_by_id")
    return (
        get_user_model()
        .objects.filter(
            Q(pk__in=status)
            | Q(pk__in=register)
            | Q(pk__in=activity)
            | Q(pk__in=evidence)
            | Q(pk__in=submitted)
            | Q(pk__in=reviewed)
            | Q(pk__in=help_events)
        )
        .order_by("username")
    )


def stages() -> QuerySet[Stage]:
    return Stage.objects.order_by("order")
