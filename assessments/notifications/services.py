"""E-mail preferences and the one-click unsubscribe token.

Each person chooses, per kind of e-mail, daily, weekly or never
(NotificationPreference; no row means the kind's default). Every reminder
e-mail carries signed unsubscribe links: the token names the user and the
kinds, is salted for this use only, and needs no login, so it works from any
mail client (RFC 8058 one-click included).

The token is opaque and expires: who and which kinds are encrypted and
authenticated with a timestamp (cryptography's Fernet, a key derived from
the secret key for this use only), so the link shows neither the user id nor
the kinds, cannot be altered, and is refused after
settings.UNSUBSCRIBE_LINK_DAYS (long enough for a weekly e-mail read late).
A forwarded or leaked e-mail thus stops working in time.
"""

from __future__ import annotations

import base64
import datetime
import time
from collections.abc import Iterable, Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from assessments.core.reminders import EVENT_GROUPS
from assessments.notifications.models import (
    NotificationFrequency,
    NotificationKind,
    NotificationPreference,
)
from assessments.roles import PROGRAM_MANAGERS_GROUP, READ_ALL_PERMISSION
from taskforce_site.mail import absolute_url

UNSUBSCRIBE_SALT = "assessments.notifications.unsubscribe.opaque"
# Links mailed before tokens were opaque (signing.dumps of the user id and
# kinds): honoured until they expire like the others, so no one's link broke
# on the upgrade. Once UNSUBSCRIBE_LINK_DAYS have passed since, this and
# _legacy_payload can go.
LEGACY_UNSUBSCRIBE_SALT = "assessments.notifications.unsubscribe"

REMINDER_KINDS = tuple(
    kind
    for kind in NotificationKind.values
    if kind != NotificationKind.DIGEST and kind not in EVENT_GROUPS
)
# The event groups that can concern each role (core/events.py's audiences).
COORDINATOR_GROUPS = (
    NotificationKind.CYCLES_OPENED,
    NotificationKind.DECISIONS,
    NotificationKind.HELP_ANSWERS,
    NotificationKind.INVITATIONS_ACCEPTED,
)
STATE_PROGRAM_GROUPS = (
    NotificationKind.SUBMISSIONS_IN,
    NotificationKind.HELP_QUEUE,
    NotificationKind.NO_COORDINATOR,
)
# Staff invite people too (program managers do not).
STAFF_GROUPS = (NotificationKind.INVITATIONS_ACCEPTED,)


def program_managers_q() -> Q:
    """Program managers as a filter on users: the read-all permission,
    directly or through a group, or the Program managers group."""
    app_label, codename = READ_ALL_PERMISSION.split(".")
    return (
        Q(groups__name=PROGRAM_MANAGERS_GROUP)
        | Q(
            user_permissions__codename=codename,
            user_permissions__content_type__app_label=app_label,
        )
        | Q(
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
        )
    )


def digest_recipients_q() -> Q:
    """Who the weekly digest is for, as a filter on users: program managers
    and staff, who read every task force too."""
    return Q(is_staff=True) | program_managers_q()


def receives_digest(user: AbstractBaseUser) -> bool:
    return get_user_model().objects.filter(digest_recipients_q(), pk=user.pk).exists()


def is_program_manager(user: AbstractBaseUser) -> bool:
    return get_user_model().objects.filter(program_managers_q(), pk=user.pk).exists()


def kinds_for(user: AbstractBaseUser) -> list[str]:
    """The kinds a person chooses about on the preferences page: the
    reminders, the event groups that can concern their role, the digest."""
    manager = is_program_manager(user)
    groups: set[str] = set()
    if user.coordinated_task_forces.exists():
        groups.update(COORDINATOR_GROUPS)
    if user.is_staff or manager:
        groups.update(STATE_PROGRAM_GROUPS)
    if user.is_staff:
        groups.update(STAFF_GROUPS)
    kinds = list(REMINDER_KINDS) + [kind for kind in EVENT_GROUPS if kind in groups]
    if user.is_staff or manager:
        kinds.append(NotificationKind.DIGEST)
    return kinds


