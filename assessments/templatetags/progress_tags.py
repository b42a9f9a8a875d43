from django import template

from assessments.common.people import person_name
from assessments.core.models import Status
from assessments.core.selectors import EVIDENCE_CHECKED

register = template.Library()


@register.inclusion_tag("assessments/core/_status_badge.html")
def status_badge(value: str) -> dict:
    status = Status(value)
    return {"status": status.value, "label": status.label, "symbol": status.symbol}


@register.simple_tag
def matrix_cells(statuses: list[str], evidence_checked: list[bool] | None = None) -> str:
    """A matrix row's status cells in one go: a page holds 1,400 of them, and
    one template include each was most of the page's time."""
    from django.utils.html import format_html_join

    checked = evidence_checked or [False] * len(statuses)
    return format_html_join(
        "",
        '<td class="matrix-cell status-{}"><span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span></td>',
        (
            EVIDENCE_CHECKED if ok else (s, Status(s).letter, Status(s).label)
            for s, ok in zip(statuses, checked, strict=True)
        ),
    )


@register.filter
def note_for(notes: dict | None, slug: str):
    """The partner register's note on a milestone (register_summary), if any."""
    return notes.get(slug) if notes else None


@register.filter
def resources_for(milestone, internal: bool) -> list:
    """A milestone's resources for this page: all of them for signed-in
    people (internal), the public ones on partner pages. Prefetched with the
    milestones (core.progress.boards_for): no query here."""
    return [resource for resource in milestone.resources.all() if internal or resource.public]


@register.filter
def person(user, fallback: str = "someone") -> str:
    """What an internal page calls a person: full name, else e-mail address,
    never the username (assessments/common/people.py); `fallback` when there
    is no account (any more: the username a record keeps is not shown)."""
    if user is None or user == "":
        return fallback
    return person_name(user)


@register.filter
def changer(change) -> str:
    """Who made a history entry: the account's name; "A deleted account" once
    the account is gone (the username kept with the entry is for the CSV
    export, not for pages); "System" for a change nobody made."""
    if change.changed_by_id is not None:
        return person_name(change.changed_by)
    return "A deleted account" if change.changed_by_name else "System"


@register.filter
def full_name(user, fallback: str = "someone") -> str:
    """What a page calls a person: their full name, never their username or
    e-mail address; `fallback` (their role, say) when the account has no
    full name or no longer exists."""
    name = user.get_full_name().strip() if user is not None and user != "" else ""
    return name or fallback
