"""Reads of task forces that several features' pages share."""

from __future__ import annotations

from django.db.models import QuerySet

from assessments.core.models import TaskForce

# Rows per page of the statewide matrices (milestones, and register sectors).
MATRIX_PAGE_SIZE = 50

# A matrix cell achieved with checked evidence: its own colour and letter, so
# it reads without colour too (the statewide matrix and its template tag).
EVIDENCE_CHECKED = ("achieved_checked", "E", "Achieved, with checked evidence")


def regions(task_forces: QuerySet[TaskForce]) -> list[str]:
    """The regions of `task_forces`, for the region filters."""
    return list(
        task_forces.exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )
