"""The rows of the partner register export: one row per agency, former
partners included. The register import reads the same layout back (see
assessments/register/importing.py), so an export imports back unchanged.

Contacts are included: they are the agencies' own (a role or office, never
a survivor), and the export is for those who read the register anyway
(its coordinators, program managers and staff). Partner links never get it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import QuerySet
from django.db.models.functions import Lower

from assessments.core.models import TaskForce
from assessments.register.models import MouState, PartnerAgency, RegisterChange

# The import's columns (which read an export back unchanged), with the task
# force's name after its slug, and what only an export says after them.
REGISTER_COLUMNS = [
    "task_force",
    "task_force_name",
    "agency",
    *(name for name in RegisterChange.TRACKED_FIELDS if name != "name"),
    "mou_state",
    "updated_at",
    "updated_by",
]


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def register_rows(
    task_forces: QuerySet[TaskForce], today: datetime.date | None = None
) -> Iterator[dict]:
    """Every agency of `task_forces`, by task force and name; the MOU state
    (the register's one rule) on `today`. One query, whatever the number of
    rows."""
    agencies = (
        PartnerAgency.objects.filter(task_force__in=task_forces)
        .with_mou_state(today)
        .select_related("task_force", "sector", "updated_by")
        .order_by("task_force__name", Lower("name"), "pk")
    )
    for agency in agencies.iterator(chunk_size=2000):
        yield {
            "task_force": agency.task_force.slug,
            "task_force_name": agency.task_force.name,
            "agency": agency.name,
            "sector": agency.sector.name,
            "partnership_type": agency.partnership_type,
            "mou_status": agency.mou_status,
            "mou_signed_on": agency.mou_signed_on,
            "mou_renews_on": agency.mou_renews_on,
            "mou_covers_data_sharing": yes_no(agency.mou_covers_data_sharing),
            "left_on": agency.left_on,
            "contact_name": agency.contact_name,
            "contact_email": agency.contact_email,
            "contact_phone": agency.contact_phone,
            "shown_to_partners": yes_no(agency.shown_to_partners),
            "mou_state": MouState(agency.mou_state).label,
            "updated_at": agency.updated_at,
            "updated_by": agency.updated_by.get_username() if agency.updated_by else "",
        }
