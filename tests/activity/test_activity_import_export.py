"""The activity log's export (CSV, XLSX) and its import through the one
import flow: a round trip changes nothing, rows add and change entries with
their history, bad rows are refused with nothing saved."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assessments.activity.exports import activity_columns
from assessments.common.spreadsheets import to_csv
from assessments.models import (
    ActivityChange,
    ActivityCount,
    ActivityEntry,
    ImportBatch,
    Sector,
)
from tests.activity.support import client_for, days_ago, log, sector
from tests.factories import TaskForceFactory, program_manager

pytestmark = pytest.mark.django_db
UPLOAD = reverse("assessments:activity_import")


@pytest.fixture
def entries(task_force, coordinator, guidance):
    from stages.models import Milestone

    first = log(
        task_force,
        coordinator,
        days=40,
        milestones=[Milestone.objects.get(slug="initiate-case-review")],
        counts={"agencies": {sector("law-enforcement"): 3}, "attendees": {sector("labor"): 7}},
    )
    second = log(
        task_force,
        coordinator,
        days=10,
        kind="training_delivered",
        title="Labor trafficking training",
        counts={"trained": {sector("health-care"): 25}},
    )
    return first, second


def _export(client, task_force) -> list[dict]:
    url = reverse("assessments:task_force_export_activity", args=[task_force.slug, "csv"])
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _columns():
    return activity_columns(list(Sector.objects.all()))


def _upload(client, rows, columns=None):
    content = to_csv(columns or _columns(), rows)
    return client.post(UPLOAD, {"file": SimpleUploadedFile("activity.csv", content)})


def _state():
    return (
        list(ActivityEntry.objects.order_by("pk").values()),
        list(ActivityCount.objects.order_by("pk").values()),
        ActivityChange.objects.count(),
    )


def test_the_export_has_a_row_per_entry_and_a_column_per_measure_and_sector(
    entries, coordinator_client
):
    rows = _export(coordinator_client, entries[0].task_force)
    assert [row["entry"] for row in rows] == [str(entries[0].pk), str(entries[1].pk)]
    first = rows[0]
    assert first["agencies:law-enforcement"] == "3"
    assert first["attendees:labor"] == "7"
    assert first["trained:labor"] == "0"
    assert first["milestones"] == "initiate-case-review"
    assert rows[1]["trained:health-care"] == "25"


def test_the_xlsx_export_opens(entries, coordinator_client):
    url = reverse(
        "assessments:task_force_export_activity", args=[entries[0].task_force.slug, "xlsx"]
    )
    sheet = load_workbook(io.BytesIO(coordinator_client.get(url).content)).active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header[:6] == ["task_force", "entry", "date", "kind", "title", "milestones"]
    assert sheet.max_row == 3


def test_an_export_imports_back_unchanged(entries, coordinator_client):
    rows = _export(coordinator_client, entries[0].task_force)
    before = _state()
    response = _upload(coordinator_client, rows)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.state, batch.change_count, batch.unchanged) == (
        ImportBatch.Kind.ACTIVITY,
        ImportBatch.State.CHECKED,
        0,
        2,
    )
    assert _state() == before


def test_an_import_adds_and_changes_entries_with_their_history(
    entries, task_force, coordinator_client, coordinator
):
    rows = _export(coordinator_client, task_force)
    rows[0]["title"] = "Task force meeting (rescheduled)"
    rows[0]["agencies:law-enforcement"] = "4"
    rows.append(
        {
            "task_force": task_force.slug,
            "entry": "",
            "date": days_ago(3).isoformat(),
            "kind": "Outreach or awareness event",
            "title": "Health fair booth",
            "milestones": "",
            "attendees:health-care": "60",
        }
    )
    response = _upload(coordinator_client, rows)
    preview = coordinator_client.get(response["Location"])
    assert "1 entry will be added and 1 changed" in preview.content.decode()
    apply_url = reverse("assessments:activity_import_apply", args=[ImportBatch.objects.get().pk])
    assert coordinator_client.post(apply_url).status_code == 302
    assert ImportBatch.objects.get().state == ImportBatch.State.APPLIED
    first = ActivityEntry.objects.get(pk=entries[0].pk)
    assert (first.title, first.version) == ("Task force meeting (rescheduled)", 2)
    assert first.counts.get(measure="agencies").count == 4
    # The counts it did not change stay.
    assert first.counts.get(measure="attendees").count == 7
    assert first.milestones.get().slug == "initiate-case-review"
    added = ActivityEntry.objects.get(title="Health fair booth")
    assert (added.kind, added.date) == ("outreach", days_ago(3))
    assert added.counts.get().count == 60
    history = ActivityChange.objects.filter(source="import")
    assert {(c.entry_pk, c.action) for c in history} == {
        (first.pk, "updated"),
        (added.pk, "created"),
    }
    assert history.get(action="updated").changed_by == coordinator
    # The second entry did not change: no record, no new version.
    assert ActivityEntry.objects.get(pk=entries[1].pk).version == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"title": ""}, "the title is empty"),
        ({"date": "2026-13-01"}, "is not a date"),
        ({"date": days_ago(-1).isoformat()}, "date is after today"),
        ({"kind": "party"}, "kind 'party' is not one of"),
        ({"agencies:law-enforcement": "-3"}, "is not a whole number from 0"),
        ({"trained:labor": "2.5"}, "is not a whole number from 0"),
        ({"milestones": "no-such-milestone"}, "unknown milestone(s) no-such-milestone"),
        ({"entry": "abc"}, "is not an entry number"),
    ],
)
def test_a_bad_row_is_refused_and_nothing_is_saved(entries, coordinator_client, change, problem):
    rows = _export(coordinator_client, entries[0].task_force)
    rows[1].update(change)
    before = _state()
    response = _upload(coordinator_client, rows)
    page = coordinator_client.get(response["Location"])
    assert page.context["batch"].state == ImportBatch.State.REFUSED
    assert problem in " ".join(page.context["batch"].errors)
    assert "Row 3" in page.context["batch"].errors[0]
    assert _state() == before


def test_an_entry_of_another_task_force_cannot_be_changed_by_number(entries, coordinator_client):
    stranger = log(TaskForceFactory())
    rows = _export(coordinator_client, entries[0].task_force)
    rows[0]["entry"] = str(stranger.pk)
    response = _upload(coordinator_client, rows)
    batch = coordinator_client.get(response["Location"]).context["batch"]
    assert batch.state == ImportBatch.State.REFUSED
    assert f"entry {stranger.pk} is not in the activity log" in batch.errors[0]


def test_an_entry_changed_between_check_and_apply_stops_the_import(
    entries, task_force, coordinator_client, coordinator
):
    from assessments.activity import services

    rows = _export(coordinator_client, task_force)
    rows[0]["title"] = "From the file"
    _upload(coordinator_client, rows)
    batch = ImportBatch.objects.get()
    services.activity_entry_update(
        entry=entries[0],
        date=entries[0].date,
        kind=entries[0].kind,
        title="Meanwhile",
        milestones=[],
        counts={},
        user=coordinator,
        expected_version=1,
    )
    before = _state()
    coordinator_client.post(reverse("assessments:activity_import_apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLY_FAILED
    assert "changed since the check" in batch.failure
    assert _state() == before


def test_program_managers_may_export_but_not_import(entries):
    client = client_for(program_manager())
    assert len(_export(client, entries[0].task_force)) == 2
    assert client.get(UPLOAD).status_code == 403
