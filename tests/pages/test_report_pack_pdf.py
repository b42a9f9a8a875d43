"""The report pack's PDF, rendered for real (WeasyPrint), holds the CSV's tables."""

import io
import os

import pytest
from pypdf import PdfReader

from tests.activity.support import client_for
from tests.factories import program_manager
from tests.pages.pack_support import generate, read_tables

pytestmark = [pytest.mark.django_db]
try:
    import weasyprint  # noqa: F401
except OSError as error:  # Pango missing: docs/configuration.md says how to install it
    if os.environ.get("CI"):
        raise
    pytestmark.append(pytest.mark.skip(f"WeasyPrint cannot load Pango here: {error}"))


def test_the_pdf_shows_the_same_tables_as_the_csv(settings):
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 100  # in the request (a job's is the same file)
    generate(4)
    client = client_for(program_manager())
    query = {"period": "2025-H2"}
    pdf = client.get("/report-pack/", {**query, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    tables = read_tables(client.get("/report-pack/", {**query, "format": "csv"}).content.decode())
    flat = " ".join(text.split())
    for title, rows in tables.items():
        assert title in flat
        for row in rows[1:]:
            assert " ".join([row[0], *row[1:]]) in flat, (title, row)
