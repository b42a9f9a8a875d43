"""What a task force's partner register says: sectors covered and missing,
MOUs by state (PartnerAgencyQuerySet.with_mou_state, the one rule), and the
hints and contradiction flags on the four milestones the register informs.

The coordinator still decides every status: a flag only says that the
register and the recorded status disagree. A register with no agency at all
raises no flag: that is a register not filled in yet, not proof of no MOU.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from assessments.core.attention import (
    ATTENTION_LIMIT,
    AttentionGroup,
    AttentionItem,
    coordinated_by,
    group,
)
from assessments.core.models import TaskForce
from assessments.register.models import MouState, PartnerAgency, Sector

TASK_FORCE_MOU = "task-force-mou"
DIVERSIFY = "diversify-task-force-representation"
SURVIVOR_REPRESENTATION = "survivor-representation"
DATA_SYSTEMS = "data-systems-in-place"
INFORMED_MILESTONES = (TASK_FORCE_MOU, DIVERSIFY, SURVIVOR_REPRESENTATION, DATA_SYSTEMS)


@dataclass(frozen=True)
class MilestoneNote:
    """What the register says about one milestone. `flag` is shown only
    when the milestone is recorded as achieved."""

    hint: str
    flag: str = ""


@dataclass(frozen=True)
class RegisterSummary:
    today: datetime.date
    window_days: int
    active: tuple[PartnerAgency, ...]
    left: tuple[PartnerAgency, ...]
    covered: tuple[Sector, ...]
    missing: tuple[Sector, ...]
    notes: dict[str, MilestoneNote] = field(default_factory=dict)

    def _in_state(self, state: str) -> tuple[PartnerAgency, ...]:
        return tuple(agency for agency in self.active if agency.mou_state == state)

    @property
    def current(self) -> tuple[PartnerAgency, ...]:
        return self._in_state(MouState.CURRENT)

    @property
    def expiring(self) -> tuple[PartnerAgency, ...]:
        """Soonest first."""
        return tuple(sorted(self._in_state(MouState.EXPIRING), key=lambda a: a.mou_renews_on))

    @property
    def expired(self) -> tuple[PartnerAgency, ...]:
        return self._in_state(MouState.EXPIRED)

    @property
    def in_force(self) -> tuple[PartnerAgency, ...]:
        return tuple(a for a in self.active if a.mou_state in MouState.in_force())

    @property
    def sector_total(self) -> int:
        return len(self.covered) + len(self.missing)

    @property
    def is_empty(self) -> bool:
        return not self.active and not self.left


def register_summary(task_force: TaskForce, today: datetime.date | None = None) -> RegisterSummary:
    """The register of one task force, in two queries however many agencies."""
    today = today or timezone.localdate()
    agencies = list(PartnerAgency.objects.filter(task_force=task_force).for_register(today))
    return summary_from(agencies, list(Sector.objects.all()), today)


def summary_from(
    agencies: list[PartnerAgency], sectors: list[Sector], today: datetime.date
) -> RegisterSummary:
    """The summary from agencies annotated by with_mou_state and every sector;
    no query."""
    active = tuple(agency for agency in agencies if agency.is_active)
    left = tuple(agency for agency in agencies if not agency.is_active)
    in_use = {agency.sector_id for agency in active}
    summary = RegisterSummary(
        today=today,
        window_days=settings.REGISTER_EXPIRY_WINDOW_DAYS,
        active=active,
        left=left,
        covered=tuple(sector for sector in sectors if sector.pk in in_use),
        missing=tuple(sector for sector in sectors if sector.pk not in in_use),
    )
    summary.notes.update(_notes(summary, sectors))
    return summary


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _day(day: datetime.date) -> str:
    return date_format(day)


def _notes(summary: RegisterSummary, sectors: list[Sector]) -> dict[str, MilestoneNote]:
    if summary.is_empty:
        empty = MilestoneNote(
            "The partner register is empty: add the task force's partners to see "
            "what it says about this milestone."
        )
        return dict.fromkeys(INFORMED_MILESTONES, empty)
    in_force, expiring, expired = summary.in_force, summary.expiring, summary.expired

    mou = [
        _plural(
            len(in_force),
            "partner with a signed, current MOU",
            "partners with a signed, current MOU",
        )
    ]
    if len(expiring) == 1:
        mou.append(f"1 expires on {_day(expiring[0].mou_renews_on)}")
    elif expiring:
        mou.append(
            f"{len(expiring)} expire within {summary.window_days} days, the first on "
            f"{_day(expiring[0].mou_renews_on)}"
        )
    if expired:
        mou.append(_plural(len(expired), "MOU expired", "MOUs expired"))

    sharing = [agency for agency in in_force if agency.mou_covers_data_sharing]
    by_slug = {sector.slug: sector for sector in sectors}
    counts = {
        slug: sum(1 for agency in summary.active if agency.sector_id == by_slug[slug].pk)
        for slug in Sector.DIVERSIFYING
        if slug in by_slug
    }
    survivor_led = counts.get(Sector.SURVIVOR_LED, 0)
    diversity = ", ".join(f"{by_slug[slug].name} {n}" for slug, n in counts.items())

    return {
        TASK_FORCE_MOU: MilestoneNote(
            "; ".join(mou) + ".",
            ""
            if in_force
            else "Recorded as achieved, but no partner in the register has a signed, current MOU.",
        ),
        DATA_SYSTEMS: MilestoneNote(
            (
                _plural(len(sharing), "signed, current MOU covers", "signed, current MOUs cover")
                if sharing
                else "No signed, current MOU covers"
            )
            + " data sharing.",
            ""
            if sharing
            else "Recorded as achieved, but no signed, current MOU in the register "
            "covers data sharing.",
        ),
        SURVIVOR_REPRESENTATION: MilestoneNote(
            (
                _plural(
                    survivor_led,
                    "active survivor-led organization",
                    "active survivor-led organizations",
                )
                if survivor_led
                else "No active survivor-led organization"
            )
            + " in the register.",
            ""
            if survivor_led
            else "Recorded as achieved, but the register has no active survivor-led organization.",
        ),
        DIVERSIFY: MilestoneNote(
            f"Active partners: {diversity}; "
            f"{len(summary.covered)} of {len(sectors)} sectors covered.",
            ""
            if any(counts.values())
            else "Recorded as achieved, but the register has no active Tribal government, "
            "culturally specific or survivor-led partner.",
        ),
    }


def mous_expiring_group(user, today: datetime.date | None = None) -> AttentionGroup:
    """For "Needs your attention" (assessments/core/attention.py): the signed MOUs
    of active partners, in the task forces `user` coordinates, that reach
    their renewal date within the expiry window (MouState.EXPIRING, the one
    rule), soonest first. One query."""
    today = today or timezone.localdate()
    agencies = list(
        PartnerAgency.objects.filter(task_force__in=coordinated_by(user))
        .active()
        .with_mou_state(today)
        .filter(mou_state=MouState.EXPIRING)
        .select_related("task_force")
        .order_by("mou_renews_on", "task_force__name", "name", "pk")[: ATTENTION_LIMIT + 1]
    )
    return group(
        "mous_expiring",
        f"MOUs expiring within {settings.REGISTER_EXPIRY_WINDOW_DAYS} days",
        [
            AttentionItem(
                text=f"{agency.task_force.name}: {agency.name}",
                url=reverse(
                    "assessments:partner_agency_edit", args=[agency.task_force.slug, agency.pk]
                ),
                detail=f"renews on {_day(agency.mou_renews_on)}",
            )
            for agency in agencies
        ],
    )
