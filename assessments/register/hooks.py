"""The partner register's reminder (core/reminders.py): imported by
AssessmentsConfig.ready()."""

from __future__ import annotations

import datetime

from assessments.core.reminders import CoordinatorMap, Item, Kind, collector, fan_out, path_template
from assessments.register.models import MouState, PartnerAgency


@collector(Kind.MOU_RENEWAL)
def mou_renewal_items(today: datetime.date, coordinators: CoordinatorMap) -> list[Item]:
    rows = (
        PartnerAgency.objects.active()
        .with_mou_state(today)
        .filter(mou_state=MouState.EXPIRING)
        .values(
            "pk", "name", "task_force_id", "task_force__name", "task_force__slug", "mou_renews_on"
        )
    )
    agency_path = path_template("assessments:partner_agency_edit", "slug", "int")
    items = []
    for row in rows:
        items += fan_out(
            coordinators,
            row["task_force_id"],
            kind=Kind.MOU_RENEWAL,
            key=f"mou_renewal:{row['pk']}:{row['mou_renews_on']}",
            task_force_name=row["task_force__name"],
            name=row["name"],
            date=row["mou_renews_on"],
            occasion="soon",
            path=agency_path(row["task_force__slug"], row["pk"]),
        )
    return items
