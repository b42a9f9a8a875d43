from django import template
from django.utils.html import format_html_join

from assessments.roles import (
    can_read_all_task_forces,
    is_signed_in_and_active,
    is_staff_or_program_manager,
)

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


@register.filter
def compares_cycles(user) -> bool:
    """Whether the statewide compare of review cycles is open to `user`
    (the nav): program managers and staff, as its view says."""
    return is_signed_in_and_active(user) and is_staff_or_program_manager(user)
