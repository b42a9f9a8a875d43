"""E-mail preferences (signed in), one-click unsubscribe (no login), and the
record of reminder e-mails sent (staff)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from assessments.core.forms import add_service_errors
from assessments.notifications import services as notifications
from assessments.notifications.models import (
    NotificationKind,
    SentNotification,
)

SENT_PER_PAGE = 50


class PreferencesForm(forms.Form):
    """A choice per kind of e-mail the person may get."""

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind] = forms.ChoiceField(
                label=NotificationKind(kind).label,
                choices=[
                    (value, notifications.frequency_label(kind, value))
                    for value in notifications.allowed_frequencies(kind)
                ],
                widget=forms.RadioSelect,
            )


@require_http_methods(["GET", "HEAD", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    kinds = notifications.kinds_for(request.user)
    current = notifications.frequencies_of(request.user)
    form = PreferencesForm(
        request.POST or None, kinds=kinds, initial={kind: current[kind] for kind in kinds}
    )
    if request.method == "POST" and form.is_valid():
        try:
            notifications.notification_preferences_set(
                user=request.user, frequencies=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your e-mail choices are saved.")
            return redirect("assessments:notification_preferences")
    return render(
        request,
        "assessments/notifications/notification_preferences.html",
        {"form": form, "has_email": bool(request.user.email)},
    )


# No login and no CSRF token: the signed token in the URL is the whole
# authority (until it expires), and RFC 8058 one-click unsubscribe is a POST that mail clients
# send without cookies or a form of ours. All the token allows is turning
# its own user's e-mails of its kinds off, so a forged request can do nothing
# worse; GET only shows a button, so link scanners change nothing.
@login_not_required
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = notifications.read_unsubscribe_token(token)
    except signing.SignatureExpired:
        # 410: the link was real, and is gone for good; the page says what to do.
        return render(
            request,
            "assessments/notifications/unsubscribe_expired.html",
            {"days": settings.UNSUBSCRIBE_LINK_DAYS},
            status=410,
        )
    if found is None:
        # 404, as for a wrong invitation or partner link: nothing is there.
        return render(request, "assessments/notifications/unsubscribe_invalid.html", status=404)
    user, kinds = found
    labels = [NotificationKind(kind).label for kind in kinds]
    if request.method == "POST":
        notifications.unsubscribe(user=user, kinds=kinds)
        return render(
            request, "assessments/notifications/unsubscribe_done.html", {"labels": labels}
        )
    return render(request, "assessments/notifications/unsubscribe.html", {"labels": labels})


@require_safe
def sent_notifications(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied
    page = Paginator(
        SentNotification.objects.select_related("recipient").order_by("-sent_at", "-pk"),
        SENT_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(request, "assessments/notifications/sent_notifications.html", {"page": page})
