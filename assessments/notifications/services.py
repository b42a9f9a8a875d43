"""E-mail preferences and the one-click unsubscribe token.

Each person chooses, per kind of e-mail, daily, weekly or never
(NotificationPreference; no row means the kind's default). Every reminder
e-mail carries signed unsubscribe links: the token names the user and the
kinds, is salted for this use only, and needs no login, so it works from any
mail client (RFC 8058 one-click included).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assessments.notifications.models import (
    NotificationFrequency,
    NotificationKind,
    NotificationPreference,
)
from assessments.roles import PROGRAM_MANAGERS_GROUP, READ_ALL_PERMISSION
from taskforce_site.mail import absolute_url

UNSUBSCRIBE_SALT = "assessments.notifications.unsubscribe"

REMINDER_KINDS = tuple(kind for kind in NotificationKind.values if kind != NotificationKind.DIGEST)


def digest_recipients_q() -> Q:
    """Who the weekly digest is for, as a filter on users: program managers
    (the read-all permission, directly or through a group, or the Program
    managers group) and staff, who read every task force too."""
    app_label, codename = READ_ALL_PERMISSION.split(".")
    return (
        Q(is_staff=True)
        | Q(groups__name=PROGRAM_MANAGERS_GROUP)
        | Q(
            user_permissions__codename=codename,
            user_permissions__content_type__app_label=app_label,
        )
        | Q(
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
        )
    )


def receives_digest(user: AbstractBaseUser) -> bool:
    return get_user_model().objects.filter(digest_recipients_q(), pk=user.pk).exists()


def kinds_for(user: AbstractBaseUser) -> list[str]:
    """The kinds a person chooses about on the preferences page."""
    kinds = list(REMINDER_KINDS)
    if receives_digest(user):
        kinds.append(NotificationKind.DIGEST)
    return kinds


def allowed_frequencies(kind: str) -> list[str]:
    if kind == NotificationKind.DIGEST:
        return [NotificationFrequency.WEEKLY, NotificationFrequency.NEVER]
    return list(NotificationFrequency.values)


def frequencies_of(user: AbstractBaseUser) -> dict[str, str]:
    """{kind: frequency} for every kind, defaults filled in."""
    stored = NotificationPreference.objects.frequencies([user.pk])
    return {
        kind: stored.get((user.pk, kind), NotificationPreference.default_for(kind))
        for kind in NotificationKind.values
    }


@transaction.atomic
def notification_preferences_set(*, user: AbstractBaseUser, frequencies: Mapping[str, str]) -> None:
    """Save `frequencies` ({kind: frequency}) for `user`: all or nothing."""
    for kind, frequency in frequencies.items():
        if kind not in NotificationKind.values:
            raise ValidationError(f"Unknown kind of e-mail: {kind!r}.")
        if frequency not in allowed_frequencies(kind):
            raise ValidationError(
                f"{NotificationKind(kind).label}: choose one of "
                f"{', '.join(NotificationFrequency(f).label for f in allowed_frequencies(kind))}."
            )
    for kind, frequency in frequencies.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"frequency": frequency, "updated_at": timezone.now()}
        )


def unsubscribe_token(user_id: int, kinds: Iterable[str]) -> str:
    return signing.dumps({"u": user_id, "k": sorted(set(kinds))}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(user_id: int, kinds: Iterable[str]) -> str:
    return absolute_url(
        reverse("assessments:unsubscribe", args=[unsubscribe_token(user_id, kinds)])
    )


def read_unsubscribe_token(token: str) -> tuple[AbstractBaseUser, list[str]] | None:
    """The active user and the known kinds a token names, or None for a
    token that was tampered with, is garbage or names nobody."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, kinds = data.get("u"), data.get("k")
    if not isinstance(user_id, int) or not isinstance(kinds, list) or not kinds:
        return None
    if any(kind not in NotificationKind.values for kind in kinds):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    return user, kinds


def unsubscribe(*, user: AbstractBaseUser, kinds: Iterable[str]) -> None:
    notification_preferences_set(
        user=user, frequencies=dict.fromkeys(kinds, NotificationFrequency.NEVER)
    )
