"""`manage.py report_pack`: the statewide pack as CSV, suppressed."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from assessments.models import PartnerAgency, Sector
from assessments.pages import report_pack
from tests.factories import TaskForceFactory
from tests.pages.pack_support import generate, read_tables

pytestmark = pytest.mark.django_db

MARKER = "<11"


def run(tmp_path, *args):
    target = tmp_path / "pack.csv"
    call_command("report_pack", "--csv", str(target), *args, stdout=None)
    return read_tables(target.read_text(encoding="utf-8"))


def assert_safe(tables, marker=MARKER, threshold=11):
    """No published count from 1 to threshold - 1, and no row or column with
    exactly one hidden cell beside a published total."""
    assert tables
    for title, rows in tables.items():
        header, body = rows[0], rows[1:]
        assert header[-1] == "Total" and body[-1][0] == "Total", title
        grid = [row[1:] for row in body]
        for row in grid:
            for value in row:
                assert value == marker or not 0 < int(value) < threshold, (title, row)
        lines = grid + [list(column) for column in zip(*grid, strict=True)]
        for line in lines:
            hidden = [value == marker for value in line]
            if not hidden[-1]:
                assert sum(hidden) != 1, (title, line)


def test_the_statewide_pack_hides_small_counts_and_what_would_reveal_them(tmp_path):
    generate(12)
    tables = run(tmp_path, "--period", "2025-H2")
    assert [t.title for t in report_pack.MEASURES] == list(tables)
    assert_safe(tables)
    assert any(MARKER in row for rows in tables.values() for row in rows)


def test_the_command_tells_its_progress_measure_by_measure_on_stderr(tmp_path):
    import io

    generate(3)
    err, out = io.StringIO(), io.StringIO()
    target = tmp_path / "pack.csv"
    call_command("report_pack", "--csv", str(target), "--period", "2025", stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    count = len(report_pack.MEASURES)
    assert lines[0] == f"{report_pack.MEASURES[0].title}: suppressing (1 of {count})…"
    assert len(lines) == count and lines[-1].endswith(f"({count} of {count})…")
    assert out.getvalue().startswith(f"Wrote {target}")


def test_by_region_a_region_and_a_task_force_are_safe_too(tmp_path):
    task_forces = generate(9)
    assert_safe(run(tmp_path, "--period", "2025-Q3", "--by", "region"))
    assert_safe(run(tmp_path, "--period", "2025", "--region", "North"))
    single = run(tmp_path, "--period", "2025-H1", "--task-force", task_forces[0].slug)
    for rows in single.values():
        assert rows[1][0] == task_forces[0].name
        assert rows[1][1:] == rows[2][1:]  # its Total row is itself


def test_a_half_year_and_its_quarters_are_suppressed_together(tmp_path):
    generate(10)
    quarters = [run(tmp_path, "--period", f"2025-Q{q}") for q in (3, 4)]
    half = run(tmp_path, "--period", "2025-H2")
    for title, rows in half.items():
        for r, row in enumerate(rows[1:], start=1):
            for c, value in enumerate(row[1:], start=1):
                parts = [q[title][r][c] for q in quarters]
                if value == MARKER or MARKER not in parts:
                    continue
                # A published half-year beside one hidden quarter: the other
                # quarter must be hidden too, or the hidden one is H - Q.
                assert parts.count(MARKER) == 2, (title, row[0], c, value, parts)


def test_a_raised_threshold_hides_more(tmp_path):
    generate(8)
    tables = run(tmp_path, "--period", "2025-H2", "--threshold", "20")
    assert_safe(tables, marker="<20", threshold=20)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2025-H3"], "not a period"),
        (["--period", "2025-13-01..2025-12-31"], "not a real date"),
        (["--period", "2025-12-01..2025-01-01"], "ends before it starts"),
        (["--period", "2025-H2", "--threshold", "5"], "never lowered"),
        (["--period", "2025-H2", "--task-force", "nope"], "No task force with the slug"),
        (["--period", "2025-H2", "--region", "Atlantis"], "No task force is in the region"),
    ],
)
def test_bad_arguments_are_clear_errors_and_write_nothing(tmp_path, args, message):
    generate(2)
    target = tmp_path / "pack.csv"
    with pytest.raises(CommandError, match=message):
        call_command("report_pack", "--csv", str(target), *args)
    assert not target.exists()


def test_an_unwritable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("report_pack", "--csv", str(tmp_path / "no" / "pack.csv"), "--period", "2025")


def test_the_demo_data_gives_a_safe_pack_with_something_in_it(tmp_path, settings):
    # The demo's year of activity ends on the test clock's day.
    from django.utils import timezone

    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    period = report_pack.half_year_of(timezone.localdate())
    previous = report_pack.half_year_of(period.start - datetime.timedelta(days=1))
    for label in (period.label, previous.label):
        tables = run(tmp_path, "--period", label)
        assert_safe(tables)
    meetings = tables["Meetings by kind"]
    assert meetings[-1][-1] not in ("0", MARKER)  # the statewide total of meetings


def test_counts_on_the_last_day_are_the_half_years_last_quarters_and_hidden_alike(tmp_path):
    # Partnerships active and MOUs in force are counted on the period's last
    # day: the half-year's table is its last quarter's, cell for cell, marker
    # for marker (else one would show what the other hides).
    sector = Sector.objects.order_by("order").first()
    agencies = []
    for n, (region, many) in enumerate([("North", 14), ("North", 15), ("South", 3), ("South", 16)]):
        task_force = TaskForceFactory(region=region)
        for i in range(many):
            agencies.append(
                PartnerAgency(
                    task_force=task_force,
                    name=f"Agency {n}-{i}",
                    sector=sector,
                    partnership_type="referral",
                    mou_status="signed",
                    mou_signed_on=datetime.date(2025, 1 + i % 5, 1),
                    created_at=datetime.datetime(2025, 1 + i % 5, 2, tzinfo=datetime.UTC),
                    contact_name="Program manager",
                )
            )
    PartnerAgency.objects.bulk_create(agencies)

    half = run(tmp_path, "--period", "2025-H1")
    quarter = run(tmp_path, "--period", "2025-Q2")

    for title in (
        "Partnerships active at the end of the period, by type",
        "MOUs in force at the end of the period, by type",
    ):
        assert half[title] == quarter[title]
        cells = [cell for row in half[title][1:] for cell in row[1:]]
        assert MARKER in cells  # the task force with 3
        assert "48" in cells  # the statewide total of referrals
