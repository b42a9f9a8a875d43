"""Review cycle pages.

- /cycles/: program managers and staff see every cycle; a coordinator sees
  the submissions of their own task forces; anyone else an empty list.
- /cycles/open/ and the cycle page /cycles/<id>/: program managers and staff
  only (403 for others; coordinators see their own submissions' states on
  /cycles/ and on their submission pages).
- /cycles/<id>/task-forces/<slug>/: the submission page, for whoever may read
  the task force (404 for other task forces); its coordinators edit it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.access import task_force_for_user
from assessments.common.stale import StaleSaveError
from assessments.core import selectors
from assessments.core.filters import GapsFilters
from assessments.core.models import MilestoneStatus, TaskForce
from assessments.cycles import services as cycles
from assessments.cycles.forms import CycleOpenForm, DecisionForm, SubmissionForm
from assessments.cycles.models import (
    HANDED_IN,
    CycleSubmission,
    ReviewCycle,
    SubmissionReview,
    SubmissionState,
    late_q,
)
from assessments.roles import is_state_program
from stages.models import Milestone

CYCLE_PAGE_SIZE = 50


def _require_manager(request: HttpRequest) -> None:
    if not is_state_program(request.user):
        raise PermissionDenied


@require_safe
def cycle_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    manager = is_state_program(request.user)
    context: dict = {"manager": manager, "today": today}
    if manager:
        # Every cycle with its counts, in one query.
        context["cycles"] = ReviewCycle.objects.annotate(
            total=Count("submissions"),
            handed_in=Count("submissions", filter=Q(submissions__state__in=HANDED_IN)),
            accepted=Count("submissions", filter=Q(submissions__state=SubmissionState.ACCEPTED)),
            late=Count("submissions", filter=_late_in_cycle(today)),
        ).order_by("-opened_at", "-pk")
    context["own"] = (
        CycleSubmission.objects.filter(task_force__coordinators=request.user)
        .with_late(today)
        .select_related("cycle", "task_force")
        .order_by("-cycle__opened_at", "task_force__name")
        if request.user.is_authenticated
        else CycleSubmission.objects.none()
    )
    return render(request, "assessments/cycles/cycle_list.html", context)


def _late_in_cycle(today) -> Q:
    """late_q (cycles_models) seen from the cycle: the same rule with the
    submissions__ prefix, for counting per cycle in one query."""
    return Q(due_on__lt=today) & ~Q(submissions__state__in=HANDED_IN)


@require_http_methods(["GET", "HEAD", "POST"])
def cycle_open(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    regions = selectors.regions(TaskForce.objects.all())
    form = CycleOpenForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = cycles.cycle_open(**form.cleaned_data, user=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            count = cycle.submissions.count()
            messages.success(
                request,
                f"Opened {cycle.title}: {count} task force{'s' if count != 1 else ''} to submit.",
            )
            return redirect("assessments:cycle", cycle.pk)
    return render(request, "assessments/cycles/cycle_open.html", {"form": form})


def _add_errors(form, error: ValidationError) -> None:
    """A service's refusal on the form: per field when it names fields."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_safe
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    today = timezone.localdate()
    # Through the statewide pages' filter form: a region is checked text
    # (no NUL byte reaches the database), as on the other statewide pages.
    region = GapsFilters(request.GET).values()["region"]
    show = request.GET.get("state", "")
    if show != "late" and show not in SubmissionState.values:
        show = ""
    submissions = cycle.submissions.all()
    if region:
        submissions = submissions.filter(task_force__region=region)
    counts = cycles.state_counts(submissions, today)
    if show == "late":
        submissions = submissions.filter(late_q(today))
    elif show in SubmissionState.values:
        submissions = submissions.filter(state=show)
    page = Paginator(
        submissions.with_late(today).select_related("task_force").order_by("task_force__name"),
        CYCLE_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/cycles/cycle_detail.html",
        {
            "cycle": cycle,
            "page": page,
            "counts": counts,
            "states": [(s.value, s.label, counts[s.value]) for s in SubmissionState],
            "region": region,
            "show": show,
            "regions": list(
                cycle.submissions.exclude(task_force__region="")
                .order_by("task_force__region")
                .values_list("task_force__region", flat=True)
                .distinct()
            ),
            "filter_query": query.urlencode(),
            "today": today,
        },
    )


# The submission page ---------------------------------------------------------


def _submission(request: HttpRequest, pk: int, slug: str) -> tuple[CycleSubmission, bool]:
    """The submission of a task force the user may read (404 otherwise),
    and whether they may edit it."""
    task_force, can_edit = task_force_for_user(request, slug)
    submission = cycles.submission_for(pk, task_force)
    if submission is None:
        raise Http404("This task force is not in that cycle.")
    return submission, can_edit


def _agency_names(task_force: TaskForce) -> list[str]:
    return list(
        # The register's agencies, read through the task force (no import of register/).
        task_force.partner_agencies.active().order_by("name").values_list("name", flat=True)
    )


