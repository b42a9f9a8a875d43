"""Printable reports: HTML, PDF download, and the `report` command."""

import io
import os
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from assessments.models import MilestoneStatus, Status
from stages.models import Milestone
from tests.factories import TaskForceFactory

try:
    import weasyprint  # noqa: F401
except OSError as error:  # Pango missing: docs/configuration.md says how to install it
    if os.environ.get("CI"):
        raise
    pytestmark = pytest.mark.skip(f"WeasyPrint cannot load Pango here: {error}")


def _pages(pdf: bytes) -> int:
    """Pages of a PDF that a PDF reader can open (pypdf parses it strictly)."""
    assert pdf.startswith(b"%PDF-")
    return len(PdfReader(io.BytesIO(pdf), strict=True).pages)


@pytest.fixture
def task_forces(guidance):
    made = [TaskForceFactory(name=f"County {n}", region="Valley") for n in "ABC"]
    MilestoneStatus.objects.create(
        task_force=made[0],
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.LAPSED,
    )
    return made


def test_task_force_report_is_printable_html(task_forces, client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("assessments:report", args=[task_forces[0].slug]))
    html = response.content.decode()
    assert '<h1 class="tf-title">County A</h1>' in html
    assert "Next priorities" in html and "Review due" in html
    assert "css/report.css" in html
    assert "Task Force MOU" in html  # the lapsed milestone heads the priorities


def test_task_force_pdf_download(task_forces, client, staff_user):
    client.force_login(staff_user)
    url = reverse("assessments:report", args=[task_forces[0].slug])
    response = client.get(url, {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    assert _pages(response.content) >= 1


def test_statewide_pdf_is_a_summary_without_a_page_per_task_force(task_forces, client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("assessments:statewide_report"), {"format": "pdf"})
    assert _pages(response.content) < len(task_forces)
    assert 'filename="statewide-report-' in response["Content-Disposition"]


def test_statewide_pdf_with_a_region_adds_a_page_per_task_force_of_it(
    task_forces, client, staff_user
):
    TaskForceFactory(name="Elsewhere", region="Coast")
    client.force_login(staff_user)
    response = client.get(
        reverse("assessments:statewide_report"), {"format": "pdf", "region": "Valley"}
    )
    assert _pages(response.content) >= 1 + len(task_forces)
    assert 'filename="statewide-valley-report-' in response["Content-Disposition"]


def test_statewide_html_appendix_lists_only_the_chosen_region(task_forces, client, staff_user):
    TaskForceFactory(name="Elsewhere", region="Coast")
    client.force_login(staff_user)
    url = reverse("assessments:statewide_report")
    summary_only = client.get(url).content.decode()
    assert '<h2 class="tf-title">' not in summary_only
    assert '<option value="Coast">Coast</option>' in summary_only
    html = client.get(url, {"region": "Coast"}).content.decode()
    assert "Appendix: task forces in Coast" in html
    assert re.findall(r'<h2 class="tf-title">([^<]*)</h2>', html) == ["Elsewhere"]
    assert '<option value="Coast" selected>' in html
    assert "?format=pdf&amp;region=Coast" in html
    # The summary still covers every task force.
    assert "<td>County A</td>" in html and "<td>Elsewhere</td>" in html


@pytest.mark.parametrize("region", ["Nowhere", "x" * 500, "Valley\x00"])
def test_statewide_report_ignores_a_region_that_is_not_valid(
    task_forces, client, staff_user, region
):
    client.force_login(staff_user)
    response = client.get(reverse("assessments:statewide_report"), {"region": region})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Appendix: task forces in" not in html
    assert '<h2 class="tf-title">' not in html


def test_statewide_report_shows_a_coordinator_only_their_own_regions(
    task_forces, client, coordinator
):
    TaskForceFactory(name="Elsewhere", region="Coast")
    task_forces[0].coordinators.add(coordinator)
    client.force_login(coordinator)
    html = client.get(reverse("assessments:statewide_report"), {"region": "Coast"}).content.decode()
    assert "Elsewhere" not in html
    assert '<option value="Coast"' not in html


def test_reports_are_private(task_forces, client, coordinator):
    client.force_login(coordinator)
    url = reverse("assessments:report", args=[task_forces[0].slug])
    assert client.get(url, {"format": "pdf"}).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_report_command_writes_the_statewide_summary(task_forces, tmp_path):
    target = tmp_path / "statewide.pdf"
    out = StringIO()
    call_command("report", "--pdf", str(target), stdout=out)
    assert 1 <= _pages(target.read_bytes()) < len(task_forces)
    assert "summary of 3 task force(s)" in out.getvalue()


def test_report_command_adds_the_appendix_of_a_region(task_forces, tmp_path):
    TaskForceFactory(name="Elsewhere", region="Coast")
    target = tmp_path / "valley.pdf"
    out = StringIO()
    call_command("report", "--pdf", str(target), "--region", "Valley", stdout=out)
    assert _pages(target.read_bytes()) >= 1 + len(task_forces)
    assert "summary of 4 task force(s), appendix of 3 in Valley" in out.getvalue()


def test_report_command_refuses_an_unknown_region_and_lists_the_valid_ones(task_forces, tmp_path):
    TaskForceFactory(name="Elsewhere", region="Coast")
    target = tmp_path / "x.pdf"
    with pytest.raises(CommandError) as refused:
        call_command("report", "--pdf", str(target), "--region", "Mountains")
    assert "'Mountains'" in str(refused.value)
    assert "Regions: 'Coast', 'Valley'." in str(refused.value)
    assert not target.exists()


def test_report_command_for_one_task_force(task_forces, tmp_path):
    target = tmp_path / "one.pdf"
    call_command(
        "report", "--pdf", str(target), "--task-force", task_forces[1].slug, stdout=StringIO()
    )
    assert _pages(target.read_bytes()) >= 1


def test_report_command_refuses_an_unknown_task_force(task_forces, tmp_path):
    with pytest.raises(CommandError, match="No task force with the slug"):
        call_command("report", "--pdf", str(tmp_path / "x.pdf"), "--task-force", "nowhere")
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("statewide", [False, True])
def test_report_headings_never_skip_a_level(task_forces, client, staff_user, statewide):
    client.force_login(staff_user)
    url = (
        reverse("assessments:statewide_report") + "?region=Valley"
        if statewide
        else reverse("assessments:report", args=[task_forces[0].slug])
    )
    html = client.get(url).content.decode()
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
    assert levels[0] == 1
    assert all(level <= previous + 1 for previous, level in zip(levels, levels[1:], strict=False))
    assert "Region: Valley" in html
