"""The partner register's exports (CSV, XLSX) and its import: check, preview,
apply. Who may do what, every kind of bad row refused with nothing changed,
the history an import writes, and a change between check and apply."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.common import importing as import_flow
from assessments.common.spreadsheets import to_csv
from assessments.models import (
    ImportBatch,
    ImportChange,
    MouStatus,
    PartnerAgency,
    RegisterChange,
    Sector,
    TaskForce,
)
from assessments.register.exports import REGISTER_COLUMNS, REGISTER_SHEET
from tests.factories import PartnerAgencyFactory, TaskForceFactory, UserFactory

UPLOAD = reverse("assessments:register_import")


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def register(task_force):
    """Two agencies of the coordinator's task force."""
    shelter = PartnerAgencyFactory(
        task_force=task_force,
        name="Harbor Shelter",
        sector=Sector.objects.get(slug="housing-and-shelter"),
        contact_name="Shelter director",
        contact_email="director@harbor.example.org",
    )
    sheriff = PartnerAgencyFactory(
        task_force=task_force,
        name="County Sheriff",
        sector=Sector.objects.get(slug="law-enforcement"),
        mou_status=MouStatus.SIGNED,
        mou_signed_on=_days(-300),
        mou_renews_on=_days(20),
        version=3,
    )
    return shelter, sheriff


@pytest.fixture
def other(db):
    """Another task force, with its own coordinator and one agency."""
    task_force = TaskForceFactory(name="Other County")
    user = UserFactory()
    task_force.coordinators.add(user)
    PartnerAgencyFactory(task_force=task_force, name="Other Clinic")
    return task_force, user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _manager():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Program managers"))
    return user


def _export(client, task_force=None) -> list[dict]:
    if task_force is None:
        url = reverse("assessments:export_register", args=["csv"])
    else:
        url = reverse("assessments:task_force_export_register", args=[task_force.slug, "csv"])
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _upload(client, rows: list[dict], columns=REGISTER_COLUMNS):
    content = to_csv(columns, rows)
    return client.post(UPLOAD, {"file": SimpleUploadedFile("partners.csv", content)})


def _refused(client, rows: list[dict], columns=REGISTER_COLUMNS):
    """The batch page listing the problems of a file the check refused."""
    response = _upload(client, rows, columns)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.context["batch"].state == ImportBatch.State.REFUSED
    return page


def _row(task_force, agency, **values) -> dict:
    return {
        "task_force": task_force.slug,
        "agency": agency,
        "sector": "victim-services",
        "partnership_type": "referral",
        "mou_status": "none",
        **values,
    }


def _snapshot():
    return (
        list(PartnerAgency.objects.order_by("pk").values()),
        RegisterChange.objects.count(),
        ImportChange.objects.count(),
        list(TaskForce.objects.order_by("pk").values_list("revision", flat=True)),
    )


# Exports ---------------------------------------------------------------------


def test_export_lists_every_agency_with_contacts_and_mou_state(register, coordinator_client):
    rows = _export(coordinator_client, register[0].task_force)
    assert [row["agency"] for row in rows] == ["County Sheriff", "Harbor Shelter"]
    shelter = rows[1]
    assert shelter["sector"] == "Housing and shelter"
    assert shelter["contact_email"] == "director@harbor.example.org"
    assert shelter["mou_state"] == "No signed MOU"
    assert rows[0]["mou_state"] == "Signed, expiring soon"
    assert rows[0]["mou_renews_on"] == _days(20).isoformat()


def test_export_as_xlsx_has_the_same_columns(register, coordinator_client):
    url = reverse(
        "assessments:task_force_export_register", args=[register[0].task_force.slug, "xlsx"]
    )
    response = coordinator_client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [column.label for column in REGISTER_SHEET]
    assert len(rows) == 3


