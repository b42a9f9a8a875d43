"""Where evidence shows outside its own pages: how many pieces each
milestone of a task force has and whether any is checked, the matrix's
"achieved with checked evidence", the gaps' "achieved with no evidence", and
what a partner link may see. Each is one aggregate query, whatever the number
of milestones or task forces (tests/evidence/test_evidence_shown.py pins them).

Removed evidence counts nowhere here: it is hidden until restored or purged.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from assessments.core.models import MilestoneStatus, Status, TaskForce
from assessments.evidence.models import Evidence


@dataclass(frozen=True)
class EvidenceSummary:
    """A milestone's evidence in one line, for the task force page."""

    count: int
    checked: int
    # The latest check of any piece, as a local date; None when none is checked.
    last_checked_on: datetime.date | None

    @property
    def nouns(self) -> str:
        return f"{self.count} document{'' if self.count == 1 else 's'}"

    @property
    def text(self) -> str:
        if self.last_checked_on is not None:
            day = self.last_checked_on
            return f"Evidence checked on {date_format(day)} ({self.nouns})"
        return f"{self.nouns}, none checked"


NO_EVIDENCE = EvidenceSummary(count=0, checked=0, last_checked_on=None)


def evidence_by_milestone(task_force: TaskForce) -> dict[int, EvidenceSummary]:
    """Milestone id -> its summary, for the milestones that have evidence."""
    rows = (
        Evidence.objects.present()
        .filter(task_force=task_force)
        .order_by()
        .values("milestone_id")
        .annotate(
            n=Count("pk"),
            checked=Count("pk", filter=Q(checked_at__isnull=False)),
            last_checked=Max("checked_at"),
        )
    )
    return {
        row["milestone_id"]: EvidenceSummary(
            count=row["n"],
            checked=row["checked"],
            last_checked_on=timezone.localdate(row["last_checked"])
            if row["last_checked"]
            else None,
        )
        for row in rows
    }


def checked_cells(task_force_ids: Iterable[int], milestone_ids: Iterable[int]) -> set[tuple]:
    """(task force id, milestone id) pairs with at least one checked piece,
    for the statewide matrix."""
    return set(
        Evidence.objects.present()
        .filter(
            task_force__in=list(task_force_ids),
            milestone__in=list(milestone_ids),
            checked_at__isnull=False,
        )
        .order_by()
        .values_list("task_force_id", "milestone_id")
        .distinct()
    )


def achieved_without_evidence(statuses: QuerySet[MilestoneStatus]) -> dict[int, int]:
    """Milestone id -> how many of `statuses` are achieved with no evidence
    at all for that task force and milestone (the gaps page)."""
    evidence = Evidence.objects.present().filter(
        task_force=OuterRef("task_force"), milestone=OuterRef("milestone")
    )
    return dict(
        statuses.filter(status=Status.ACHIEVED)
        .filter(~Exists(evidence))
        .order_by()
        .values_list("milestone_id")
        .annotate(n=Count("pk"))
    )


def shared_with_partners(task_force: TaskForce) -> list[tuple[int, str, str, str]]:
    """(id, title, milestone name, link address) of each piece shared with
    partners, in the guidance's order: only what a partner link may see,
    never who added it or its note. A document's address is empty (it is
    downloaded through the partner's own link); a link's is the address the
    coordinator shared, which still needs access to the system behind it."""
    return list(
        Evidence.objects.present()
        .filter(task_force=task_force, shared_with_partners=True)
        .order_by("milestone__stage__order", "milestone__order", "title", "pk")
        .values_list("pk", "title", "milestone__name", "url")
    )
