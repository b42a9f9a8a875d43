"""Who works on a task force: its team, invitations, and accepting one."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from assessments.access import task_force_for_editing
from assessments.common.people import person_name
from assessments.roles import edits_some_task_force
from assessments.team import services as invitations
from assessments.team.forms import InvitationForm
from assessments.team.models import Invitation
from taskforce_site.forms import SetPasswordForm
from taskforce_site.second_factor import two_factor_required

# Closed invitations (accepted, withdrawn) listed under the open ones.
RECENT_CLOSED = 20

# The account the invitee signs in to: Django's own backend, after the
# lockout backend, as in AUTHENTICATION_BACKENDS.
LOGIN_BACKEND = settings.AUTHENTICATION_BACKENDS[-1]


def _get_invitation_for_user(request: HttpRequest, pk: int) -> Invitation:
    """The invitation if `request.user` may see it (404 otherwise) and manage
    it (403 otherwise)."""
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user), pk=pk)
    if not invitations.can_manage_invitation(request.user, invitation):
        raise PermissionDenied
    return invitation


def _create_from_form(request: HttpRequest, form: InvitationForm) -> bool:
    """Invite as the form says; False (with the reason on the form) if not."""
    data = form.cleaned_data
    try:
        outcome = invitations.invitation_create(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            role=data["role"],
            task_forces=list(data["task_forces"]),
            invited_by=request.user,
            request=request,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    # The same words whatever the address: whether it has an account, or
    # another invitation, is not the inviter's to learn.
    messages.success(
        request,
        f"Invitation sent to {outcome.invitation.email}. "
        f"The link works for {settings.INVITATION_DAYS} days.",
    )
    return True


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_list(request: HttpRequest) -> HttpResponse:
    if not edits_some_task_force(request.user):
        raise PermissionDenied
    form = InvitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid() and _create_from_form(request, form):
        return redirect("assessments:invitations")
    visible = Invitation.objects.visible_to(request.user).for_list()
    return render(
        request,
        "assessments/team/invitations.html",
        {
            "form": form,
            "open_invitations": list(visible.open()),
            "closed_invitations": list(visible.closed()[:RECENT_CLOSED]),
            "invitation_days": settings.INVITATION_DAYS,
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _get_invitation_for_user(request, pk)
    try:
        invitations.invitation_resend(invitation=invitation, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, f"A new link was sent to {invitation.email}; the old one no longer works."
        )
    return redirect("assessments:invitations")


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _get_invitation_for_user(request, pk)
    if request.method == "POST":
        try:
            invitations.invitation_withdraw(invitation=invitation, by=request.user, request=request)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
        return redirect("assessments:invitations")
    return render(request, "assessments/team/invitation_withdraw.html", {"invitation": invitation})


def _unusable(request: HttpRequest, gone: invitations.InvitationUnusable) -> HttpResponse:
    """Why a link no longer works and who to ask: 410, or 404 for a token
    that never named an invitation."""
    return render(
        request,
        "assessments/team/invitation_unusable.html",
        {
            "state": gone.state,
            "invitation": gone.invitation,
            "support_email": settings.SUPPORT_EMAIL,
        },
        status=404 if gone.state is None else 410,
    )


@login_not_required
@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Choose a password, then (where required) set up two-factor sign-in,
    then the task force. A link that no longer works says why and who to ask."""
    try:
        invitation = invitations.invitation_for_token(token)
    except invitations.InvitationUnusable as gone:
        return _unusable(request, gone)
    account = invitation.user
    form = SetPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # Checked again under a lock: another browser, a withdrawal or a
            # resend may have come first since the page was checked above.
            invitation = invitations.invitation_accept(
                token=token, password=form.cleaned_data["new_password1"], request=request
            )
        except invitations.InvitationUnusable as gone:
            return _unusable(request, gone)
        # The account as saved: its new password hash is what the session keeps.
        account = invitation.user
        # Signing in also accepts the account's other such invitations
        # (assessments/signals.py).
        login(request, account, backend=LOGIN_BACKEND)
        task_forces = list(invitation.task_forces.all())
        landing = (
            reverse("assessments:task_force", args=[task_forces[0].slug])
            if len(task_forces) == 1
            else reverse("assessments:dashboard")
        )
        messages.success(request, f"Welcome, {person_name(account)}.")
        # The two-factor rule (taskforce_site/middleware.py) sends those who
        # must have it to the set-up pages first, then on to `landing`.
        return redirect(landing)
    return render(
        request,
        "assessments/team/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "account": account,
            "two_factor_next": two_factor_required(account),
        },
        # 200 even with errors: Django logs the path of every 4xx response,
        # and this path holds a live token.
    )


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """An existing account's invitation: its holder, signed in, accepts or
    declines. Anyone else gets 404, the inviter included."""
    invitation = invitations.invitation_to_answer(request.user, pk)
    if invitation is None:
        raise Http404("No such invitation for this account")
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer not in ("accept", "decline"):
            return HttpResponseBadRequest("Answer accept or decline.")
        try:
            invitation = invitations.invitation_answer(
                invitation=invitation, user=request.user, accept=answer == "accept", request=request
            )
        except invitations.InvitationUnusable as gone:
            return _unusable(request, gone)
        task_forces = list(invitation.task_forces.all())
        if answer == "decline":
            messages.success(request, "You declined the invitation; nothing was changed.")
            return redirect("assessments:dashboard")
        messages.success(request, "You accepted the invitation.")
        if len(task_forces) == 1:
            return redirect("assessments:task_force", slug=task_forces[0].slug)
        return redirect("assessments:dashboard")
    state = invitation.current_state
    if state != Invitation.State.PENDING:
        return _unusable(request, invitations.InvitationUnusable(state, invitation))
    return render(request, "assessments/team/invitation_answer.html", {"invitation": invitation})


@require_http_methods(["GET", "HEAD", "POST"])
def team(request: HttpRequest, slug: str) -> HttpResponse:
    task_force = task_force_for_editing(request, slug)
    form = InvitationForm(request.POST or None, user=request.user, task_force=task_force)
    if request.method == "POST" and form.is_valid() and _create_from_form(request, form):
        return redirect("assessments:team", slug=task_force.slug)
    return render(
        request,
        "assessments/team/team.html",
        {
            "task_force": task_force,
            "members": task_force.team(),
            "open_invitations": list(
                task_force.invitations.open().select_related("user", "invited_by")
            ),
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def coordinator_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    task_force = task_force_for_editing(request, slug)
    account = task_force.coordinators.filter(pk=user_id).first()
    if account is None:
        raise Http404("Not a coordinator of this task force")
    if request.method == "POST":
        invitations.coordinator_remove(
            task_force=task_force, account=account, by=request.user, request=request
        )
        name = person_name(account)
        messages.success(request, f"{name} is no longer a coordinator of {task_force}.")
        if account == request.user and not task_force.can_edit(request.user):
            return redirect("assessments:dashboard")
        return redirect("assessments:team", slug=task_force.slug)
    return render(
        request,
        "assessments/team/coordinator_remove.html",
        {"task_force": task_force, "account": account},
    )
