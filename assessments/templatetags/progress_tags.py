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
