"""The evidence of a milestone: its page, uploads and links, removal and
restoring, checks, sharing, and the downloads (for the task force's readers,
and for partners through their link).

Files are never served by a public URL: every download comes through
_file_response, after the same access rule as the task force page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.access import task_force_for_editing, task_force_for_user
from assessments.core.forms import add_service_errors
from assessments.core.models import PartnerLink, TaskForce
from assessments.evidence import services as service
from assessments.evidence.forms import EvidenceFileForm, EvidenceLinkForm
from assessments.evidence.models import Evidence, evidence_storage
from assessments.roles import is_state_program
from stages.models import Milestone
from taskforce_site.security import log_event


def _milestone(milestone_slug: str) -> Milestone:
    return get_object_or_404(Milestone.objects.select_related("stage"), slug=milestone_slug)


def _evidence(
    task_force: TaskForce, milestone: Milestone, evidence_id: int, *, removed_ok: bool = False
) -> Evidence:
    """A piece of this task force's evidence for this milestone: 404 for any
    other (another task force's, a guessed id, a purged one), and for removed
    ones unless `removed_ok` (staff)."""
    evidence = Evidence.objects.filter(
        pk=evidence_id, task_force=task_force, milestone=milestone, purged_at__isnull=True
    )
    if not removed_ok:
        evidence = evidence.present()
    return get_object_or_404(evidence)


# The upload and link forms share field names (title, note, share): their
# own id prefixes keep each label tied to its own field.
def _file_form(*args) -> EvidenceFileForm:
    return EvidenceFileForm(*args, auto_id="id_upload_%s")


def _link_form(*args) -> EvidenceLinkForm:
    return EvidenceLinkForm(*args, auto_id="id_link_%s")


def _list_url(task_force: TaskForce, milestone: Milestone) -> str:
    return reverse("assessments:evidence", args=[task_force.slug, milestone.slug])


def _render_page(
    request: HttpRequest,
    task_force: TaskForce,
    milestone: Milestone,
    *,
    can_edit: bool,
    file_form: EvidenceFileForm | None = None,
    link_form: EvidenceLinkForm | None = None,
) -> HttpResponse:
    pieces = list(service.for_milestone(task_force, milestone, user=request.user))
    checked = [piece for piece in pieces if piece.is_checked and not piece.is_removed]
    return render(
        request,
        "assessments/evidence/evidence.html",
        {
            "task_force": task_force,
            "milestone": milestone,
            "pieces": pieces,
            "last_checked": max(checked, key=lambda piece: piece.checked_at, default=None),
            "can_edit": can_edit,
            "can_add": can_edit and milestone.is_active,
            "can_check": is_state_program(request.user),
            "can_restore": service.can_see_removed(request.user),
            "file_form": file_form or _file_form(),
            "link_form": link_form or _link_form(),
            "retention_days": settings.EVIDENCE_RETENTION_DAYS,
        },
    )


@require_safe
def evidence_list(request: HttpRequest, slug: str, milestone_slug: str) -> HttpResponse:
    """Read as the task force is read; its editors add and remove, program
    managers and staff check."""
    task_force, can_edit = task_force_for_user(request, slug)
    return _render_page(request, task_force, _milestone(milestone_slug), can_edit=can_edit)


@require_POST
def evidence_upload(request: HttpRequest, slug: str, milestone_slug: str) -> HttpResponse:
    task_force = task_force_for_editing(request, slug)
    milestone = _milestone(milestone_slug)
    form = _file_form(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            evidence = service.evidence_add_file(
                task_force=task_force,
                milestone=milestone,
                upload=data["file"],
                title=data["title"],
                note=data["note"],
                statement=data["statement"],
                shared_with_partners=data["shared_with_partners"],
                user=request.user,
            )
        except service.UploadLimitReached as error:
            log_event("evidence.upload_limited", request, task_force=task_force.slug)
            add_service_errors(form, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            log_event(
                "evidence.added", request, task_force=task_force.slug, evidence_id=evidence.pk
            )
            messages.success(request, f"Added: {evidence.title}.")
            _warn_if_same_as_previous(request, task_force, evidence)
            return redirect(_list_url(task_force, milestone))
    # The statement is made for one file: the next file chosen needs it
    # ticked again, so the refused form comes back with it unticked.
    form.data = form.data.copy()
    form.data.pop("statement", None)
    return _render_page(request, task_force, milestone, can_edit=True, file_form=form)


def _warn_if_same_as_previous(
    request: HttpRequest, task_force: TaskForce, evidence: Evidence
) -> None:
    """A double submit, or the same file chosen twice, is said at once: the
    person may remove the copy."""
    previous = service.same_as_previous_upload(evidence)
    if previous is None:
        return
    remove_url = reverse(
        "assessments:evidence_remove", args=[task_force.slug, evidence.milestone.slug, evidence.pk]
    )
    messages.warning(
        request,
        format_html(
            "This is the same document, with the same title, as the previous upload to "
            "{} ({}, added {}). If it was uploaded twice by mistake, "
            '<a href="{}">remove this copy</a>.',
            task_force.name,
            previous.milestone.name,
            date_filter(previous.added_at),
            remove_url,
        ),
    )


@require_POST
def evidence_link_add(request: HttpRequest, slug: str, milestone_slug: str) -> HttpResponse:
    task_force = task_force_for_editing(request, slug)
    milestone = _milestone(milestone_slug)
    form = _link_form(request.POST)
    if form.is_valid():
        try:
            evidence = service.evidence_add_link(
                task_force=task_force, milestone=milestone, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Added: {evidence.title}.")
            return redirect(_list_url(task_force, milestone))
    return _render_page(request, task_force, milestone, can_edit=True, link_form=form)


@require_http_methods(["GET", "HEAD", "POST"])
def evidence_remove(
    request: HttpRequest, slug: str, milestone_slug: str, evidence_id: int
) -> HttpResponse:
    """A confirmation, then the removal: hidden, kept for the retention
    period, restorable by staff."""
    task_force = task_force_for_editing(request, slug)
    milestone = _milestone(milestone_slug)
    evidence = _evidence(task_force, milestone, evidence_id)
    if request.method != "POST":
        return render(
            request,
            "assessments/evidence/evidence_remove.html",
            {
                "task_force": task_force,
                "milestone": milestone,
                "evidence": evidence,
                "retention_days": settings.EVIDENCE_RETENTION_DAYS,
            },
        )
    try:
        service.evidence_remove(evidence=evidence, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        log_event("evidence.removed", request, task_force=task_force.slug, evidence_id=evidence.pk)
        messages.success(
            request,
            f"Removed: {evidence.title}. Staff can restore it within "
            f"{settings.EVIDENCE_RETENTION_DAYS} days.",
        )
    return redirect(_list_url(task_force, milestone))


@require_POST
def evidence_restore(
    request: HttpRequest, slug: str, milestone_slug: str, evidence_id: int
) -> HttpResponse:
    task_force, _ = task_force_for_user(request, slug)
    if not service.can_see_removed(request.user):
        raise PermissionDenied
    milestone = _milestone(milestone_slug)
    evidence = _evidence(task_force, milestone, evidence_id, removed_ok=True)
    try:
        service.evidence_restore(evidence=evidence, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        log_event("evidence.restored", request, task_force=task_force.slug, evidence_id=evidence.pk)
        messages.success(request, f"Restored: {evidence.title}.")
    return redirect(_list_url(task_force, milestone))


@require_POST
def evidence_check(
    request: HttpRequest, slug: str, milestone_slug: str, evidence_id: int
) -> HttpResponse:
    """Program managers and staff mark a piece checked ("checked=1") or
    withdraw their check (anything else); coordinators 403."""
    task_force, _ = task_force_for_user(request, slug)
    if not is_state_program(request.user):
        raise PermissionDenied
    milestone = _milestone(milestone_slug)
    evidence = _evidence(task_force, milestone, evidence_id)
    checked = request.POST.get("checked") == "1"
    try:
        evidence = service.evidence_check(evidence=evidence, checked=checked, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if checked:
            messages.success(request, f"Marked checked: {evidence.title}.")
        else:
            messages.success(request, f"No longer marked checked: {evidence.title}.")
    return redirect(_list_url(task_force, milestone))


@require_POST
def evidence_share(
    request: HttpRequest, slug: str, milestone_slug: str, evidence_id: int
) -> HttpResponse:
    """Share with partners ("shared=1") or stop sharing (anything else)."""
    task_force = task_force_for_editing(request, slug)
    milestone = _milestone(milestone_slug)
    evidence = _evidence(task_force, milestone, evidence_id)
    shared = request.POST.get("shared") == "1"
    try:
        evidence = service.evidence_share(evidence=evidence, shared=shared, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if shared:
            messages.success(request, f"Shared with partners: {evidence.title}.")
        else:
            messages.success(request, f"No longer shared with partners: {evidence.title}.")
    return redirect(_list_url(task_force, milestone))


def _file_response(evidence: Evidence) -> FileResponse:
    """The file as a download that no browser renders: attachment, the
    detected type with nosniff, and a CSP that sandboxes it should it be
    opened anyway. Streamed from storage, never read whole."""
    if not evidence.is_file or not evidence.file.name:
        raise Http404("No such file")
    try:
        handle = evidence_storage().open(evidence.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such file") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=service.download_name(evidence),
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
def evidence_download(
    request: HttpRequest, slug: str, milestone_slug: str, evidence_id: int
) -> FileResponse:
    """For whoever reads the task force; removed files for staff only."""
    task_force, _ = task_force_for_user(request, slug)
    milestone = _milestone(milestone_slug)
    evidence = _evidence(
        task_force, milestone, evidence_id, removed_ok=service.can_see_removed(request.user)
    )
    return _file_response(evidence)


@login_not_required
@require_safe
def partner_evidence_download(request: HttpRequest, token: str, evidence_id: int) -> FileResponse:
    """A partner's download: only a file the coordinator shared, owned by the
    link's own task force, and not removed. Anything else is 404, so a guessed
    id tells nothing."""
    link = PartnerLink.objects.for_token(token)
    if link is None:
        log_event("partner_link.refused", request)
        raise Http404("No such link")
    evidence = (
        Evidence.objects.present()
        .filter(
            pk=evidence_id,
            task_force_id=link.task_force_id,
            shared_with_partners=True,
            kind=Evidence.Kind.FILE,
        )
        .first()
    )
    if evidence is None:
        raise Http404("No such file")
    log_event(
        "partner_link.evidence_downloaded",
        request,
        task_force=link.task_force.slug,
        link_id=link.pk,
        evidence_id=evidence.pk,
    )
    return _file_response(evidence)


def ask_to_review(
    request: HttpRequest, task_force: TaskForce, milestones: list[Milestone], *, why: str
) -> None:
    """When a status lapses or is confirmed, ask whether the milestone's
    evidence still holds: a message on the next page naming each piece, with
    a link to review it. Nothing when there is no evidence."""
    pieces = service.evidence_to_review(task_force, milestones)
    if not pieces:
        return
    by_milestone: dict[int, list[Evidence]] = {}
    for piece in pieces:
        by_milestone.setdefault(piece.milestone_id, []).append(piece)
    parts = format_html_join(
        " ",
        '{}: {}. <a href="{}">Review its evidence</a>.',
        (
            (
                group[0].milestone.name,
                ", ".join(f"\u201c{piece.title}\u201d" for piece in group),
                _list_url(task_force, group[0].milestone),
            )
            for group in by_milestone.values()
        ),
    )
    messages.warning(
        request,
        format_html(
            "{} Does the evidence still hold? Remove what no longer applies. {}", why, parts
        ),
    )
