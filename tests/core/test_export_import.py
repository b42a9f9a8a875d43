"""Exports (CSV and XLSX) and the spreadsheet import: checked row by row,
previewed, applied all or nothing."""

import csv
import datetime
import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, OperationalError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.common import importing as import_flow
from assessments.common.spreadsheets import to_xlsx
from assessments.core import importing, services
from assessments.models import ImportBatch, ImportChange, MilestoneStatus, Status, StatusChange
from assessments.pages.exports import STATUS_COLUMNS
from stages.models import Milestone
from tests.factories import TaskForceFactory, UserFactory


@pytest.fixture
def recorded(guidance, task_force, coordinator):
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.ACHIEVED,
        lead_partner="Sheriff's Office",
        target_date=datetime.date(2027, 3, 31),
        notes='=HYPERLINK("http://evil")',  # a formula must not run in Excel
        user=coordinator,
    )
    return task_force


def _csv_rows(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _export(client, task_force, fmt="csv"):
    return client.get(
        reverse("assessments:task_force_export_statuses", args=[task_force.slug, fmt])
    )


def test_csv_export_has_one_row_per_milestone_with_iso_dates(recorded, coordinator_client):
    response = _export(coordinator_client, recorded)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert len(rows) == 28
    assert list(rows[0]) == STATUS_COLUMNS
    mou = next(row for row in rows if row["milestone"] == "task-force-mou")
    assert mou["status"] == "achieved"
    assert mou["target_date"] == "2027-03-31"
    assert mou["status_since"].endswith("+00:00")  # ISO 8601, UTC
    assert mou["notes"] == '\'=HYPERLINK("http://evil")'
    other = next(row for row in rows if row["milestone"] == "youth-voice")
    assert other["status"] == "not_started"


def test_xlsx_export_opens_with_the_same_rows_under_labels(recorded, coordinator_client):
    response = _export(coordinator_client, recorded, "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [column.label for column in importing.STATUS_SHEET]
    assert len(rows) == 29


def test_export_of_all_task_forces_covers_only_those_the_user_may_read(
    recorded, coordinator_client
):
    TaskForceFactory(slug="not-mine")
    rows = _csv_rows(coordinator_client.get(reverse("assessments:export_statuses", args=["csv"])))
    assert {row["task_force"] for row in rows} == {recorded.slug}


def test_history_export_lists_the_changes(recorded, coordinator_client):
    response = coordinator_client.get(
        reverse("assessments:task_force_export_history", args=[recorded.slug, "csv"])
    )
    rows = _csv_rows(response)
    assert [(r["milestone"], r["old_status"], r["new_status"]) for r in rows] == [
        ("task-force-mou", "not_started", "achieved")
    ]


def test_exports_are_refused_to_outsiders(recorded, client):
    outsider = UserFactory()
    TaskForceFactory().coordinators.add(outsider)
    client.force_login(outsider)
    assert _export(client, recorded).status_code == 404
    client.logout()
    assert _export(client, recorded).status_code == 302


def _upload(client, content, name="statuses.csv"):
    return client.post(reverse("assessments:import"), {"file": SimpleUploadedFile(name, content)})


def _refused(client, content, name="statuses.csv"):
    """The page that lists a refused file's problems: the upload page for a
    file the form refuses, else the batch page once the check has run."""
    response = _upload(client, content, name)
    if response.status_code == 400:
        return response
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.context["batch"].state == ImportBatch.State.REFUSED
    return page


def _state():
    return (
        list(
            MilestoneStatus.objects.values_list(
                "pk", "status", "notes", "lead_partner", "target_date", "version"
            )
        ),
        StatusChange.objects.count(),
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(recorded, coordinator_client, fmt):
    exported = _export(coordinator_client, recorded, fmt).content
    before = _state()
    response = _upload(coordinator_client, exported, f"export.{fmt}")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert not batch.planned.exists()
    assert batch.unchanged == 28
    preview = coordinator_client.get(response["Location"])
    assert "There is nothing to change" in preview.content.decode()
    assert _state() == before


def _edited_export(client, task_force, edits):
    rows = _csv_rows(_export(client, task_force))
    for row in rows:
        row.update(edits.get(row["milestone"], {}))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=STATUS_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_import_previews_then_applies_every_change_into_the_history(
    recorded, coordinator, coordinator_client
):
    content = _edited_export(
        coordinator_client,
        recorded,
        {
            "task-force-mou": {"status": "lapsed", "notes": "MOU expired"},
            "youth-voice": {"status": "In progress", "target_date": "2027-06-30"},
        },
    )
    response = _upload(coordinator_client, content)
    assert response.status_code == 302
    preview = coordinator_client.get(response["Location"]).content.decode()
    assert "2 statuses will change; 26 rows already match" in preview
    assert MilestoneStatus.objects.get(milestone__slug="task-force-mou").status == "achieved"
    batch = ImportBatch.objects.get()
    applied = coordinator_client.post(reverse("assessments:import_apply", args=[batch.pk]))
    assert applied.status_code == 302
    # The batch's page says so, with a link to the task force the file was about.
    result = coordinator_client.get(applied["Location"]).content.decode()
    assert "Imported: 2 statuses changed." in result
    assert f'href="{reverse("assessments:task_force", args=[recorded.slug])}"' in result
    mou = MilestoneStatus.objects.get(milestone__slug="task-force-mou")
    assert (mou.status, mou.notes) == ("lapsed", "MOU expired")
    youth = MilestoneStatus.objects.get(milestone__slug="youth-voice")
    assert (youth.status, youth.target_date) == ("in_progress", datetime.date(2027, 6, 30))
    imported = StatusChange.objects.filter(source="import")
    assert imported.count() == 2
    assert all(change.changed_by == coordinator for change in imported)
    # Applying twice does nothing more.
    coordinator_client.post(reverse("assessments:import_apply", args=[batch.pk]))
    assert StatusChange.objects.filter(source="import").count() == 2


def test_applying_is_all_or_nothing_when_a_status_changed_since_the_check(
    recorded, coordinator, coordinator_client
):
    content = _edited_export(
        coordinator_client,
        recorded,
        {"agency-awareness": {"status": "planning"}, "task-force-mou": {"status": "lapsed"}},
    )
    _upload(coordinator_client, content)
    batch = ImportBatch.objects.get()
    # Someone changes one of the statuses between the preview and "Apply".
    services.milestone_status_update(
        task_force=recorded,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.IN_PROGRESS,
        user=UserFactory(first_name="Sam", last_name="Ode"),
    )
    before = _state()
    response = coordinator_client.post(
        reverse("assessments:import_apply", args=[batch.pk]), follow=True
    )
    assert "Nothing was changed" in response.content.decode()
    saved_at = timezone.localtime(MilestoneStatus.objects.get().updated_at)
    assert (
        f"{recorded.name}: Task Force MOU: Not saved: Sam Ode saved this at {saved_at:%H:%M}, "
        "after you opened it. Check what it holds now, then change it again if needed."
    ) in html.unescape(response.content.decode())
    assert _state() == before
    assert not MilestoneStatus.objects.filter(milestone__slug="agency-awareness").exists()


def _header():
    return "task_force,milestone,status,lead_partner,target_date,notes\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"name,colour\nx,y\n",
            ["Row 1: the header is missing the column(s) task_force, milestone"],
        ),
        (b"", ["The submitted file is empty."]),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["neither a CSV file"]),
        (b"PK\x03\x04 this is not really a zip file", ["The XLSX file cannot be read"]),
        (b"\xff\xfe\x00b\x00a\x00d", ["neither a CSV file in UTF-8"]),
    ],
)
def test_a_file_that_is_not_a_usable_spreadsheet_is_refused(
    recorded, coordinator_client, content, expected
):
    before = _state()
    response = _refused(coordinator_client, content)
    errors = response.context["errors"] + response.context["form"].errors.get("file", [])
    for text in expected:
        assert any(text in error for error in errors), errors
    assert _state() == before
    # A refused file leaves a refused batch with its problems, and no plan.
    assert not ImportBatch.objects.exclude(state=ImportBatch.State.REFUSED).exists()
    assert not ImportChange.objects.exists()


def test_every_bad_row_is_named_and_nothing_changes(recorded, coordinator_client):
    slug = recorded.slug
    content = (
        _header()
        + f"{slug},agency-awareness,achieved,,,\n"  # row 2: fine
        + "nowhere,agency-awareness,achieved,,,\n"  # row 3: unknown task force
        + f"{slug},no-such-milestone,achieved,,,\n"  # row 4: unknown milestone
        + f"{slug},treatment,finished,,,\n"  # row 5: bad status
        + f"{slug},case-review,planning,,31/12/2027,\n"  # row 6: bad date
        + f"{slug},youth-voice,planning,{'x' * 201},,\n"  # row 7: too long
        + f"{slug},agency-awareness,planning,,,\n"  # row 8: duplicate of row 2
    ).encode()
    before = _state()
    response = _refused(coordinator_client, content)
    errors = response.context["errors"]
    assert [error.split(":")[0] for error in errors] == [
        "Row 3",
        "Row 4",
        "Row 5",
        "Row 6",
        "Row 7",
        "Row 8",
    ]
    assert "unknown task force 'nowhere'" in errors[0]
    assert "unknown milestone 'no-such-milestone'" in errors[1]
    assert "status 'finished' is not one of" in errors[2]
    assert "target date '31/12/2027' is not a date" in errors[3]
    assert "lead_partner is longer than 200 characters" in errors[4]
    assert "the same task force and milestone as row 2" in errors[5]
    assert "Nothing was imported: the file has 6 problems" in response.content.decode()
    assert _state() == before


def test_rows_for_a_task_force_the_user_does_not_coordinate_are_refused(
    recorded, coordinator_client, settings
):
    other = TaskForceFactory(slug="someone-else")
    content = (_header() + "someone-else,agency-awareness,achieved,,,\n").encode()
    errors = _refused(coordinator_client, content).context["errors"]
    assert errors == ["Row 2: unknown task force 'someone-else'."]
    # Readable (the setting) but still not editable.
    settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES = True
    errors = _refused(coordinator_client, content).context["errors"]
    assert errors == ["Row 2: you may not change task force 'someone-else'."]
    assert not MilestoneStatus.objects.filter(task_force=other).exists()


def test_the_export_lists_a_retired_milestone_only_where_a_status_is_recorded(
    recorded, coordinator_client
):
    Milestone.objects.filter(slug__in=["task-force-mou", "youth-voice"]).update(is_active=False)
    listed = [row["milestone"] for row in _csv_rows(_export(coordinator_client, recorded))]
    assert "task-force-mou" in listed  # retired, but its status is kept
    assert "youth-voice" not in listed
    assert len(listed) == 27


@pytest.mark.parametrize(
    "error", [IntegrityError("duplicate key"), OperationalError("database is locked")]
)
def test_a_write_conflict_during_apply_shows_the_changed_since_page_not_an_error(
    recorded, coordinator_client, monkeypatch, error
):
    content = _edited_export(coordinator_client, recorded, {"task-force-mou": {"status": "lapsed"}})
    _upload(coordinator_client, content)
    batch = ImportBatch.objects.get()

    def conflicting_save(**kwargs):
        raise error

    monkeypatch.setattr(importing.services, "milestone_statuses_update", conflicting_save)
    response = coordinator_client.post(
        reverse("assessments:import_apply", args=[batch.pk]), follow=True
    )
    assert response.redirect_chain == [
        (reverse("assessments:import_preview", args=[batch.pk]), 302)
    ]
    assert (
        "Nothing was changed. Someone changed these statuses while the import was being "
        "applied. Upload the file again to re-check it."
    ) in response.content.decode()
    batch.refresh_from_db()
    assert batch.applied_at is None
    assert MilestoneStatus.objects.get().status == Status.ACHIEVED


def test_a_retired_milestone_is_refused(recorded, coordinator_client):
    Milestone.objects.filter(slug="youth-voice").update(is_active=False)
    content = (_header() + f"{recorded.slug},youth-voice,achieved,,,\n").encode()
    errors = _refused(coordinator_client, content).context["errors"]
    assert errors == ["Row 2: milestone 'youth-voice' is retired and takes no updates."]


def test_a_too_large_file_is_refused(recorded, coordinator_client, monkeypatch):
    monkeypatch.setattr(import_flow, "MAX_FILE_BYTES", 100)  # both kinds share the limit
    response = _upload(coordinator_client, (_header() * 10).encode())
    assert response.status_code == 400
    assert "The file is too large" in response.context["errors"][0]


def test_an_xlsx_import_works_too(recorded, coordinator_client):
    rows = [
        {
            "task_force": recorded.slug,
            "milestone": "treatment",
            "status": "planning",
            "target_date": datetime.date(2027, 1, 15),
        }
    ]
    content = to_xlsx(importing.REQUIRED_COLUMNS, rows, title="statuses")
    response = _upload(coordinator_client, content, "statuses.xlsx")
    assert response.status_code == 302
    change = ImportBatch.objects.get().planned.get()
    assert change.values["target_date"] == "2027-01-15"


def test_program_managers_cannot_import(world, client):
    client.force_login(world["users"]["program_manager"])
    assert client.get(reverse("assessments:import")).status_code == 403


def test_another_users_import_is_404(recorded, coordinator_client):
    batch = ImportBatch.objects.create(created_by=UserFactory())
    assert (
        coordinator_client.get(reverse("assessments:import_preview", args=[batch.pk])).status_code
        == 404
    )
    assert (
        coordinator_client.post(reverse("assessments:import_apply", args=[batch.pk])).status_code
        == 404
    )


def test_export_query_count_does_not_grow_with_task_forces(
    guidance, staff_user, client, django_assert_max_num_queries
):
    client.force_login(staff_user)
    url = reverse("assessments:export_statuses", args=["csv"])
    TaskForceFactory.create_batch(3)
    with django_assert_max_num_queries(10):
        client.get(url)
    TaskForceFactory.create_batch(27)
    with django_assert_max_num_queries(10):
        assert len(_csv_rows(client.get(url))) == 30 * 28


def test_an_import_for_several_task_forces_ends_on_a_summary_of_what_changed(
    recorded, coordinator, coordinator_client
):
    other = TaskForceFactory(name="Second County Task Force")
    other.coordinators.add(coordinator)
    content = (
        "task_force,milestone,status,lead_partner,target_date,notes\r\n"
        f"{recorded.slug},youth-voice,planning,,,\r\n"
        f"{other.slug},task-force-mou,in_progress,,,\r\n"
    ).encode()
    preview = _upload(coordinator_client, content)
    applied = coordinator_client.post(preview["Location"] + "apply/", follow=True)
    assert applied.redirect_chain == [(preview["Location"], 302)]
    html = applied.content.decode()
    assert "Import applied" in html
    assert "2 statuses changed" in html
    assert "Second County Task Force" in html
    assert "Imported: 2 statuses changed." in html