def _form(submission: CycleSubmission, data=None) -> SubmissionForm:
    return SubmissionForm(
        data,
        submission=submission,
        stages=cycles.cycle_stages(),
        milestones=list(cycles.listed_milestones()),
        agency_names=_agency_names(submission.task_force),
    )


def _render(
    request: HttpRequest,
    submission: CycleSubmission,
    can_edit: bool,
    *,
    form: SubmissionForm | None = None,
    decision_form: DecisionForm | None = None,
    stale: str = "",
    status: int = 200,
) -> HttpResponse:
    task_force = submission.task_force
    milestones = list(cycles.listed_milestones())
    records = {
        record.milestone_id: record
        for record in MilestoneStatus.objects.filter(task_force=task_force)
    }
    reviewed = cycles.reviewed_milestone_ids(submission)
    stages: dict = {}
    for milestone in milestones:
        record = records.get(milestone.pk)
        stages.setdefault(milestone.stage, []).append(
            {
                "milestone": milestone,
                "status": record.status if record else "not_started",
                "record": record,
                "reviewed": milestone.pk in reviewed,
            }
        )
    editable = can_edit and submission.is_editable
    reviewed_count = sum(1 for m in milestones if m.pk in reviewed)
    snapshots = list(
        submission.snapshots.with_details()
        .select_related("changed_by")
        .prefetch_related(
            Prefetch("reviews", queryset=SubmissionReview.objects.select_related("changed_by"))
        )
        .order_by("-number")
    )
    latest_review = None
    for snapshot in snapshots:
        snapshot.review = next(iter(snapshot.reviews.all()), None)
        if latest_review is None and snapshot.review is not None:
            latest_review = snapshot.review
    for snapshot in snapshots:
        snapshot.narratives = [
            (stage.name, snapshot.narrative.get(str(stage.pk), "")) for stage in stages
        ]
    manager = is_state_program(request.user)
    return render(
        request,
        "assessments/cycles/cycle_submission.html",
        {
            "submission": submission,
            "cycle": submission.cycle,
            "task_force": task_force,
            "late": submission.is_late(),
            "stages": list(stages.items()),
            "reviewed_count": reviewed_count,
            "milestone_count": len(milestones),
            "unreviewed_count": len(milestones) - reviewed_count,
            "editable": editable,
            "can_edit": can_edit,
            "form": (form or _form(submission)) if editable else None,
            "missing": cycles.missing_for_submit(submission) if editable else [],
            "snapshots": snapshots,
            "latest": snapshots[0] if snapshots else None,
            "latest_review": latest_review,
            "previous_plan": cycles.previous_plan(submission),
            "can_decide": manager and submission.state == SubmissionState.SUBMITTED,
            "decision_form": decision_form or DecisionForm(initial={"version": submission.version}),
            "stale": stale,
            "here": request.path,
        },
        status=status,
    )


