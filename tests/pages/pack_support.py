"""Generated activity for the report pack's tests: counts only, fixed dates."""

import csv
import datetime
import io
import random

from assessments.models import (
    ActivityCount,
    ActivityEntry,
    ActivityKind,
    Measure,
    PartnerAgency,
    Sector,
)
from tests.factories import TaskForceFactory

KINDS = list(ActivityKind.values)


def generate(n_task_forces: int, *, seed: int = 7, regions=("North", "South", "Coast")):
    """`n_task_forces` task forces with 2025 activity and partners, in bulk."""
    rng = random.Random(seed)  # noqa: S311 - test data, repeatable
    sectors = list(Sector.objects.order_by("order")[:6])
    task_forces = [TaskForceFactory(region=regions[i % len(regions)]) for i in range(n_task_forces)]
    entries = []
    for tf in task_forces:
        for _ in range(rng.randint(0, 14)):
            day = datetime.date(2025, rng.randint(1, 12), rng.randint(1, 28))
            entries.append(
                ActivityEntry(task_force=tf, date=day, kind=rng.choice(KINDS), title="Meeting")
            )
    ActivityEntry.objects.bulk_create(entries)
    counts = []
    for entry in entries:
        for sector in rng.sample(sectors, rng.randint(0, 3)):
            measure = (
                Measure.TRAINED if entry.kind in ActivityKind.trainings() else Measure.AGENCIES
            )
            counts.append(
                ActivityCount(entry=entry, measure=measure, sector=sector, count=rng.randint(1, 30))
            )
    ActivityCount.objects.bulk_create(counts)
    agencies = []
    for tf in task_forces:
        for n in range(rng.randint(0, 4)):
            signed = rng.random() < 0.5
            agencies.append(
                PartnerAgency(
                    task_force=tf,
                    name=f"Agency {tf.pk}-{n}",
                    sector=rng.choice(sectors),
                    partnership_type=rng.choice(
                        ["referral", "information_sharing", "joint_services"]
                    ),
                    mou_status="signed" if signed else "none",
                    mou_signed_on=datetime.date(2025, rng.randint(1, 12), 1) if signed else None,
                    created_at=datetime.datetime(2025, rng.randint(1, 12), 2, tzinfo=datetime.UTC),
                    contact_name="Program manager",
                )
            )
    PartnerAgency.objects.bulk_create(agencies)
    return task_forces


def read_tables(text: str) -> dict[str, list[list[str]]]:
    """The CSV's tables: measure title -> [header, rows..., Total row]."""
    tables, current = {}, None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            current = None
        elif current is None and len(row) == 1:
            current = tables.setdefault(row[0], [])
        elif current is not None:
            current.append(row)
    # The heading lines (the pack's name, the legend) have no header row.
    return {title: rows for title, rows in tables.items() if rows and rows[0][-1] == "Total"}