def test_another_task_forces_coordinator_gets_404_on_its_register_export(register, other):
    _, stranger = other
    for fmt in ("csv", "xlsx"):
        url = reverse(
            "assessments:task_force_export_register", args=[register[0].task_force.slug, fmt]
        )
        assert _client(stranger).get(url).status_code == 404


def test_the_all_task_forces_export_holds_only_the_readable_ones(register, other):
    _, stranger = other
    assert [row["agency"] for row in _export(_client(stranger))] == ["Other Clinic"]
    assert len(_export(_client(_manager()))) == 3


# Import: access --------------------------------------------------------------


def test_a_program_manager_gets_403_on_every_step_of_the_import(register, coordinator):
    manager = _client(_manager())
    batch = ImportBatch.objects.create(created_by=coordinator, kind=ImportBatch.Kind.REGISTER)
    assert manager.get(UPLOAD).status_code == 403
    assert _upload(manager, [_row(register[0].task_force, "New")]).status_code == 403
    preview = reverse("assessments:register_import_preview", args=[batch.pk])
    assert manager.get(preview).status_code == 403
    apply = reverse("assessments:register_import_apply", args=[batch.pk])
    before = _snapshot()
    assert manager.post(apply).status_code == 403
    assert _snapshot() == before


def test_a_partner_link_holder_gets_no_register_import_or_export(register):
    anonymous = Client()
    for url in (
        UPLOAD,
        reverse("assessments:export_register", args=["csv"]),
        reverse(
            "assessments:task_force_export_register", args=[register[0].task_force.slug, "csv"]
        ),
    ):
        assert anonymous.get(url)["Location"].startswith("/accounts/login/")


def test_another_users_register_import_is_404(register, coordinator, other):
    _, stranger = other
    batch = ImportBatch.objects.create(created_by=coordinator, kind=ImportBatch.Kind.REGISTER)
    client = _client(stranger)
    assert (
        client.get(reverse("assessments:register_import_preview", args=[batch.pk])).status_code
        == 404
    )
    assert (
        client.post(reverse("assessments:register_import_apply", args=[batch.pk])).status_code
        == 404
    )


def test_status_and_register_batches_open_only_on_their_own_pages(coordinator_client, coordinator):
    status_batch = ImportBatch.objects.create(created_by=coordinator)
    register_batch = ImportBatch.objects.create(
        created_by=coordinator, kind=ImportBatch.Kind.REGISTER
    )
    preview = "assessments:register_import_preview"
    assert coordinator_client.get(reverse(preview, args=[status_batch.pk])).status_code == 404
    status_preview = reverse("assessments:import_preview", args=[register_batch.pk])
    assert coordinator_client.get(status_preview).status_code == 404
    status_apply = reverse("assessments:import_apply", args=[register_batch.pk])
    assert coordinator_client.post(status_apply).status_code == 404


# Import: refusing bad rows ----------------------------------------------------


def test_every_bad_row_is_listed_and_nothing_changes(register, other, coordinator_client, settings):
    settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES = True  # the other task force is readable
    tf = register[0].task_force
    rows = [
        _row(tf, "Fine New Agency"),  # row 2: fine, but nothing applies
        {**_row(tf, "A"), "task_force": "no-such-task-force"},
        _row(tf, "B", sector="Astrology"),
        _row(tf, "C", mou_status="signed-ish"),
        _row(tf, "D", mou_signed_on="31/12/2026"),
        _row(tf, "E", mou_status="signed", mou_signed_on="2026-06-01", mou_renews_on="2026-05-01"),
        _row(other[0], "Other Clinic"),
        _row(tf, "fine new agency"),  # the same as row 2, in another case
        _row(tf, "F", mou_status="signed"),
        _row(tf, "G", mou_covers_data_sharing="maybe"),
        _row(tf, "H", contact_email="not an address"),
        _row(tf, "I", left_on=_days(5).isoformat()),
        _row(tf, ""),
        _row(tf, "J", partnership_type="friendship"),
    ]
    before = _snapshot()
    response = _refused(coordinator_client, rows)
    errors = response.context["errors"]
    assert errors == [
        "Row 3: unknown task force 'no-such-task-force'.",
        "Row 4: unknown sector 'Astrology'.",
        "Row 5: mou_status 'signed-ish' is not one of None, Drafting, In legal review, "
        "Signed, Expired (or their codes none, drafting, legal_review, signed, expired).",
        "Row 6: mou_signed_on '31/12/2026' is not a date (YYYY-MM-DD).",
        "Row 7: mou_renews_on is before mou_signed_on.",
        f"Row 8: you may not change task force '{other[0].slug}'.",
        "Row 9: the same task force and agency as row 2.",
        "Row 10: a signed MOU needs mou_signed_on.",
        "Row 11: mou_covers_data_sharing 'maybe' is not yes or no.",
        "Row 12: contact_email 'not an address' is not an e-mail.",
        "Row 13: left_on is after today.",
        "Row 14: the agency name is empty.",
        "Row 15: partnership_type 'friendship' is not one of Referral, Information sharing, "
        "Joint services (or their codes referral, information_sharing, joint_services).",
    ]
    assert "Nothing was imported: the file has 13 problems" in response.content.decode()
    assert _snapshot() == before


def test_a_coordinator_without_reading_rights_sees_another_task_force_as_unknown(
    register, other, coordinator_client
):
    response = _refused(coordinator_client, [_row(other[0], "Other Clinic", sector="labor")])
    assert response.context["errors"] == [f"Row 2: unknown task force '{other[0].slug}'."]
    assert PartnerAgency.objects.get(name="Other Clinic").sector.slug == "victim-services"


def test_a_file_without_the_columns_is_refused(register, coordinator_client):
    response = _refused(coordinator_client, [{"task_force": "x"}], columns=["task_force", "agency"])
    assert "the header is missing the column(s) sector" in response.context["errors"][0]


def test_a_file_over_the_size_limit_is_refused(register, coordinator_client, monkeypatch):
    monkeypatch.setattr(import_flow, "MAX_FILE_BYTES", 100)  # both kinds share the limit
    before = _snapshot()
    response = _upload(coordinator_client, [_row(register[0].task_force, "X" * 150)])
    assert response.status_code == 400
    assert "The file is too large" in response.context["errors"][0]
    assert _snapshot() == before


def test_a_file_that_is_no_spreadsheet_is_refused(coordinator_client, coordinator):
    upload = SimpleUploadedFile("partners.xlsx", b"PK\x03\x04 not a zip at all")
    response = coordinator_client.post(UPLOAD, {"file": upload}, follow=True)
    assert response.context["batch"].state == ImportBatch.State.REFUSED
    assert "The XLSX file cannot be read" in response.context["errors"][0]


# Import: check, preview, apply -------------------------------------------------


def test_an_export_imports_back_unchanged(register, coordinator_client):
    rows = _export(coordinator_client, register[0].task_force)
    response = _upload(coordinator_client, rows)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.change_count, batch.unchanged) == (ImportBatch.Kind.REGISTER, 0, 2)
    assert not batch.planned.exists()


