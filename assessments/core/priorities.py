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
