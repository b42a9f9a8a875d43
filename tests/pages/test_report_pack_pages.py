"""The report pack's pages: who sees what, suppressed or not, in which format,
and a fixed number of queries."""

import html as html_module
import re

import pytest
from django.urls import reverse

from assessments.pages import report_pack
from tests.activity.support import client_for
from tests.factories import TaskForceFactory, UserFactory, program_manager
from tests.pages.pack_support import generate, read_tables

pytestmark = pytest.mark.django_db

STATEWIDE = reverse("assessments:report_pack")


@pytest.fixture(autouse=True)
def _built_in_the_request(settings):
    # The pack as the request builds it; above the limit a job does
    # (test_report_pack_prepared.py).
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 100


def own_pack(task_force):
    return reverse("assessments:task_force_report_pack", args=[task_force.slug])


def page_tables(html: str, title: str) -> list[list[str]]:
    """A table's cells as the page shows them, after its <h2>."""
    section = html.split(f">{title}</h2>", 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        rows.append(
            [
                html_module.unescape(re.sub(r"<.*?>", "", cell)).strip()
                for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            ]
        )
    return rows


def test_the_page_and_the_csv_agree(settings):
    generate(8)
    client = client_for(program_manager())
    page = client.get(STATEWIDE, {"period": "2025-H2"})
    assert page.status_code == 200
    download = client.get(STATEWIDE, {"period": "2025-H2", "format": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    tables = read_tables(download.content.decode())
    html = page.content.decode()
    for spec in report_pack.MEASURES:
        assert page_tables(html, spec.title) == tables[spec.title], spec.title
    assert "&lt;11" in html


def test_a_coordinator_sees_their_own_numbers_unsuppressed():
    task_force = generate(3)[0]
    coordinator = UserFactory()
    task_force.coordinators.add(coordinator)
    own = client_for(coordinator).get(own_pack(task_force), {"period": "2025", "format": "csv"})
    assert own.status_code == 200
    text = own.content.decode()
    assert "<11" not in text
    manager = client_for(program_manager()).get(
        own_pack(task_force), {"period": "2025", "format": "csv"}
    )
    statewide = read_tables(manager.content.decode())
    # The same task force, as it leaves the task force: suppressed.
    mine = read_tables(text)
    assert set(mine) == set(statewide)
    small = [
        cell for rows in mine.values() for row in rows[1:] for cell in row[1:] if 0 < int(cell) < 11
    ]
    if small:
        assert "<11" in manager.content.decode()


def test_another_task_force_is_a_404_and_the_statewide_pack_a_403_for_coordinators():
    mine, other = TaskForceFactory(), TaskForceFactory()
    coordinator = UserFactory()
    mine.coordinators.add(coordinator)
    client = client_for(coordinator)
    assert client.get(own_pack(other)).status_code == 404
    assert client.get(STATEWIDE).status_code == 403
    assert client.get(STATEWIDE, {"format": "csv"}).status_code == 403


def test_anonymous_visitors_and_partners_get_nothing(client):
    task_force = TaskForceFactory()
    for url in (STATEWIDE, own_pack(task_force)):
        response = client.get(url, {"format": "csv"})
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_bad_period_says_why_and_shows_the_current_half_year():
    response = client_for(program_manager()).get(STATEWIDE, {"period": "2025-H9"})
    assert response.status_code == 200
    assert "is not a period" in response.content.decode()


def test_the_xlsx_and_pdf_downloads(monkeypatch):
    generate(3)
    client = client_for(program_manager())
    xlsx = client.get(STATEWIDE, {"period": "2025-H2", "format": "xlsx"})
    assert xlsx.content.startswith(b"PK")
    rendered = {}

    def fake_pdf(context, template):
        rendered["template"] = template
        return b"%PDF-fake"

    monkeypatch.setattr("assessments.pages.report_pack_views.render_pdf", fake_pdf)
    pdf = client.get(STATEWIDE, {"period": "2025-H2", "format": "pdf"})
    assert pdf.content == b"%PDF-fake"
    assert rendered["template"] == "reports/report_pack.html"


@pytest.mark.parametrize("fmt", ["html", "csv"])
def test_the_statewide_pack_takes_the_same_queries_at_two_sizes(django_assert_num_queries, fmt):
    client = client_for(program_manager())
    generate(3, seed=1)
    client.get(STATEWIDE, {"period": "2025-H2"})  # warm the session and caches

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(STATEWIDE, {"period": "2025-H2", "format": fmt}).status_code == 200
        return len(queries)

    small = count()
    generate(12, seed=2, regions=("North", "Desert"))
    with django_assert_num_queries(small):
        client.get(STATEWIDE, {"period": "2025-H2", "format": fmt})


def test_the_task_force_pack_takes_the_same_queries_at_two_sizes(django_assert_num_queries):
    task_force = generate(1, seed=3)[0]
    coordinator = UserFactory()
    task_force.coordinators.add(coordinator)
    client = client_for(coordinator)
    client.get(own_pack(task_force), {"period": "2025"})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(own_pack(task_force), {"period": "2025"})
    generate(5, seed=4)
    with django_assert_num_queries(len(queries)):
        client.get(own_pack(task_force), {"period": "2025"})


def test_the_task_force_pack_lists_the_milestones_that_changed_status_in_the_period():
    import datetime

    from assessments.models import Status, StatusChange
    from tests.factories import MilestoneFactory

    task_force = TaskForceFactory()
    coordinator = UserFactory()
    task_force.coordinators.add(coordinator)
    moved, confirmed, earlier = (
        MilestoneFactory(name=n) for n in ("Form Subcommittees", "Same", "Old")
    )
    at = datetime.datetime(2025, 8, 5, 12, tzinfo=datetime.UTC)
    StatusChange.objects.bulk_create(
        [
            StatusChange(
                task_force=task_force,
                milestone=moved,
                old_status=Status.PLANNING,
                new_status=Status.ACHIEVED,
                changed_at=at,
            ),
            # Confirmed as it stands: recorded, but nothing changed.
            StatusChange(
                task_force=task_force,
                milestone=confirmed,
                old_status=Status.ACHIEVED,
                new_status=Status.ACHIEVED,
                changed_at=at,
                source=StatusChange.Source.REVIEW,
            ),
            StatusChange(
                task_force=task_force,
                milestone=earlier,
                old_status=Status.NOT_STARTED,
                new_status=Status.PLANNING,
                changed_at=at - datetime.timedelta(days=60),
            ),
        ]
    )
    html = client_for(coordinator).get(own_pack(task_force), {"period": "2025-H2"}).content.decode()
    assert "Form Subcommittees, Planning → Achieved" in html
    assert "Same," not in html
    assert "Old," not in html
    rows = page_tables(html, "Milestones that changed status, by new status")
    assert rows[0][-1] == "Total" and rows[1][-1] == "1"


def test_the_xlsx_holds_the_csv_rows():
    import csv
    import io

    from openpyxl import load_workbook

    generate(5)
    client = client_for(program_manager())
    query = {"period": "2025-Q4", "by": "region"}
    text = client.get(STATEWIDE, {**query, "format": "csv"}).content.decode()
    expected = [row for row in csv.reader(io.StringIO(text)) if row]
    sheet = load_workbook(
        io.BytesIO(client.get(STATEWIDE, {**query, "format": "xlsx"}).content)
    ).active
    got = [
        [str(value) for value in row if value is not None]
        for row in sheet.iter_rows(values_only=True)
        if any(value is not None for value in row)
    ]
    assert got == expected