def test_import_adds_and_changes_agencies_and_writes_their_history(
    register, coordinator_client, coordinator
):
    shelter, sheriff = register
    tf = shelter.task_force
    revision = TaskForce.objects.get(pk=tf.pk).revision
    rows = _export(coordinator_client, tf)
    by_name = {row["agency"]: row for row in rows}
    # In another case: the same agency.
    by_name["Harbor Shelter"].update(
        agency="HARBOR SHELTER",
        mou_status="Signed",
        mou_signed_on=_days(-2).isoformat(),
        mou_covers_data_sharing="yes",
    )
    by_name["County Sheriff"]["left_on"] = _days(-1).isoformat()
    rows.append(_row(tf, "Survivor Alliance", sector="Survivor-led organizations"))
    response = _upload(coordinator_client, rows)
    assert response.status_code == 302
    preview = coordinator_client.get(response["Location"])
    html = preview.content.decode()
    assert "1 agency will be added and 2 changed" in html
    assert "MOU status: <span" in html and "None</span> → Signed" in html
    assert PartnerAgency.objects.filter(name="Survivor Alliance").count() == 0  # not yet

    batch = ImportBatch.objects.get()
    apply = reverse("assessments:register_import_apply", args=[batch.pk])
    response = coordinator_client.post(apply)
    # The result links to the register of the one task force the file was about.
    assert response.status_code == 302
    result = coordinator_client.get(response["Location"]).content.decode()
    assert f'href="{reverse("assessments:register", args=[tf.slug])}"' in result
    shelter.refresh_from_db()
    sheriff.refresh_from_db()
    assert shelter.name == "Harbor Shelter"  # the key, never renamed by an import
    assert (shelter.mou_status, shelter.mou_signed_on) == (MouStatus.SIGNED, _days(-2))
    assert shelter.mou_covers_data_sharing is True
    assert (shelter.version, shelter.updated_by) == (1, coordinator)
    assert (sheriff.left_on, sheriff.version) == (_days(-1), 4)
    added = PartnerAgency.objects.get(name="Survivor Alliance")
    assert (added.sector.slug, added.version, added.task_force) == (
        "survivor-led-organizations",
        1,
        tf,
    )
    history = {change.agency_name: change for change in RegisterChange.objects.all()}
    assert len(history) == 3
    assert history["Harbor Shelter"].action == RegisterChange.Action.UPDATED
    assert history["Harbor Shelter"].changes == {
        "mou_status": ["none", "signed"],
        "mou_signed_on": [None, _days(-2).isoformat()],
        "mou_covers_data_sharing": [False, True],
    }
    assert history["County Sheriff"].action == RegisterChange.Action.LEFT
    assert history["Survivor Alliance"].action == RegisterChange.Action.CREATED
    assert history["Survivor Alliance"].changes["sector"] == [None, "Survivor-led organizations"]
    assert history["Survivor Alliance"].changes["name"] == [None, "Survivor Alliance"]
    for change in history.values():
        assert (change.source, change.changed_by, change.task_force) == (
            RegisterChange.Source.IMPORT,
            coordinator,
            tf,
        )
    # The task force's pages show it at once.
    assert TaskForce.objects.get(pk=tf.pk).revision > revision
    batch.refresh_from_db()
    assert batch.applied_at is not None
    # Applying twice changes nothing more.
    coordinator_client.post(apply)
    assert RegisterChange.objects.count() == 3


def test_staff_import_rows_of_every_task_force(register, other):
    staff = _client(UserFactory(is_staff=True))
    rows = [_row(register[0].task_force, "Staff Added"), _row(other[0], "Other Added")]
    assert _upload(staff, rows).status_code == 302
    batch = ImportBatch.objects.get()
    response = staff.post(reverse("assessments:register_import_apply", args=[batch.pk]))
    assert PartnerAgency.objects.filter(name__endswith=" Added").count() == 2
    # A file about several task forces: the result lists what changed.
    assert response["Location"] == reverse("assessments:register_import_preview", args=[batch.pk])
    assert "Other Added" in staff.get(response["Location"]).content.decode()


def test_an_agency_changed_since_the_check_stops_the_whole_import(register, coordinator_client):
    shelter, sheriff = register
    rows = _export(coordinator_client, shelter.task_force)
    for row in rows:
        row["contact_phone"] = "555-0100"
    rows.append(_row(shelter.task_force, "Brand New"))
    _upload(coordinator_client, rows)
    batch = ImportBatch.objects.get()
    # Someone saves the sheriff through the register page meanwhile.
    PartnerAgency.objects.filter(pk=sheriff.pk).update(version=4, contact_name="Undersheriff")
    before = _snapshot()
    response = coordinator_client.post(
        reverse("assessments:register_import_apply", args=[batch.pk]), follow=True
    )
    html = response.content.decode()
    assert "Nothing was changed." in html
    assert "County Sheriff was changed since the check." in html
    assert _snapshot() == before


