"""Who may do what by role: the permission checks every feature asks.

Below the models: these read only the user (its flags, permissions and
coordinated task forces), so models, services and views may all use them.
"""

from __future__ import annotations

from django.conf import settings

READ_ALL_PERMISSION = "assessments.view_all_task_forces"
PROGRAM_MANAGERS_GROUP = "Program managers"


def is_signed_in_and_active(user) -> bool:
    """The guard in front of every access rule: anonymous and deactivated
    accounts get nothing, whatever else they hold."""
    return user.is_authenticated and user.is_active


def is_staff_or_program_manager(user) -> bool:
    """Who reads every task force by role (and so must use two-factor sign-in)."""
    return user.is_staff or user.has_perm(READ_ALL_PERMISSION)


def can_read_all_task_forces(user) -> bool:
    """Staff and program managers read every task force; coordinators too
    when COORDINATORS_CAN_READ_ALL_TASK_FORCES is on."""
    if not is_signed_in_and_active(user):
        return False
    if is_staff_or_program_manager(user):
        return True
    return settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES and user.coordinated_task_forces.exists()


def edits_some_task_force(user) -> bool:
    """Staff, or a coordinator of at least one task force: who may import
    statuses (each row is then checked against TaskForce.can_edit) and invite
    (to the task forces they may edit)."""
    if not is_signed_in_and_active(user):
        return False
    return user.is_staff or user.coordinated_task_forces.exists()


can_import_statuses = edits_some_task_force


def is_state_program(user) -> bool:
    """Program managers and staff, the state program: who open review cycles
    and accept or return submissions, mark evidence checked, and answer,
    assign and see the help queue."""
    return user is not None and is_signed_in_and_active(user) and is_staff_or_program_manager(user)
