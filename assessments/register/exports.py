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

from assessments.common import sheets
from assessments.common.sheets import Column, person
from assessments.core.models import TaskForce
from assessments.register.models import (
    MouState,
    MouStatus,
    PartnerAgency,
    PartnershipType,
    RegisterChange,
)

# The import's columns (which read an export back unchanged), with the task
# force's name after its slug, and what only an export says after them. The
# XLSX shows the same rows with these labels; the import maps them back
# (register/importing.py), and reads the choices' labels and date cells.
_DATE_WIDTH = 14
REGISTER_SHEET = [
    Column("task_force", "Task force code", 18),
    Column("task_force_name", "Task force", 28),
    Column("agency", "Agency", 32),
    Column("sector", RegisterChange.LABELS["sector"], 24),
    Column(
        "partnership_type",
        RegisterChange.LABELS["partnership_type"],
        18,
        choices=sheets.choices_of(PartnershipType),
    ),
    Column(
        "mou_status", RegisterChange.LABELS["mou_status"], 15, choices=sheets.choices_of(MouStatus)
    ),
    Column("mou_signed_on", RegisterChange.LABELS["mou_signed_on"], _DATE_WIDTH, sheets.DATE),
    Column("mou_renews_on", RegisterChange.LABELS["mou_renews_on"], _DATE_WIDTH, sheets.DATE),
    Column("mou_covers_data_sharing", RegisterChange.LABELS["mou_covers_data_sharing"], 14),
    Column("left_on", RegisterChange.LABELS["left_on"], _DATE_WIDTH, sheets.DATE),
    Column("contact_name", RegisterChange.LABELS["contact_name"], 24),
    Column("contact_email", RegisterChange.LABELS["contact_email"], 28),
    Column("contact_phone", RegisterChange.LABELS["contact_phone"], 16),
    Column("shown_to_partners", RegisterChange.LABELS["shown_to_partners"], 14),
    Column("mou_state", "MOU state", 20),
    Column("updated_at", "Last updated", 17, sheets.DATETIME),
    Column("updated_by", "Updated by", 22, source="updated_by_name"),
]
REGISTER_COLUMNS = sheets.keys(REGISTER_SHEET)
HEADER_KEYS = sheets.header_keys(REGISTER_SHEET)


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
            "updated_by_name": person(agency.updated_by),
        }