@require_safe
def submission_page(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    submission, can_edit = _submission(request, pk, slug)
    return _render(request, submission, can_edit)


def _back(submission: CycleSubmission) -> str:
    return reverse(
        "assessments:cycle_submission", args=[submission.cycle_id, submission.task_force.slug]
    )


@require_POST
def submission_save(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """Save the draft; with the Submit button, then submit it."""
    submission, can_edit = _submission(request, pk, slug)
    if not can_edit:
        raise PermissionDenied
    form = _form(submission, request.POST)
    if not form.is_valid():
        return _render(request, submission, can_edit, form=form, status=400)
    try:
        saved = cycles.submission_save_draft(
            submission=submission,
            narrative=form.narrative(),
            plan=form.plan(),
            user=request.user,
            expected_version=form.cleaned_data["version"],
        )
        if request.POST.get("action") != "submit":
            messages.success(request, "Draft saved.")
            return redirect(_back(submission))
        snapshot = cycles.submission_submit(
            submission=saved, user=request.user, expected_version=saved.version
        )
    except StaleSaveError as error:
        current = cycles.submission_for(pk, submission.task_force)
        return _render(
            request,
            current,
            can_edit,
            form=form if current.is_editable else None,
            stale=error.message_for(request.user),
            status=409,
        )
    except ValidationError as error:
        current = cycles.submission_for(pk, submission.task_force)
        if current.version != submission.version:
            # The draft was saved; only the submission was refused.
            messages.success(request, "Draft saved.")
            messages.error(request, "Not submitted: " + " ".join(error.messages))
            return redirect(_back(submission))
        _add_errors(form, error)
        return _render(request, current, can_edit, form=form, status=400)
    messages.success(
        request,
        f"Submitted (version {snapshot.number}). The state program will accept it or return it "
        "with comments.",
    )
    return redirect(_back(submission))


def _save_typed_draft(
    request: HttpRequest, submission: CycleSubmission, can_edit: bool
) -> tuple[CycleSubmission, HttpResponse | None]:
    """The confirm buttons belong to the draft's form, so what the coordinator
    typed in the narratives and plan comes with them: save it before
    confirming, or it would be lost with the page's reload. When it cannot be
    saved, the page comes back with the text as typed and nothing confirmed."""
    if "version" not in request.POST:
        return submission, None  # posted without the draft (an older page)
    form = _form(submission, request.POST)
    if form.is_valid() and not form.has_changed():
        return submission, None
    not_confirmed = "Not confirmed yet: your draft could not be saved. Fix it below, then confirm."
    if not form.is_valid():
        messages.error(request, not_confirmed)
        return submission, _render(request, submission, can_edit, form=form, status=400)
    try:
        saved = cycles.submission_save_draft(
            submission=submission,
            narrative=form.narrative(),
            plan=form.plan(),
            user=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except StaleSaveError as error:
        current = cycles.submission_for(submission.cycle_id, submission.task_force)
        form_kept = form if current.is_editable else None
        stale = f"{not_confirmed} {error.message_for(request.user)}"
        return submission, _render(
            request, current, can_edit, form=form_kept, stale=stale, status=409
        )
    except ValidationError as error:
        _add_errors(form, error)
        messages.error(request, not_confirmed)
        return submission, _render(request, submission, can_edit, form=form, status=400)
    messages.success(request, "Draft saved.")
    return saved, None


@require_POST
def milestone_review(request: HttpRequest, pk: int, slug: str, milestone_slug: str) -> HttpResponse:
    submission, can_edit = _submission(request, pk, slug)
    if not can_edit:
        raise PermissionDenied
    milestone = get_object_or_404(Milestone, slug=milestone_slug)
    submission, refused = _save_typed_draft(request, submission, can_edit)
    if refused:
        return refused
    try:
        cycles.milestone_review(submission=submission, milestone=milestone, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Confirmed as it stands: {milestone.name}.")
    return redirect(f"{_back(submission)}#review-{milestone.slug}")


@require_POST
def milestones_review(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """Confirm, in one action, the milestones the page listed as not yet
    reviewed (posted back: what the coordinator saw, not what changed since)."""
    submission, can_edit = _submission(request, pk, slug)
    if not can_edit:
        raise PermissionDenied
    slugs = request.POST.getlist("milestone")[:200]
    milestones = list(cycles.listed_milestones().filter(slug__in=slugs))
    submission, refused = _save_typed_draft(request, submission, can_edit)
    if refused:
        return refused
    if not milestones:
        messages.info(request, "Nothing to confirm: every milestone is reviewed.")
        return redirect(_back(submission))
    try:
        cycles.milestones_review(submission=submission, milestones=milestones, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        count = len(milestones)
        messages.success(
            request, f"Confirmed {count} milestone{'s' if count != 1 else ''} as they stand."
        )
    return redirect(_back(submission))


def _accept_confirmation(
    request: HttpRequest, submission: CycleSubmission, form: DecisionForm
) -> HttpResponse:
    """Accepting cannot be undone: a page naming what is accepted, with the
    comments typed so far carried along, and one button that accepts. No
    JavaScript needed."""
    latest = submission.snapshots.select_related("changed_by").order_by("-number").first()
    return render(
        request,
        "assessments/cycles/cycle_accept_confirm.html",
        {
            "submission": submission,
            "cycle": submission.cycle,
            "task_force": submission.task_force,
            "latest": latest,
            "version": form.cleaned_data["version"],
            "comments": form.cleaned_data["comments"],
        },
    )


@require_POST
def submission_decide(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """Accept or return (with comments) the submitted version. Accepting
    asks for confirmation first (`confirmed=yes` posted from that page)."""
    _require_manager(request)
    submission, can_edit = _submission(request, pk, slug)
    form = DecisionForm(request.POST)
    decision = request.POST.get("decision")
    if decision not in SubmissionReview.Decision.values:
        form.add_error(None, "Choose to accept or return it.")
    if not form.is_valid():
        return _render(request, submission, can_edit, decision_form=form, status=400)
    if decision == SubmissionReview.Decision.ACCEPTED and request.POST.get("confirmed") != "yes":
        return _accept_confirmation(request, submission, form)
    service = (
        cycles.submission_accept
        if decision == SubmissionReview.Decision.ACCEPTED
        else cycles.submission_return
    )
    try:
        service(
            submission=submission,
            comments=form.cleaned_data["comments"],
            user=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except StaleSaveError as error:
        current = cycles.submission_for(pk, submission.task_force)
        return _render(
            request,
            current,
            can_edit,
            decision_form=form,
            stale=error.message_for(request.user),
            status=409,
        )
    except ValidationError as error:
        _add_errors(form, error)
        return _render(request, submission, can_edit, decision_form=form, status=400)
    messages.success(
        request,
        "Accepted."
        if decision == SubmissionReview.Decision.ACCEPTED
        else "Returned to the task force with your comments.",
    )
    return redirect(_back(submission))
