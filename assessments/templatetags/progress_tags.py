from django import template

from assessments.models import Status

register = template.Library()

# A symbol beside the colour so a status reads without colour vision and in
# greyscale print.
SYMBOLS = {
    Status.NOT_STARTED: "○",
    Status.PLANNING: "◔",
    Status.IN_PROGRESS: "◑",
    Status.ACHIEVED: "✔",
    Status.LAPSED: "✖",
}


@register.inclusion_tag("assessments/_status_badge.html")
def status_badge(value: str) -> dict:
    status = Status(value)
    return {"status": status.value, "label": status.label, "symbol": SYMBOLS[status]}


@register.simple_tag
def status_letter(value: str) -> str:
    """The matrix cell: a letter, and the status in words for screen readers."""
    from django.utils.html import format_html

    from assessments.overview import STATUS_LETTERS

    status = Status(value)
    return format_html(
        '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span>',
        STATUS_LETTERS[status],
        status.label,
    )