def test_an_agency_added_since_the_check_stops_the_whole_import(register, coordinator_client):
    tf = register[0].task_force
    _upload(coordinator_client, [_row(tf, "Late Comer")])
    batch = ImportBatch.objects.get()
    PartnerAgencyFactory(task_force=tf, name="late comer")
    before = _snapshot()
    response = coordinator_client.post(
        reverse("assessments:register_import_apply", args=[batch.pk]), follow=True
    )
    assert "Late Comer was added to the register since the check." in response.content.decode()
    assert _snapshot() == before


def test_a_coordinator_removed_since_the_check_changes_nothing(
    register, coordinator_client, coordinator
):
    tf = register[0].task_force
    _upload(coordinator_client, [_row(tf, "Too Late")])
    tf.coordinators.remove(coordinator)
    tf.coordinators.add(UserFactory())  # still someone's: the page stays reachable
    coordinator.coordinated_task_forces.add(TaskForceFactory())  # still an editor somewhere
    before = _snapshot()
    batch = ImportBatch.objects.get()
    response = coordinator_client.post(
        reverse("assessments:register_import_apply", args=[batch.pk]), follow=True
    )
    assert f"You may no longer change {tf.name}." in response.content.decode()
    assert _snapshot() == before


# Queries ---------------------------------------------------------------------


def _import_queries(client) -> tuple[int, int]:
    rows = _export(client)
    for row in rows:
        row["contact_phone"] = "555-0199" if row["contact_phone"] != "555-0199" else "555-0100"
    with CaptureQueriesContext(connection) as check:
        assert _upload(client, rows).status_code == 302
    batch = ImportBatch.objects.latest("pk")
    assert batch.planned.count() == len(rows)
    with CaptureQueriesContext(connection) as apply:
        response = client.post(reverse("assessments:register_import_apply", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.applied_at is not None
    return len(check), len(apply)


def _add_task_forces(count: int) -> None:
    for task_force in TaskForceFactory.create_batch(count):
        for i in range(3):
            PartnerAgencyFactory(task_force=task_force, name=f"Agency {i}")


def test_a_register_import_takes_the_same_queries_for_2_and_3_task_forces(db):
    staff = _client(UserFactory(is_staff=True))
    _add_task_forces(2)
    few = _import_queries(staff)
    _add_task_forces(1)
    many = _import_queries(staff)
    assert few == many, (few, many)
    # Each step's request and its job, with the queue's own queries (about 8).
    assert max(many) <= 30, many


@pytest.mark.parametrize("scope", ["one", "all"])
def test_register_exports_take_the_same_queries_for_2_and_many_task_forces(
    scope, db, django_assert_max_num_queries
):
    staff = _client(UserFactory(is_staff=True))
    _add_task_forces(2)
    first = TaskForce.objects.order_by("pk").first()
    args = [first.slug, "csv"] if scope == "one" else ["csv"]
    name = "task_force_export_register" if scope == "one" else "export_register"
    url = reverse(f"assessments:{name}", args=args)
    with CaptureQueriesContext(connection) as captured:
        staff.get(url)
    _add_task_forces(20)
    with django_assert_max_num_queries(len(captured)):
        assert staff.get(url).status_code == 200


def test_the_dashboard_links_the_register_export_and_for_editors_the_import(coordinator_client):
    export = reverse("assessments:export_register", args=["csv"])
    html = coordinator_client.get(reverse("assessments:dashboard")).content.decode()
    assert f'href="{export}"' in html and f'href="{UPLOAD}"' in html
    html = _client(_manager()).get(reverse("assessments:dashboard")).content.decode()
    assert f'href="{export}"' in html and f'href="{UPLOAD}"' not in html
