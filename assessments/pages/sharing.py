"""Sharing with partners: the partner links and the contact the partner page
shows, both set by the task force's editors."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from assessments.access import task_force_for_editing
from assessments.core import services
from assessments.core.forms import PartnerLinkForm, PublicContactForm
from assessments.models import PartnerLink
from taskforce_site.security import log_event


@require_http_methods(["GET", "HEAD", "POST"])
def sharing(request: HttpRequest, slug: str) -> HttpResponse:
    task_force = task_force_for_editing(request, slug)
    form = PartnerLinkForm(request.POST or None, task_force=task_force)
    if request.method == "POST" and form.is_valid():
        link, token = services.partner_link_create(
            task_force=task_force, user=request.user, **form.cleaned_data
        )
        log_event("partner_link.created", request, task_force=task_force.slug, link_id=link.pk)
        # Rendered, not redirected: the token exists only in this response.
        url = request.build_absolute_uri(reverse("assessments:partner", args=[token]))
        return render(
            request,
            "assessments/pages/partner_link_created.html",
            {"task_force": task_force, "link": link, "url": url},
            status=201,
        )
    links = task_force.partner_links.select_related("created_by", "agency")
    return render(
        request,
        "assessments/pages/sharing.html",
        {"task_force": task_force, "form": form, "links": links},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def public_contact(request: HttpRequest, slug: str) -> HttpResponse:
    """The contact the partner page shows: partners who read it often want
    to join or ask something. The task force's editors choose it."""
    task_force = task_force_for_editing(request, slug)
    # Bound on every POST: an all-empty form (clearing the contact) is a save.
    form = PublicContactForm(
        request.POST if request.method == "POST" else None, instance=task_force
    )
    if request.method == "POST":
        if form.is_valid():
            services.task_force_contact_update(
                task_force=task_force,
                name=form.cleaned_data["public_contact_name"],
                email=form.cleaned_data["public_contact_email"],
                phone=form.cleaned_data["public_contact_phone"],
            )
            messages.success(request, "Saved: the partner page shows the new contact.")
            return redirect("assessments:sharing", slug=task_force.slug)
        # The form's instance took the refused values: the page names the saved ones.
        task_force.refresh_from_db()
    return render(
        request,
        "assessments/pages/public_contact.html",
        {"task_force": task_force, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def partner_link_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A confirmation naming the partner, then the revocation: it cannot be
    undone (the link's token is not kept), so one slip of a click must not do it."""
    task_force = task_force_for_editing(request, slug)
    link = get_object_or_404(PartnerLink, pk=pk, task_force=task_force)
    if request.method != "POST" or link.revoked_at is not None:
        if link.revoked_at is not None:
            messages.info(request, f"The link for {link.label} was already revoked.")
            return redirect("assessments:sharing", slug=task_force.slug)
        return render(
            request,
            "assessments/pages/partner_link_revoke.html",
            {"task_force": task_force, "link": link},
        )
    services.partner_link_revoke(link=link)
    log_event("partner_link.revoked", request, task_force=task_force.slug, link_id=link.pk)
    messages.success(request, f"Revoked the link for {link.label}. It no longer opens.")
    return redirect("assessments:sharing", slug=task_force.slug)