def allowed_frequencies(kind: str) -> list[str]:
    if kind == NotificationKind.DIGEST:
        return [NotificationFrequency.WEEKLY, NotificationFrequency.NEVER]
    if kind in EVENT_GROUPS:
        return [
            NotificationFrequency.IMMEDIATE,
            NotificationFrequency.DAILY,
            NotificationFrequency.NEVER,
        ]
    return [
        NotificationFrequency.DAILY,
        NotificationFrequency.WEEKLY,
        NotificationFrequency.NEVER,
    ]


# An event group's choices as the page and the errors say them.
EVENT_FREQUENCY_LABELS = {
    NotificationFrequency.IMMEDIATE: "Right away",
    NotificationFrequency.DAILY: "In the daily e-mail",
    NotificationFrequency.NEVER: "Off",
}


def frequency_label(kind: str, frequency: str) -> str:
    if kind in EVENT_GROUPS:
        return EVENT_FREQUENCY_LABELS[frequency]
    return NotificationFrequency(frequency).label


def frequencies_of(user: AbstractBaseUser) -> dict[str, str]:
    """{kind: frequency} for every kind, defaults filled in."""
    stored = NotificationPreference.objects.frequencies([user.pk])
    staff_only = user.is_staff and not is_program_manager(user)
    return {
        kind: stored.get(
            (user.pk, kind), NotificationPreference.default_for(kind, staff_only=staff_only)
        )
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
                f"{', '.join(frequency_label(kind, f) for f in allowed_frequencies(kind))}."
            )
    for kind, frequency in frequencies.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"frequency": frequency, "updated_at": timezone.now()}
        )


def _fernet() -> MultiFernet:
    """Authenticated encryption (Fernet: AES with an HMAC and a timestamp),
    one key per secret key, newest first, so a link mailed before a key
    rotation works while the old key is a fallback."""
    keys = [
        base64.urlsafe_b64encode(
            salted_hmac(UNSUBSCRIBE_SALT, "fernet-key", secret=secret, algorithm="sha256").digest()
        )
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ]
    return MultiFernet([Fernet(key) for key in keys])


def unsubscribe_max_age() -> datetime.timedelta:
    return datetime.timedelta(days=settings.UNSUBSCRIBE_LINK_DAYS)


def unsubscribe_token(user_id: int, kinds: Iterable[str]) -> str:
    """Opaque: whom and what it names is encrypted, and every token differs."""
    plain = f"{user_id}:{','.join(sorted(set(kinds)))}".encode()
    return _fernet().encrypt(plain).decode().rstrip("=")


def unsubscribe_url(user_id: int, kinds: Iterable[str]) -> str:
    return absolute_url(
        reverse("assessments:unsubscribe", args=[unsubscribe_token(user_id, kinds)])
    )


def _payload(token: str) -> tuple[object, object] | None:
    """(user id, kinds) of an opaque token, None when no key made it.
    Raises SignatureExpired when one did, too long ago."""
    sealed = (token + "=" * (-len(token) % 4)).encode()
    fernet = _fernet()
    try:
        # Checked apart from decrypting, so an expired link gets its own page.
        made_at = fernet.extract_timestamp(sealed)
    except (InvalidToken, ValueError):
        return None
    if time.time() - made_at > unsubscribe_max_age().total_seconds():
        raise signing.SignatureExpired("Unsubscribe link expired")
    try:
        user_id, _, kinds = fernet.decrypt(sealed).decode().partition(":")
        return int(user_id), kinds.split(",")
    except (InvalidToken, ValueError):
        return None


def _legacy_payload(token: str) -> tuple[object, object] | None:
    try:
        data = signing.loads(token, salt=LEGACY_UNSUBSCRIBE_SALT, max_age=unsubscribe_max_age())
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return data.get("u"), data.get("k")


def read_unsubscribe_token(token: str) -> tuple[AbstractBaseUser, list[str]] | None:
    """The active user and the known kinds a token names, or None for a
    token that was tampered with, is garbage or names nobody. Raises
    signing.SignatureExpired for a genuine token older than
    UNSUBSCRIBE_LINK_DAYS."""
    payload = _payload(token) or _legacy_payload(token)
    if payload is None:
        return None
    user_id, kinds = payload
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
