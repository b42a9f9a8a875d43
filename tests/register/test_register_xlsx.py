"""The partner register's XLSX export, for a person in Excel, and its import
back: labels, dates and words map back to what the register holds, so a
round trip changes nothing, and a label the import does not know is named."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments.common.sheets import DATE_FORMAT, DATETIME_FORMAT
from assessments.models import ImportBatch, ImportChange, PartnerAgency, RegisterChange
from assessments.register.exports import REGISTER_SHEET
from assessments.register.models import MouStatus, PartnershipType, Sector
from tests.factories import PartnerAgencyFactory, TaskForceFactory
from tests.xlsx_files import assert_readable_layout, export_sheet, keyed_rows

UPLOAD = reverse("assessments:register_import")
SIGNED_ON = datetime.date(2026, 1, 12)
RENEWS_ON = datetime.date(2028, 1, 12)


@pytest.fixture
def register(task_force, coordinator):
    coordinator.first_name, coordinator.last_name = "Casey", "Coordinator"
    coordinator.save()
    PartnerAgencyFactory(
        task_force=task_force,
        name="Harbor Shelter",
        sector=Sector.objects.get(slug="housing-and-shelter"),
        partnership_type=PartnershipType.JOINT_SERVICES,
        mou_status=MouStatus.LEGAL_REVIEW,
        contact_email="director@harbor.example.org",
        shown_to_partners=True,
        updated_by=coordinator,
    )
    PartnerAgencyFactory(
        task_force=task_force,
        name="County Sheriff",
        sector=Sector.objects.get(slug="law-enforcement"),
        mou_status=MouStatus.SIGNED,
        mou_signed_on=SIGNED_ON,
        mou_renews_on=RENEWS_ON,
        mou_covers_data_sharing=True,
    )
    return task_force


def _xlsx(client, task_force) -> bytes:
    url = reverse("assessments:task_force_export_register", args=[task_force.slug, "xlsx"])
    response = client.get(url)
    assert response.status_code == 200
    return response.content


def _state():
    return (
        list(PartnerAgency.objects.order_by("pk").values()),
        RegisterChange.objects.count(),
        ImportChange.objects.count(),
    )


def _upload(client, content: bytes):
    upload = SimpleUploadedFile("partners.xlsx", content)
    response = client.post(UPLOAD, {"file": upload})
    assert response.status_code == 302
    return client.get(response["Location"])


def test_register_xlsx_reads_in_words_with_excel_dates(register, coordinator_client):
    sheet = export_sheet(_xlsx(coordinator_client, register))

    assert_readable_layout(sheet, REGISTER_SHEET, "Partner register")
    sheriff, shelter = keyed_rows(sheet, REGISTER_SHEET)
    assert sheriff["agency"].value == "County Sheriff"
    assert sheriff["mou_status"].value == "Signed"
    assert sheriff["partnership_type"].value == "Referral"
    assert sheriff["mou_signed_on"].value == datetime.datetime(2026, 1, 12)
    assert sheriff["mou_signed_on"].number_format == DATE_FORMAT
    assert sheriff["mou_renews_on"].is_date
    assert sheriff["updated_at"].number_format == DATETIME_FORMAT
    agency = PartnerAgency.objects.get(name="Harbor Shelter")
    assert shelter["updated_at"].value == timezone.localtime(agency.updated_at).replace(
        tzinfo=None, microsecond=0
    )
    assert shelter["mou_status"].value == "In legal review"
    assert shelter["partnership_type"].value == "Joint services"
    assert shelter["sector"].value == "Housing and shelter"
    assert shelter["updated_by"].value == "Casey Coordinator"
    assert shelter["mou_signed_on"].value is None


def test_an_exported_xlsx_imports_back_with_no_change(register, coordinator_client):
    content = _xlsx(coordinator_client, register)
    before = _state()

    preview = _upload(coordinator_client, content)

    batch = preview.context["batch"]
    assert batch.state == ImportBatch.State.CHECKED
    assert "There is nothing to change" in preview.content.decode()
    assert batch.change_count == 0 and batch.unchanged == 2
    assert _state() == before


def test_an_xlsx_edited_in_excel_imports_its_change(register, coordinator_client):
    sheet = export_sheet(_xlsx(coordinator_client, register))
    rows = keyed_rows(sheet, REGISTER_SHEET)
    rows[1]["mou_status"].value = "Signed"
    rows[1]["mou_signed_on"].value = datetime.datetime(2026, 5, 4)
    buffer = io.BytesIO()
    sheet.parent.save(buffer)

    preview = _upload(coordinator_client, buffer.getvalue())

    (change,) = preview.context["batch"].planned.all()
    assert change.subject == "Harbor Shelter"
    assert change.differences == {
        "mou_status": ["legal_review", "signed"],
        "mou_signed_on": [None, "2026-05-04"],
    }


def test_an_xlsx_with_an_unknown_label_is_refused_by_name_and_saves_nothing(
    register, coordinator_client
):
    sheet = export_sheet(_xlsx(coordinator_client, register))
    keyed_rows(sheet, REGISTER_SHEET)[0]["mou_status"].value = "Signed at last"
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    before = _state()

    page = _upload(coordinator_client, buffer.getvalue())

    assert page.context["batch"].state == ImportBatch.State.REFUSED
    assert page.context["errors"] == [
        "Row 2: mou_status 'Signed at last' is not one of None, Drafting, In legal review, "
        "Signed, Expired (or their codes none, drafting, legal_review, signed, expired)."
    ]
    assert _state() == before


def test_the_register_xlsx_holds_only_readable_task_forces(register, coordinator_client):
    PartnerAgencyFactory(task_force=TaskForceFactory(), name="Other Clinic")
    content = coordinator_client.get(reverse("assessments:export_register", args=["xlsx"])).content
    rows = keyed_rows(export_sheet(content), REGISTER_SHEET)
    assert {row["agency"].value for row in rows} == {"County Sheriff", "Harbor Shelter"}
