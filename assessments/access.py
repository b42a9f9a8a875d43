"""Who may open a task force's pages: the one place views ask."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from assessments.core.models import TaskForce
from assessments.roles import is_signed_in_and_active
from taskforce_site.security import log_event

__all__ = [
    "export_scope",
    "is_signed_in_and_active",
    "task_force_for_editing",
    "task_force_for_user",
]


def task_force_for_user(request: HttpRequest, slug: str) -> tuple[TaskForce, bool]:
    """The task force if `request.user` may read it, and whether they may edit it.

    A task force the user may not read is a 404, so its existence is not
    revealed; callers that need to edit use task_force_for_editing (403).
    """
    task_force = TaskForce.objects.visible_to(request.user).filter(slug=slug).first()
    if task_force is None:
        if TaskForce.objects.filter(slug=slug).exists():
            log_event("task_force.hidden", request, task_force=slug)
        raise Http404("No such task force")
    return task_force, task_force.can_edit(request.user)


def task_force_for_editing(request: HttpRequest, slug: str) -> TaskForce:
    """The task force if `request.user` may edit it; 403 if they may only
    read it, 404 if not even that."""
    task_force = TaskForce.objects.filter(slug=slug).first()
    # Whoever may edit may read (staff read all, coordinators their own), so
    # an editor needs no read check: the common case costs one query less.
    if task_force is not None and task_force.can_edit(request.user):
        return task_force
    task_force_for_user(request, slug)  # 404 (logged) for what they may not read
    raise PermissionDenied


def export_scope(request: HttpRequest, slug: str | None) -> tuple[str, QuerySet[TaskForce]]:
    """What an export covers, and its name: one readable task force (404 as
    task_force_for_user), or every task force the user may read."""
    if slug is None:
        return "all-task-forces", TaskForce.objects.visible_to(request.user)
    task_force, _ = task_force_for_user(request, slug)
    return task_force.slug, TaskForce.objects.filter(pk=task_force.pk)
