"""The status import and the partner register import are one flow: both
kinds' upload and preview pages render through the same two templates, each
with its own wording."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.common.spreadsheets import to_csv
from assessments.register.exports import REGISTER_COLUMNS

UPLOAD_TEMPLATE = "assessments/common/import.html"
PREVIEW_TEMPLATE = "assessments/common/import_preview.html"


def _template_names(response) -> set[str]:
    return {template.name for template in response.templates}


def _status_file(client, task_force) -> bytes:
    """The task force's export with one status changed."""
    url = reverse("assessments:task_force_export_statuses", args=[task_force.slug, "csv"])
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    rows = list(reader)
    rows[0]["status"] = "planning" if rows[0]["status"] != "planning" else "achieved"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=reader.fieldnames)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _register_file(task_force) -> bytes:
    row = {
        "task_force": task_force.slug,
        "agency": "Harbor Shelter",
        "sector": "victim-services",
        "partnership_type": "referral",
        "mou_status": "none",
    }
    return to_csv(REGISTER_COLUMNS, [row])


def _upload_and_preview(client, route: str, content: bytes):
    upload_page = client.get(reverse(route))
    response = client.post(reverse(route), {"file": SimpleUploadedFile("file.csv", content)})
    assert response.status_code == 302, response.content.decode()
    return upload_page, client.get(response["Location"])


def test_both_kinds_render_through_the_same_templates_with_their_own_wording(
    guidance, task_force, coordinator_client
):
    status_upload, status_preview = _upload_and_preview(
        coordinator_client, "assessments:import", _status_file(coordinator_client, task_force)
    )
    register_upload, register_preview = _upload_and_preview(
        coordinator_client, "assessments:register_import", _register_file(task_force)
    )

    assert UPLOAD_TEMPLATE in _template_names(status_upload)
    assert UPLOAD_TEMPLATE in _template_names(register_upload)
    assert PREVIEW_TEMPLATE in _template_names(status_preview)
    assert PREVIEW_TEMPLATE in _template_names(register_preview)

    assert "Import statuses from a spreadsheet" in status_upload.content.decode()
    assert "Import partner agencies from a spreadsheet" in register_upload.content.decode()
    status_html = status_preview.content.decode()
    assert "1 status will change; 27 rows already match" in status_html
    assert '<th scope="col">Milestone</th>' in status_html
    assert reverse("assessments:import_apply", args=[status_preview.context["batch"].pk]) in (
        status_html
    )
    register_html = register_preview.content.decode()
    assert "1 agency will be added and 0 changed" in register_html
    assert '<th scope="col">Agency</th>' in register_html
    assert 'Harbor Shelter <span class="badge text-bg-secondary">new</span>' in register_html
    assert (
        reverse("assessments:register_import_apply", args=[register_preview.context["batch"].pk])
        in register_html
    )
