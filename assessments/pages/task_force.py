from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.access import task_force_for_editing, task_force_for_user
from assessments.activity.selectors import recent_activity
from assessments.common.stale import StaleSaveError
from assessments.core import page_cache, services
from assessments.core.filters import HistoryFilters
from assessments.core.forms import MilestoneStatusForm
from assessments.core.priorities import PRIORITY_RULE, focus, priorities_from, review_due_from
from assessments.core.progress import WORKING_STAGE_RULE, board_for, board_from
from assessments.core.trend import render_svg, trend_for
from assessments.cycles.models import CycleSubmission
from assessments.evidence import selectors as evidence_summary
from assessments.evidence.views import ask_to_review
from assessments.models import (
    Evidence,
    MilestoneStatus,
    PartnerAgency,
    PartnerLink,
    Status,
    TaskForce,
    can_read_all_task_forces,
)
from assessments.pages import history
from assessments.pages.saved import saved_message
from assessments.register.selectors import INFORMED_MILESTONES, register_summary
from stages.models import Milestone
from taskforce_site.security import log_event


def cycle_return_url(request: HttpRequest) -> str:
    """Where a status edit opened from a review cycle's submission page goes
    back to (?next=/cycles/...): only this site's cycle pages, so the
    parameter cannot send anyone elsewhere."""
    target = request.GET.get("next", "")
    if target.startswith("/cycles/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_safe
def task_force_detail(request: HttpRequest, slug: str) -> HttpResponse:
    task_force, can_edit = task_force_for_user(request, slug)
    progress, sections = board_for(task_force)
    today = timezone.localdate()
    register = register_summary(task_force, today)
    # Focused by default: what needs something open, achieved milestones
    # folded per stage. ?show=all opens every one (remembered nowhere).
    show_all = request.GET.get("show") == "all"
    stages = focus(sections, today, fold=not show_all)
    return render(
        request,
        "assessments/pages/task_force_detail.html",
        {
            "register": register,
            "register_notes": register.notes,
            # Its own numbers, unsuppressed: one query.
            "recent_activity": recent_activity(task_force, today),
            "task_force": task_force,
            "can_edit": can_edit,
            # Names and e-mails: for the task force's own team and staff only.
            "team": task_force.team() if can_edit else [],
            "progress": progress,
            "sections": sections,
            "stages": stages,
            "show_all": show_all,
            "folded_count": sum(len(stage.folded_rows) for stage in stages),
            "working_stage_rule": WORKING_STAGE_RULE,
            "priorities": priorities_from(sections, today),
            "priority_rule": PRIORITY_RULE,
            "review_due": review_due_from(sections, today),
            "status_choices": Status.choices,
            "show_evidence": True,
            "evidence": evidence_summary.evidence_by_milestone(task_force),
            # Where the next piece of work is: a cycle waiting on this task force.
            "open_submissions": list(CycleSubmission.objects.waiting_on(task_force, today)),
        },
    )


@require_POST
def milestone_confirm(request: HttpRequest, slug: str, milestone_slug: str) -> HttpResponse:
    """One action to say an achieved milestone still holds."""
    task_force = task_force_for_editing(request, slug)
    milestone = get_object_or_404(Milestone, slug=milestone_slug)
    try:
        services.milestone_confirm(task_force=task_force, milestone=milestone, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Confirmed: {milestone.name} still holds.")
        ask_to_review(request, task_force, [milestone], why=f"You confirmed {milestone.name}.")
    url = reverse("assessments:task_force", args=[task_force.slug])
    return redirect(f"{url}#milestone-{milestone.slug}")


@require_POST
def milestones_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    """Confirm all that still hold, from the review-due list: the milestones
    the page listed (posted back), each recorded in the history."""
    task_force = task_force_for_editing(request, slug)
    slugs = request.POST.getlist("milestone")[:200]
    milestones = list(Milestone.objects.filter(slug__in=slugs, is_active=True).order_by("pk"))
    confirmed = services.milestones_confirm(
        task_force=task_force, milestones=milestones, user=request.user
    )
    if confirmed:
        names = ", ".join(milestone.name for milestone in confirmed)
        messages.success(
            request,
            f"Confirmed {len(confirmed)} milestone{'s' if len(confirmed) != 1 else ''} "
            f"still hold: {names}.",
        )
        ask_to_review(
            request, task_force, confirmed, why="You confirmed milestones that have evidence."
        )
    skipped = len(milestones) - len(confirmed)
    if not milestones:
        messages.info(request, "Nothing to confirm.")
    elif skipped:
        verb = "was" if skipped == 1 else "were"
        messages.info(
            request, f"{skipped} changed since the page was shown and {verb} not confirmed."
        )
    return redirect("assessments:task_force", slug=task_force.slug)


HISTORY_PAGE_SIZE = 50


def _trend_context(task_forces) -> dict:
    trend = trend_for(task_forces)
    return {"trend": trend, "trend_svg": render_svg(trend)}


@require_safe
def trend(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Achieved milestones per stage over time: one task force, or all the
    user may read together."""
    if slug is None:
        task_force = None
        scope = TaskForce.objects.visible_to(request.user)
    else:
        task_force, _ = task_force_for_user(request, slug)
        scope = TaskForce.objects.filter(pk=task_force.pk)
    if task_force is None and can_read_all_task_forces(request.user):
        # Reads every task force's whole history.
        trend_context = page_cache.cached_statewide(
            "trend-all", lambda: _trend_context(TaskForce.objects.all())
        )
    else:
        trend_context = _trend_context(scope)
    return render(
        request,
        "assessments/pages/trend.html",
        {"task_force": task_force, "task_force_count": scope.count(), **trend_context},
    )


@require_safe
def task_force_history(
    request: HttpRequest, slug: str, milestone_slug: str | None = None
) -> HttpResponse:
    """The timeline of a task force's changes, or of one of its milestones."""
    task_force, _ = task_force_for_user(request, slug)
    milestone = (
        get_object_or_404(Milestone, slug=milestone_slug) if milestone_slug is not None else None
    )
    scope = TaskForce.objects.filter(pk=task_force.pk)
    filters = HistoryFilters(request.GET).values()
    stage_slug, person_id = filters["stage"], filters["person"]
    rows = history.timeline_for(
        scope, milestone=milestone, stage_slug=stage_slug, person_id=person_id
    )
    page = Paginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    # The page's records in place of its (kind, pk, when) rows.
    page.object_list = history.timeline_entries(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/pages/history.html",
        {
            "task_force": task_force,
            "milestone": milestone,
            "page": page,
            "stages": history.stages(),
            "people": history.people_who_changed(scope),
            "stage_slug": stage_slug,
            "person_id": person_id,
            "filter_query": query.urlencode(),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def milestone_edit(request: HttpRequest, slug: str, milestone_slug: str) -> HttpResponse:
    task_force = task_force_for_editing(request, slug)
    if request.method == "POST" and request.htmx:
        return _save_in_place(request, task_force, milestone_slug)
    milestone = get_object_or_404(Milestone.objects.select_related("stage"), slug=milestone_slug)
    stale = None
    if request.method == "POST":
        # The service reads the record it saves; the page reads it only if
        # it is shown again.
        form = MilestoneStatusForm(request.POST)
        record = None
        if form.is_valid():
            values = dict(form.cleaned_data)
            try:
                saved = _save_form(request, task_force, milestone, form)
            except ValidationError as error:
                form.add_error(None, error)
            except StaleSaveError as error:
                stale = _stale_comparison(error.current, values)
                stale["message"] = error.message_for(request.user)
                stale["yourself"] = error.by_viewer(request.user)
                # Keep what they typed; a second save knowingly replaces the newer one.
                data = request.POST.copy()
                data["version"] = error.current.version if error.current else 0
                form = MilestoneStatusForm(
                    data, instance=error.current, agency_names=_agency_names(task_force)
                )
                record = error.current
            else:
                messages.success(request, saved_message(milestone, saved))
                _ask_to_review_if_lapsed(request, task_force, milestone, saved)
                back = cycle_return_url(request)
                if back:
                    return redirect(back)
                url = reverse("assessments:task_force", args=[task_force.slug])
                return redirect(f"{url}#milestone-{milestone.slug}")
        if stale is None:
            record = _record(task_force, milestone)
            form.offer_agencies(_agency_names(task_force))
    else:
        record = _record(task_force, milestone)
        form = MilestoneStatusForm(instance=record, agency_names=_agency_names(task_force))
    return render(
        request,
        "assessments/pages/milestone_edit.html",
        {
            "task_force": task_force,
            "milestone": milestone,
            "record": record,
            "form": form,
            "stale": stale,
            "back": cycle_return_url(request),
            "evidence_count": Evidence.objects.filter(task_force=task_force, milestone=milestone)
            .present()
            .count(),
        },
        status=409 if stale else 200,
    )


def _ask_to_review_if_lapsed(
    request: HttpRequest, task_force: TaskForce, milestone: Milestone, saved: MilestoneStatus
) -> None:
    """A status that has just become lapsed: does its evidence still hold?"""
    if saved.status == Status.LAPSED and saved.status_since == saved.updated_at:
        ask_to_review(request, task_force, [milestone], why=f"{milestone.name} is now lapsed.")


def _agency_names(task_force: TaskForce) -> list[str]:
    """The register's active agencies, offered as lead partners."""
    return list(
        PartnerAgency.objects.filter(task_force=task_force)
        .active()
        .order_by("name")
        .values_list("name", flat=True)
    )


def _record(task_force: TaskForce, milestone: Milestone) -> MilestoneStatus | None:
    return (
        MilestoneStatus.objects.select_related("updated_by")
        .filter(task_force=task_force, milestone=milestone)
        .first()
    )


def _save_form(
    request: HttpRequest, task_force: TaskForce, milestone: Milestone, form: MilestoneStatusForm
) -> MilestoneStatus:
    """Both ways of saving the status form (page and in place) go through the
    service with the version the editor started from."""
    values = dict(form.cleaned_data)
    expected_version = values.pop("version")
    return services.milestone_status_update(
        task_force=task_force,
        milestone=milestone,
        user=request.user,
        expected_version=expected_version,
        **values,
    )


def _save_in_place(
    request: HttpRequest, task_force: TaskForce, milestone_slug: str
) -> HttpResponse:
    """The htmx path of milestone_edit: save, then answer with the new row
    and, out of band, the progress that changed with it. Errors come back in
    the row; the status code stays 200 so htmx swaps them in."""
    # Every milestone, not just this one: the progress and priorities in the
    # reply are counted from them (board_from), with no query of their own.
    milestones = list(Milestone.objects.select_related("stage").prefetch_related("resources"))
    milestone = next((m for m in milestones if m.slug == milestone_slug), None)
    if milestone is None:
        raise Http404("No such milestone")
    form = MilestoneStatusForm(request.POST)
    message = error = ""
    shown = None  # the record the save returned, or the newer one that refused it
    if form.is_valid():
        try:
            shown = _save_form(request, task_force, milestone, form)
            message = saved_message(milestone, shown)
            _ask_to_review_if_lapsed(request, task_force, milestone, shown)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        except StaleSaveError as stale:
            shown = stale.current
            error = stale.message_for(request.user)
    else:
        error = "Not saved: " + " ".join(text for texts in form.errors.values() for text in texts)
    records = {
        record.milestone_id: record
        for record in MilestoneStatus.objects.filter(task_force=task_force).select_related(
            "updated_by"
        )
    }
    if shown is not None and shown.pk is not None:
        records[milestone.pk] = shown  # the row as saved (or as it refused ours)
    progress, sections = board_from(milestones, records)
    section = next(s for s in sections if s.stage.pk == milestone.stage_id)
    row = next(r for r in section.rows if r.milestone.pk == milestone.pk)
    return render(
        request,
        "assessments/pages/_milestone_row_update.html",
        {
            "row": row,
            "row_message": message,
            "row_error": error,
            "task_force": task_force,
            "internal": True,
            "can_edit": True,
            # The flag on a milestone the register informs follows its new status.
            "register_notes": register_summary(task_force).notes
            if milestone.slug in INFORMED_MILESTONES
            else {},
            "show_evidence": True,
            "evidence": evidence_summary.evidence_by_milestone(task_force),
            "status_choices": Status.choices,
            "progress": progress,
            "stage_progress": section.progress,
            "working_stage_rule": WORKING_STAGE_RULE,
            "priorities": priorities_from(sections, timezone.localdate()),
            "priority_rule": PRIORITY_RULE,
        },
    )


def _stale_comparison(current: MilestoneStatus | None, yours: dict) -> dict:
    """Theirs (saved) and yours (not saved), field by field, for the page."""
    labels = {
        "status": "Status",
        "lead_partner": "Lead partner",
        "target_date": "Target date",
        "notes": "Internal notes",
    }
    rows = []
    for field, label in labels.items():
        theirs = (
            getattr(current, field) if current else ("not_started" if field == "status" else "")
        )
        mine = yours.get(field)
        if field == "status":
            theirs, mine = Status(theirs).label, Status(mine).label
        rows.append(
            {
                "label": label,
                "theirs": theirs or "—",
                "yours": mine or "—",
                "differs": theirs != mine,
            }
        )
    return {"current": current, "rows": rows}


@login_not_required
@require_safe
def partner(request: HttpRequest, token: str) -> HttpResponse:
    link = PartnerLink.objects.for_token(token)
    if link is None:
        log_event("partner_link.refused", request)
        raise Http404("No such link")
    task_force = link.task_force
    # A link checker's HEAD (mail scanners send one) is nobody reading the page.
    if request.method == "GET" and services.partner_link_record_visit(link=link):
        log_event("partner_link.used", request, task_force=task_force.slug, link_id=link.pk)
    today = timezone.localdate()

    def build() -> str:
        progress, sections = board_for(task_force)
        return render_to_string(
            "assessments/pages/_partner_body.html",
            {
                "task_force": task_force,
                "progress": progress,
                "sections": sections,
                # Every milestone open: see the user guide (partners read the
                # page whole, and there is nothing on it to update).
                "stages": focus(sections, today, fold=False),
                "working_stage_rule": WORKING_STAGE_RULE,
                "priorities": priorities_from(sections, today),
                "priority_rule": PRIORITY_RULE,
                # Name and sector only: contacts never reach the template.
                "partner_agencies": list(
                    PartnerAgency.objects.filter(task_force=task_force, shown_to_partners=True)
                    .active()
                    .order_by("sector__order", "name")
                    .values_list("name", "sector__name")
                ),
                **_trend_context(TaskForce.objects.filter(pk=task_force.pk)),
            },
        )

    # Partners read far more often than coordinators write; see page_cache.
    # Only the body is cached: the frame around it is per request (messages,
    # such as "you were logged out", and a signed-in visitor's menu), so
    # nothing one visitor saw can reach the next.
    key = page_cache.fragment_key("partner", task_force.pk, task_force.revision, today)
    response = render(
        request,
        "assessments/pages/partner.html",
        {
            "task_force": task_force,
            "body": page_cache.cached(key, build),
            # Outside the cached body, since each link's downloads carry its
            # own token; the list itself (ids and titles) is cached alike.
            "shared_evidence": page_cache.cached(
                page_cache.fragment_key(
                    "partner-evidence", task_force.pk, task_force.revision, today
                ),
                lambda: evidence_summary.shared_with_partners(task_force),
            ),
            "token": token,
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response
