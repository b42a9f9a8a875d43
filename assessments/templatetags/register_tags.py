from django import template
from django.utils.html import format_html_join

from assessments.models import can_read_all_task_forces

register = template.Library()


@register.simple_tag
def sector_cells(cells) -> str:
    """A sector matrix row's cells in one go, as matrix_cells does for
    milestones: colour (the milestone matrix's classes), a letter, and the
    meaning for screen readers."""
    return format_html_join(
        "",
        '<td class="matrix-cell {}"><span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span></td>',
        ((cell.css, cell.letter, cell.label) for cell in cells),
    )


@register.filter
def reads_all_task_forces(user) -> bool:
    """Whether the statewide register pages are open to `user` (the nav)."""
    return can_read_all_task_forces(user)
