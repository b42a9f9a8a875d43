"""What to do next: the guidance exists to help a community prioritise.

Next priorities are the active milestones not achieved, in this order:
lapsed ones first (something the task force had and lost), then Foundation
before Stabilization before Sustainability, each in the guidance's order.
Review due lists achieved milestones nobody has confirmed for a year.
Both are read off the board (assessments.core.progress.board_for), so the page
needs no extra queries.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from assessments.core.models import Status
from assessments.core.progress import MilestoneRow, StageSection

PRIORITY_RULE = (
    "Milestones not yet achieved: lapsed ones first, then Foundation before "
    "Stabilization before Sustainability, each in the guidance's order."
)


@dataclass(frozen=True)
class Priority:
    row: MilestoneRow
    overdue: bool

    @property
    def milestone(self):
        return self.row.milestone

    @property
    def lead_partner(self) -> str:
        return self.row.record.lead_partner if self.row.record else ""

    @property
    def target_date(self) -> datetime.date | None:
        return self.row.record.target_date if self.row.record else None


def priorities_from(sections: Sequence[StageSection], today: datetime.date) -> list[Priority]:
    rows = [
        row
        for section in sections
        for row in section.rows
        if row.milestone.is_active and row.status != Status.ACHIEVED
    ]
    # sections and rows are already in the guidance's order; sorted() is
    # stable, so this only moves lapsed milestones to the front.
    rows = sorted(rows, key=lambda row: row.status != Status.LAPSED)
    return [
        Priority(
            row=row,
            overdue=bool(row.record and row.record.is_overdue(today)),
        )
        for row in rows
    ]


def review_due_from(sections: Sequence[StageSection], today: datetime.date) -> list[MilestoneRow]:
    return [
        row
        for section in sections
        for row in section.rows
        if row.milestone.is_active and row.record and row.record.review_due(today)
    ]


@dataclass(frozen=True)
class FocusedStage:
    """One stage of the task force page: the rows shown open, and the
    achieved rows folded away under a count (empty in the full view)."""

    section: StageSection
    open_rows: tuple[MilestoneRow, ...]
    folded_rows: tuple[MilestoneRow, ...]

    @property
    def stage(self):
        return self.section.stage

    @property
    def progress(self):
        return self.section.progress


def needs_something(row: MilestoneRow, today: datetime.date) -> bool:
    """A milestone the focused page keeps open: not achieved (which takes in
    an overdue target date, as only an unachieved milestone can be overdue),
    or achieved and due for review."""
    if row.status != Status.ACHIEVED:
        return True
    return bool(row.record and row.record.review_due(today))


def focus(
    sections: Sequence[StageSection], today: datetime.date, *, fold: bool
) -> list[FocusedStage]:
    """The stages with the milestones that need nothing folded away when
    `fold`; every row open otherwise. Rows keep the guidance's order."""
    stages = []
    for section in sections:
        if fold:
            open_rows = tuple(row for row in section.rows if needs_something(row, today))
            folded = tuple(row for row in section.rows if not needs_something(row, today))
        else:
            open_rows, folded = section.rows, ()
        stages.append(FocusedStage(section=section, open_rows=open_rows, folded_rows=folded))
    return stages
