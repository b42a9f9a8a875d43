"""Writes and reads of review cycles. Every change to a cycle, a
submission, its snapshots and reviews goes through here.

Reviewing milestones needs no write path of its own: a milestone counts as
reviewed in a submission's round when the task force's status history has
an entry for it since the round started (the cycle's opening). Changing a
milestone through the status page, in place or by import writes such an
entry; "Confirm as it stands" writes one too (milestone_review below),
through services.milestone_confirm for an achieved milestone and as a
StatusChange with source REVIEW otherwise. History and locking therefore
apply as on every other status write.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from assessments.core import services
from assessments.core.events import EventKind, event_build, event_record, events_record, first_line
from assessments.core.models import MilestoneStatus, Status, StatusChange, TaskForce
from assessments.core.reminders import path_template
from assessments.cycles.models import (
    CycleSubmission,
    PlanItem,
    ReviewCycle,
    Snapshot,
    SnapshotMilestone,
    SubmissionReview,
    SubmissionState,
    late_q,
)
from assessments.roles import is_state_program
from stages.models import Milestone, Stage

NARRATIVE_MAX_LENGTH = 4000
OWNER_MAX_LENGTH = 200


def listed_milestones() -> QuerySet[Milestone]:
    """The milestones a submission covers: every active one, in guidance order."""
    return Milestone.objects.active().select_related("stage").order_by("stage__order", "order")


def cycle_stages() -> list[Stage]:
    """The stages that have active milestones: each needs a narrative."""
    return list(
        Stage.objects.filter(milestones__is_active=True).distinct().order_by("order", "name")
    )


# Opening ------------------------------------------------------------------


@transaction.atomic
def cycle_open(
    *,
    title: str,
    due_on: datetime.date,
    region: str = "",
    instructions: str = "",
    user: AbstractBaseUser,
    today: datetime.date | None = None,
) -> ReviewCycle:
    """Open a cycle and create a not-started submission for every task force
    it covers (all, or `region`'s), in a constant number of queries."""
    if not is_state_program(user):
        raise PermissionDenied
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = ["Give the cycle a title, e.g. '2027 annual self-assessment'."]
    if due_on is None:
        errors["due_on"] = ["Give a due date."]
    elif due_on < today:
        errors["due_on"] = ["The due date cannot be in the past."]
    cycle = ReviewCycle(
        title=title,
        due_on=due_on,
        region=(region or "").strip(),
        instructions=instructions or "",
        opened_by=user,
        opened_at=timezone.now(),
    )
    if not errors:
        try:
            cycle.full_clean(exclude=["opened_by"])
        except ValidationError as error:
            errors.update(error.message_dict)
    covered = list(cycle.covered_task_forces().order_by("pk").values_list("pk", "slug"))
    task_force_ids = [pk for pk, _ in covered]
    if not task_force_ids and "region" not in errors:
        errors["region"] = [
            f"No task force is in the region '{cycle.region}'."
            if cycle.region
            else "There are no task forces to cover."
        ]
    if errors:
        raise ValidationError(errors)
    cycle.save()
    CycleSubmission.objects.bulk_create(
        [
            CycleSubmission(
                cycle=cycle,
                task_force_id=pk,
                round_started_at=cycle.opened_at,
                updated_at=cycle.opened_at,
            )
            for pk in task_force_ids
        ],
        batch_size=500,
    )
    submission_path = path_template("assessments:cycle_submission", "int", "slug")
    events_record(
        [
            event_build(
                kind=EventKind.CYCLE_OPENED,
                about=cycle,
                task_force=pk,
                actor=user,
                name=cycle.title,
                date=cycle.due_on,
                at=cycle.opened_at,
                path=submission_path(cycle.pk, slug),
            )
            for pk, slug in covered
        ]
    )
    return cycle


@transaction.atomic
def cycle_due_date_changed(*, cycle: ReviewCycle, user: AbstractBaseUser) -> None:
    """Tell the task forces still to hand in (not accepted) that `cycle`'s
    due date is now cycle.due_on. Called where the due date is corrected
    (the Django admin), in that save's transaction."""
    submission_path = path_template("assessments:cycle_submission", "int", "slug")
    rows = (
        cycle.submissions.exclude(state=SubmissionState.ACCEPTED)
        .order_by("task_force_id")
        .values_list("task_force_id", "task_force__slug")
    )
    events_record(
        [
            event_build(
                kind=EventKind.CYCLE_DUE_CHANGED,
                about=cycle,
                task_force=pk,
                actor=user,
                name=cycle.title,
                date=cycle.due_on,
                path=submission_path(cycle.pk, slug),
            )
            for pk, slug in rows
        ]
    )


# Reading a submission ------------------------------------------------------


def reviewed_milestone_ids(submission: CycleSubmission) -> set[int]:
    """The milestones with a history entry (change, confirmation or review)
    since the submission's round started: reviewed in this round."""
    return set(
        StatusChange.objects.filter(
            task_force_id=submission.task_force_id,
            changed_at__gte=submission.round_started_at,
        ).values_list("milestone_id", flat=True)
    )


def submission_for(cycle_id: int, task_force: TaskForce) -> CycleSubmission | None:
    return (
        CycleSubmission.objects.select_related("cycle", "task_force", "updated_by")
        .filter(cycle_id=cycle_id, task_force=task_force)
        .first()
    )


def previous_plan(submission: CycleSubmission) -> list[dict]:
    """The plan of the task force's latest accepted snapshot from an earlier
    cycle, each item with `met_now` (achieved today) and `met_at_submission`
    (achieved in this submission's latest snapshot, None before any)."""
    earlier = (
        Snapshot.objects.for_task_force(submission.task_force)
        .accepted()
        .exclude(submission__cycle=submission.cycle_id)
        .first()
    )
    if earlier is None:
        return []
    items = list(earlier.plan())
    milestone_ids = [item.milestone_id for item in items]
    now = dict(
        MilestoneStatus.objects.filter(
            task_force_id=submission.task_force_id, milestone_id__in=milestone_ids
        ).values_list("milestone_id", "status")
    )
    latest = submission.snapshots.order_by("-number").first()
    then = latest.statuses() if latest is not None else None
    return [
        {
            "item": item,
            "cycle": earlier.submission.cycle,
            "met_now": now.get(item.milestone_id) == Status.ACHIEVED,
            "met_at_submission": None
            if then is None
            else then.get(item.milestone_id) == Status.ACHIEVED,
        }
        for item in items
    ]


# Writing a submission ------------------------------------------------------


def _store(
    submission: CycleSubmission, *, user: AbstractBaseUser | None, now: datetime.datetime
) -> None:
    submission.version += 1
    submission.updated_by = user
    submission.updated_at = now
    submission.save()


def _require_editor(submission: CycleSubmission, user: AbstractBaseUser) -> None:
    if not submission.task_force.can_edit(user):
        raise PermissionDenied


def _require_editable(submission: CycleSubmission, action: str) -> None:
    if not submission.is_editable:
        raise ValidationError(
            f"This submission is {submission.get_state_display().lower()}: it cannot be {action}.",
            code="invalid_state",
        )


def _clean_narrative(narrative: dict, stage_ids: Iterable[int]) -> dict[str, str]:
    known = {str(pk) for pk in stage_ids}
    cleaned: dict[str, str] = {}
    for key, text in (narrative or {}).items():
        if str(key) not in known:
            raise ValidationError({"narrative": ["Narratives are written per stage."]})
        text = (text or "").strip()
        if len(text) > NARRATIVE_MAX_LENGTH:
            raise ValidationError(
                {
                    "narrative": [
                        f"A stage's narrative is at most {NARRATIVE_MAX_LENGTH} characters."
                    ]
                }
            )
        if text:
            cleaned[str(key)] = text
    return cleaned


def _clean_plan(plan: list[dict]) -> list[dict]:
    """[{"milestone": id, "owner": text, "due_on": date or ISO text or None}]
    checked: active milestones, each once, owner length, a real date."""
    active = set(Milestone.objects.active().values_list("pk", flat=True))
    cleaned, seen = [], set()
    for item in plan or []:
        try:
            milestone_id = int(item["milestone"])
        except (KeyError, TypeError, ValueError):
            raise ValidationError({"plan": ["Choose a milestone for each plan line."]}) from None
        if milestone_id not in active:
            raise ValidationError({"plan": ["Plan only milestones of the guidance in use."]})
        if milestone_id in seen:
            raise ValidationError({"plan": ["Each milestone appears once in the plan."]})
        seen.add(milestone_id)
        owner = (item.get("owner") or "").strip()
        if len(owner) > OWNER_MAX_LENGTH:
            raise ValidationError({"plan": [f"An owner is at most {OWNER_MAX_LENGTH} characters."]})
        due_on = item.get("due_on") or None
        if isinstance(due_on, str):
            try:
                due_on = datetime.date.fromisoformat(due_on)
            except ValueError:
                raise ValidationError({"plan": ["Give due dates as dates."]}) from None
        cleaned.append(
            {
                "milestone": milestone_id,
                "owner": owner,
                "due_on": due_on.isoformat() if due_on else None,
            }
        )
    return cleaned


def _start(submission: CycleSubmission) -> None:
    if submission.state == SubmissionState.NOT_STARTED:
        submission.state = SubmissionState.IN_PROGRESS


@transaction.atomic
def submission_save_draft(
    *,
    submission: CycleSubmission,
    narrative: dict,
    plan: list[dict],
    user: AbstractBaseUser,
    expected_version: int | None,
) -> CycleSubmission:
    """Save the draft narrative (per stage) and plan. Refused, saving
    nothing, once handed in, for bad input, or for a stale version."""
    current = services.locked(submission, expected_version, "cycle", "task_force", "updated_by")
    _require_editor(current, user)
    _require_editable(current, "changed")
    current.narrative = _clean_narrative(narrative, [stage.pk for stage in cycle_stages()])
    current.plan = _clean_plan(plan)
    _start(current)
    _store(current, user=user, now=timezone.now())
    return current


def milestone_review(
    *,
    submission: CycleSubmission,
    milestone: Milestone,
    user: AbstractBaseUser,
) -> None:
    """Confirm one milestone as it stands for this submission (see
    milestones_review)."""
    milestones_review(submission=submission, milestones=[milestone], user=user)


@transaction.atomic
def milestones_review(
    *,
    submission: CycleSubmission,
    milestones: Sequence[Milestone],
    user: AbstractBaseUser,
) -> None:
    """Confirm milestones as they stand for this submission, in one action.
    An achieved one is confirmed as on the status page (its review clock
    restarts); any other writes a REVIEW entry in the history, changing
    nothing else. Refused, saving nothing, if one is retired."""
    current = services.locked(submission, None, "cycle", "task_force", "updated_by")
    _require_editor(current, user)
    _require_editable(current, "changed")
    if any(not milestone.is_active for milestone in milestones):
        raise ValidationError(services.RETIRED_MILESTONE_MESSAGE, code="retired")
    statuses = dict(
        MilestoneStatus.objects.filter(
            task_force=current.task_force, milestone__in=milestones
        ).values_list("milestone_id", "status")
    )
    now = timezone.now()
    changes = []
    for milestone in milestones:
        status = statuses.get(milestone.pk, Status.NOT_STARTED)
        if status == Status.ACHIEVED:
            services.milestone_confirm(
                task_force=current.task_force, milestone=milestone, user=user, at=now
            )
            continue
        changes.append(
            StatusChange(
                task_force=current.task_force,
                milestone=milestone,
                old_status=status,
                new_status=status,
                changes={},
                changed_by=user,
                changed_by_name=user.get_username(),
                changed_at=now,
                source=StatusChange.Source.REVIEW,
            )
        )
    StatusChange.objects.bulk_create(changes)
    if milestones and current.state == SubmissionState.NOT_STARTED:
        _start(current)
        _store(current, user=user, now=now)


def missing_for_submit(submission: CycleSubmission) -> list[str]:
    """What stops the submission going in, in words; empty when ready."""
    problems = []
    reviewed = reviewed_milestone_ids(submission)
    unreviewed = [m for m in listed_milestones() if m.pk not in reviewed]
    if unreviewed:
        names = ", ".join(m.name for m in unreviewed[:5])
        more = f" and {len(unreviewed) - 5} more" if len(unreviewed) > 5 else ""
        problems.append(
            f"{len(unreviewed)} milestone(s) not reviewed in this cycle: {names}{more}. "
            "Confirm each as it stands or change it."
        )
    missing = [s.name for s in cycle_stages() if not submission.narrative.get(str(s.pk))]
    if missing:
        problems.append(f"Write the narrative for: {', '.join(missing)}.")
    return problems


@transaction.atomic
def submission_submit(
    *, submission: CycleSubmission, user: AbstractBaseUser, expected_version: int | None
) -> Snapshot:
    """Freeze the submission: a Snapshot (number n + 1) with every listed
    milestone as it stands now, the narrative and the plan, in a constant
    number of queries. Refused, changing nothing, unless every listed
    milestone was reviewed in this round and each stage has a narrative,
    and once handed in (submitted twice, or accepted)."""
    current = services.locked(submission, expected_version, "cycle", "task_force", "updated_by")
    _require_editor(current, user)
    _require_editable(current, "submitted")
    problems = missing_for_submit(current)
    if problems:
        raise ValidationError(problems, code="incomplete")
    now = timezone.now()
    number = current.snapshots.count() + 1
    snapshot = Snapshot(
        submission=current,
        number=number,
        narrative=dict(current.narrative),
        changed_by=user,
        changed_by_name=user.get_username(),
        changed_at=now,
    )
    snapshot.save(force_insert=True)
    statuses = {
        record.milestone_id: record
        for record in MilestoneStatus.objects.filter(task_force_id=current.task_force_id)
    }
    rows = []
    for milestone in listed_milestones():
        record = statuses.get(milestone.pk)
        rows.append(
            SnapshotMilestone(
                snapshot=snapshot,
                milestone=milestone,
                status=record.status if record else Status.NOT_STARTED,
                lead_partner=record.lead_partner if record else "",
                target_date=record.target_date if record else None,
            )
        )
    SnapshotMilestone.objects.bulk_create(rows)
    PlanItem.objects.bulk_create(
        [
            PlanItem(
                snapshot=snapshot,
                milestone_id=item["milestone"],
                owner=item["owner"],
                due_on=datetime.date.fromisoformat(item["due_on"]) if item["due_on"] else None,
            )
            for item in _clean_plan(current.plan)
        ]
    )
    current.state = SubmissionState.SUBMITTED
    _store(current, user=user, now=now)
    _record(current, EventKind.SUBMISSION_SUBMITTED, user=user, number=number, at=now)
    return snapshot


def _record(
    submission: CycleSubmission,
    kind: str,
    *,
    user: AbstractBaseUser,
    number: int | None,
    at: datetime.datetime,
    detail: str = "",
) -> None:
    event_record(
        kind=kind,
        about=submission,
        task_force=submission.task_force,
        actor=user,
        name=submission.cycle.title,
        number=number,
        detail=detail,
        at=at,
        path=reverse(
            "assessments:cycle_submission",
            args=[submission.cycle_id, submission.task_force.slug],
        ),
    )


def _decide(
    *,
    submission: CycleSubmission,
    decision: str,
    comments: str,
    user: AbstractBaseUser,
    expected_version: int | None,
) -> SubmissionReview:
    if not is_state_program(user):
        raise PermissionDenied
    current = services.locked(submission, expected_version, "cycle", "task_force", "updated_by")
    if current.state != SubmissionState.SUBMITTED:
        verb = "accepted" if decision == SubmissionReview.Decision.ACCEPTED else "returned"
        raise ValidationError(
            f"Only a submitted submission can be {verb}; this one is "
            f"{current.get_state_display().lower()}.",
            code="invalid_state",
        )
    comments = (comments or "").strip()
    if decision == SubmissionReview.Decision.RETURNED and not comments:
        raise ValidationError(
            {"comments": ["Say what the task force should change."]}, code="required"
        )
    if len(comments) > NARRATIVE_MAX_LENGTH:
        raise ValidationError(
            {"comments": [f"Comments are at most {NARRATIVE_MAX_LENGTH} characters."]}
        )
    now = timezone.now()
    snapshot = current.snapshots.order_by("-number").first()
    review = SubmissionReview(
        snapshot=snapshot,
        decision=decision,
        comments=comments,
        changed_by=user,
        changed_by_name=user.get_username(),
        changed_at=now,
    )
    review.save(force_insert=True)
    current.state = (
        SubmissionState.ACCEPTED
        if decision == SubmissionReview.Decision.ACCEPTED
        else SubmissionState.RETURNED
    )
    _store(current, user=user, now=now)
    returned = decision == SubmissionReview.Decision.RETURNED
    _record(
        current,
        EventKind.SUBMISSION_RETURNED if returned else EventKind.SUBMISSION_ACCEPTED,
        user=user,
        number=snapshot.number if snapshot else None,
        at=now,
        detail=first_line(comments) if returned else "",
    )
    return review


@transaction.atomic
def submission_accept(
    *,
    submission: CycleSubmission,
    user: AbstractBaseUser,
    comments: str = "",
    expected_version: int | None = None,
) -> SubmissionReview:
    """Accept the submitted snapshot (program managers and staff only)."""
    return _decide(
        submission=submission,
        decision=SubmissionReview.Decision.ACCEPTED,
        comments=comments,
        user=user,
        expected_version=expected_version,
    )


@transaction.atomic
def submission_return(
    *,
    submission: CycleSubmission,
    comments: str,
    user: AbstractBaseUser,
    expected_version: int | None = None,
) -> SubmissionReview:
    """Return the submitted snapshot with comments (required): the task
    force changes its draft and resubmits; both snapshots are kept."""
    return _decide(
        submission=submission,
        decision=SubmissionReview.Decision.RETURNED,
        comments=comments,
        user=user,
        expected_version=expected_version,
    )


# The cycle page ------------------------------------------------------------


def state_counts(submissions: QuerySet[CycleSubmission], today: datetime.date) -> dict[str, int]:
    """How many submissions are in each state, and how many are late, in one query."""
    counts = submissions.aggregate(
        **{state: Count("pk", filter=Q(state=state)) for state in SubmissionState.values},
        late=Count("pk", filter=late_q(today)),
        total=Count("pk"),
    )
    return counts
