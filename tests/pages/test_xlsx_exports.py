"""The status and history exports as XLSX, for a person in Excel: the same
rows as the CSV, with headers in words, status labels, Excel dates in the
site's time zone, full names, widths, a frozen header and a filter."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.common.sheets import DATE_FORMAT, DATETIME_FORMAT
from assessments.core import services
from assessments.core.importing import STATUS_SHEET
from assessments.models import MilestoneStatus, Status
from assessments.pages.exports import HISTORY_SHEET
from assessments.register.models import Sector
from assessments.register.services import partner_agency_create
from stages.models import Milestone
from tests.factories import TaskForceFactory, UserFactory
from tests.xlsx_files import assert_readable_layout, export_sheet, keyed_rows


@pytest.fixture
def named_coordinator(task_force):
    user = UserFactory(username="avery", first_name="Avery", last_name="Admin")
    task_force.coordinators.add(user)
    return user


@pytest.fixture
def recorded(guidance, task_force, named_coordinator):
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.IN_PROGRESS,
        lead_partner="Sheriff's Office",
        target_date=datetime.date(2027, 3, 15),
        notes='=HYPERLINK("http://evil")',
        user=named_coordinator,
    )
    return task_force


def _get(client, user, kind, task_force, fmt="xlsx"):
    client.force_login(user)
    url = reverse(f"assessments:task_force_export_{kind}", args=[task_force.slug, fmt])
    response = client.get(url)
    assert response.status_code == 200
    return response


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def test_status_xlsx_reads_in_words_with_excel_dates_and_full_names(
    recorded, named_coordinator, client
):
    sheet = export_sheet(_get(client, named_coordinator, "statuses", recorded).content)

    assert_readable_layout(sheet, STATUS_SHEET, "Statuses")
    rows = keyed_rows(sheet, STATUS_SHEET)
    assert len(rows) == 28
    mou = next(row for row in rows if row["milestone"].value == "task-force-mou")
    record = MilestoneStatus.objects.get()
    assert mou["status"].value == "In progress"
    assert mou["task_force"].value == recorded.slug
    assert mou["task_force_name"].value == recorded.name
    assert mou["milestone_name"].value == "Task Force MOU"
    assert mou["target_date"].value == datetime.datetime(2027, 3, 15)
    assert mou["target_date"].is_date and mou["target_date"].number_format == DATE_FORMAT
    for column in ("status_since", "updated_at"):
        assert mou[column].is_date and mou[column].number_format == DATETIME_FORMAT
    assert mou["updated_at"].value == _local(record.updated_at)
    assert mou["updated_by"].value == "Avery Admin"
    # A formula stays text, never run by Excel.
    assert mou["notes"].value == '\'=HYPERLINK("http://evil")'
    untouched = next(row for row in rows if row["milestone"].value == "youth-voice")
    assert untouched["status"].value == "Not started"
    assert untouched["target_date"].value is None


def test_status_csv_keeps_codes_iso_dates_and_usernames(recorded, named_coordinator, client):
    text = _get(client, named_coordinator, "statuses", recorded, "csv").content.decode()
    header, *lines = text.lstrip("\ufeff").splitlines()
    assert header.split(",")[:3] == ["task_force", "task_force_name", "stage"]
    mou = next(line for line in lines if ",task-force-mou," in line)
    assert ",in_progress," in mou and ",2027-03-15," in mou
    assert mou.endswith(",avery") and "+00:00" in mou


def test_history_xlsx_names_the_change_its_source_and_person_in_words(
    recorded, named_coordinator, client
):
    partner_agency_create(
        task_force=recorded,
        name="Harbor Shelter",
        sector=Sector.objects.get(slug="housing-and-shelter"),
        user=named_coordinator,
    )
    sheet = export_sheet(_get(client, named_coordinator, "history", recorded).content)

    assert_readable_layout(sheet, HISTORY_SHEET, "History")
    register, status = keyed_rows(sheet, HISTORY_SHEET)
    assert status["old_status"].value == "Not started"
    assert status["new_status"].value == "In progress"
    assert status["changed_fields"].value == "Lead partner, Notes, Status, Target date"
    assert status["changed_by"].value == "Avery Admin"
    assert status["source"].value == "Status page"
    assert status["record"].value == "Status"
    assert status["changed_at"].is_date
    assert status["changed_at"].number_format == DATETIME_FORMAT
    assert register["record"].value == "Partner register"
    assert register["action"].value == "Added to the register"
    assert register["source"].value == "Register page"
    assert register["subject"].value == "Harbor Shelter"


def test_a_deleted_account_is_named_as_the_history_kept_it(recorded, named_coordinator, client):
    viewer = UserFactory()
    recorded.coordinators.add(viewer)
    named_coordinator.delete()
    sheet = export_sheet(_get(client, viewer, "history", recorded).content)
    (status,) = keyed_rows(sheet, HISTORY_SHEET)
    assert status["changed_by"].value == "avery"


@pytest.mark.parametrize("kind", ["statuses", "history"])
def test_the_xlsx_takes_the_queries_of_the_csv(guidance, client, kind):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    TaskForceFactory.create_batch(3)
    counts = {}
    for fmt in ("csv", "xlsx"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(f"assessments:export_{kind}", args=[fmt])).status_code == 200
        counts[fmt] = len(captured)
    assert counts["xlsx"] == counts["csv"]
