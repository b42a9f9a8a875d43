"""Where evidence shows outside its own pages:
the task force page, the statewide matrix and gaps, the history and its
export, the evidence export, and the partner page."""

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

from assessments.core import services
from assessments.evidence import services as service
from assessments.evidence.exports import EVIDENCE_COLUMNS, EVIDENCE_SHEET
from assessments.models import Evidence, Sector, Status
from assessments.pages.exports import HISTORY_COLUMNS
from assessments.register import services as register
from stages.models import Milestone
from tests.factories import SAMPLE_PDF, PartnerLinkFactory, TaskForceFactory, UserFactory

pytestmark = pytest.mark.usefixtures("guidance")

MOU = "task-force-mou"
PROTOCOL = "agency-awareness"


@pytest.fixture
def manager(db):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Program managers"))
    return user


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client


def _milestone(slug=MOU) -> Milestone:
    return Milestone.objects.get(slug=slug)


def _upload(task_force, user, *, slug=MOU, title="Signed MOU", shared=False) -> Evidence:
    return service.evidence_add_file(
        task_force=task_force,
        milestone=_milestone(slug),
        upload=SimpleUploadedFile("Signed MOU.pdf", SAMPLE_PDF.read_bytes(), "application/pdf"),
        title=title,
        note="Signed by the sheriff and the DA.",
        statement=True,
        shared_with_partners=shared,
        user=user,
    )


def _link(task_force, user, *, slug=MOU, title="Protocol in the county system") -> Evidence:
    return service.evidence_add_link(
        task_force=task_force,
        milestone=_milestone(slug),
        url="https://county.example.org/docs/protocol",
        title=title,
        user=user,
    )


def _achieve(task_force, user, slug=MOU):
    services.milestone_status_update(
        task_force=task_force, milestone=_milestone(slug), status=Status.ACHIEVED, user=user
    )


def _line(html: str, slug: str = MOU) -> str:
    """The evidence line of one milestone row."""
    start = html.index(f'data-evidence="{slug}"')
    return html[start : html.index("</div>", start)]


def _csv(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


# The task force page -------------------------------------------------------


def test_task_force_page_counts_each_milestones_evidence_and_says_none_checked(
    task_force, coordinator, coordinator_client
):
    _upload(task_force, coordinator)
    _link(task_force, coordinator)
    html = coordinator_client.get(f"/task-forces/{task_force.slug}/").content.decode()
    line = _line(html)
    assert "2 documents, none checked" in line
    assert reverse("assessments:evidence", args=[task_force.slug, MOU]) in line
    assert "none yet" in _line(html, PROTOCOL)


def test_task_force_page_says_when_evidence_was_checked(
    task_force, coordinator, manager, coordinator_client
):
    piece = _upload(task_force, coordinator)
    _link(task_force, coordinator)
    service.evidence_check(
        evidence=piece,
        checked=True,
        user=manager,
        at=timezone.make_aware(datetime.datetime(2026, 3, 3, 12, 0)),
    )
    html = coordinator_client.get(f"/task-forces/{task_force.slug}/").content.decode()
    assert "Evidence checked on 3 Mar 2026" in _line(html)
    assert "(2 documents)" in _line(html)


def test_removed_evidence_is_not_counted(task_force, coordinator, coordinator_client):
    piece = _upload(task_force, coordinator)
    _link(task_force, coordinator)
    service.evidence_remove(evidence=piece, user=coordinator)
    html = coordinator_client.get(f"/task-forces/{task_force.slug}/").content.decode()
    assert "1 document, none checked" in _line(html)


def test_a_new_piece_shows_at_once_on_the_task_force_page_and_the_in_place_row(
    task_force, coordinator, coordinator_client
):
    url = f"/task-forces/{task_force.slug}/"
    assert "none yet" in _line(coordinator_client.get(url).content.decode())
    revision = task_force.revision
    _link(task_force, coordinator)
    task_force.refresh_from_db()
    assert task_force.revision > revision  # the page parts keyed on it are rebuilt
    assert "1 document, none checked" in _line(coordinator_client.get(url).content.decode())
    # The row that an in-place status save sends back shows it too.
    row = coordinator_client.post(
        f"/task-forces/{task_force.slug}/milestones/{MOU}/",
        {"status": "achieved", "version": 0, "lead_partner": "", "notes": ""},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "1 document, none checked" in _line(row)


def test_task_force_page_reads_all_evidence_in_one_query(task_force, coordinator, client):
    client.force_login(coordinator)
    url = f"/task-forces/{task_force.slug}/"
    _link(task_force, coordinator)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    for milestone in Milestone.objects.all()[:12]:
        _link(task_force, coordinator, slug=milestone.slug)
        _upload(task_force, coordinator, slug=milestone.slug)
    assert count() == few


# The statewide matrix and gaps ----------------------------------------------


def _cell(response, task_force, slug=MOU):
    matrix = response.context["matrix"]
    row = next(r for r in matrix.rows if r.task_force.pk == task_force.pk)
    index = [m.slug for m in matrix.milestones].index(slug)
    return row.statuses[index], row.evidence_checked[index]


def test_matrix_marks_achieved_with_checked_evidence_apart_from_achieved(
    coordinator, manager, manager_client
):
    checked, unchecked, planning = TaskForceFactory.create_batch(3)
    for task_force in (checked, unchecked):
        _achieve(task_force, coordinator)
    service.evidence_check(evidence=_upload(checked, coordinator), checked=True, user=manager)
    _upload(unchecked, coordinator)
    services.milestone_status_update(
        task_force=planning, milestone=_milestone(), status=Status.PLANNING, user=coordinator
    )
    # Checked evidence does not make a milestone achieved.
    service.evidence_check(evidence=_upload(planning, coordinator), checked=True, user=manager)

    response = manager_client.get(reverse("assessments:overview"))
    assert _cell(response, checked) == (Status.ACHIEVED, True)
    assert _cell(response, unchecked) == (Status.ACHIEVED, False)
    assert _cell(response, planning) == (Status.PLANNING, False)
    html = response.content.decode()
    assert "Achieved, with checked evidence" in html  # the legend and the cell's text
    assert html.count('<td class="matrix-cell status-achieved_checked">') == 1
    assert html.count('<td class="matrix-cell status-achieved">') == 1


def test_gaps_count_achieved_milestones_with_no_evidence(coordinator, manager, manager_client):
    backed, link_only, bare, removed = TaskForceFactory.create_batch(4)
    for task_force in (backed, link_only, bare, removed):
        _achieve(task_force, coordinator)
    _upload(backed, coordinator)
    _link(link_only, coordinator)
    service.evidence_remove(evidence=_upload(removed, coordinator), user=coordinator)
    # Evidence on a milestone not achieved changes nothing.
    _link(bare, coordinator, slug=PROTOCOL)

    response = manager_client.get(reverse("assessments:gaps"))
    gap = next(g for g in response.context["gaps"] if g.milestone.slug == MOU)
    assert (gap.achieved, gap.achieved_without_evidence) == (4, 2)
    assert response.context["without_evidence"] == 2
    assert "2</strong> achieved milestones have no evidence yet" in response.content.decode()


def test_gaps_without_evidence_follow_the_region_filter(coordinator, manager_client):
    coast = TaskForceFactory(region="Coast")
    valley = TaskForceFactory(region="Valley")
    for task_force in (coast, valley):
        _achieve(task_force, coordinator)
    _link(valley, coordinator)
    response = manager_client.get(reverse("assessments:gaps") + "?region=Valley")
    assert response.context["without_evidence"] == 0
    response = manager_client.get(reverse("assessments:gaps") + "?region=Coast")
    assert response.context["without_evidence"] == 1


def test_a_coordinators_gaps_count_only_their_own_task_forces(
    task_force, coordinator, coordinator_client
):
    _achieve(task_force, coordinator)
    _achieve(TaskForceFactory(), coordinator)
    response = coordinator_client.get(reverse("assessments:gaps"))
    assert response.context["without_evidence"] == 1


def _with_evidence(count, coordinator, manager):
    for task_force in TaskForceFactory.create_batch(count):
        for slug in (MOU, PROTOCOL):
            _achieve(task_force, coordinator, slug)
        piece = _upload(task_force, coordinator)
        service.evidence_check(evidence=piece, checked=True, user=manager)
        _link(task_force, coordinator, slug=PROTOCOL)


@pytest.mark.parametrize(
    "url",
    [
        reverse("assessments:overview"),
        reverse("assessments:overview") + "?sort=progress",
        reverse("assessments:gaps"),
        reverse("assessments:gaps") + "?region=Willamette+Valley",
        reverse("assessments:export_evidence", args=["csv"]),
        reverse("assessments:export_history", args=["csv"]),
    ],
)
def test_statewide_query_counts_are_the_same_for_2_and_12_task_forces(
    url, coordinator, manager, manager_client
):
    def count() -> int:
        manager_client.get(url)  # warm what is cached
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(url).status_code == 200
        return len(captured)

    _with_evidence(2, coordinator, manager)
    few = count()
    _with_evidence(10, coordinator, manager)
    assert count() == few


# History and exports ------------------------------------------------------


def test_history_page_shows_evidence_added_checked_and_removed(
    task_force, coordinator, manager, coordinator_client
):
    piece = _upload(task_force, coordinator)
    service.evidence_check(evidence=piece, checked=True, user=manager)
    service.evidence_remove(evidence=piece, user=coordinator)
    for url in (
        reverse("assessments:history", args=[task_force.slug]),
        reverse("assessments:milestone_history", args=[task_force.slug, MOU]),
        reverse("assessments:history", args=[task_force.slug]) + "?stage=foundation",
    ):
        html = coordinator_client.get(url).content.decode()
        actions = [part.split('"')[0] for part in html.split('data-evidence-action="')[1:]]
        assert actions == ["removed", "checked", "added"], url
        assert "Signed MOU" in html
        assert "Signed by the sheriff" not in html  # the note stays on the evidence page
    other = reverse("assessments:milestone_history", args=[task_force.slug, PROTOCOL])
    assert "data-evidence-action" not in coordinator_client.get(other).content.decode()
    filtered = coordinator_client.get(
        reverse("assessments:history", args=[task_force.slug]) + f"?person={manager.pk}"
    ).content.decode()
    assert filtered.count("data-evidence-action") == 1


def test_history_export_includes_evidence_and_register_changes_newest_first(
    task_force, coordinator, manager, coordinator_client
):
    _achieve(task_force, coordinator)
    piece = _upload(task_force, coordinator)
    register.partner_agency_create(
        task_force=task_force,
        name="County Victim Services",
        sector=Sector.objects.get(slug="victim-services"),
        user=coordinator,
    )
    service.evidence_check(evidence=piece, checked=True, user=manager)
    service.evidence_remove(evidence=piece, user=coordinator)
    response = coordinator_client.get(
        reverse("assessments:task_force_export_history", args=[task_force.slug, "csv"])
    )
    rows = _csv(response)
    assert list(rows[0]) == HISTORY_COLUMNS
    assert [(r["record"], r["action"], r["subject"]) for r in rows] == [
        ("evidence", "removed", "Signed MOU"),
        ("evidence", "checked", "Signed MOU"),
        ("register", "created", "County Victim Services"),
        ("evidence", "added", "Signed MOU"),
        ("status", "", ""),
    ]
    assert rows[1]["changed_by"] == manager.get_username()
    assert rows[0]["milestone"] == MOU
    content = response.content.decode("utf-8-sig")
    assert "Signed by the sheriff" not in content
    assert "%PDF" not in content


def test_evidence_export_lists_metadata_of_present_evidence_only(
    task_force, coordinator, manager, coordinator_client
):
    piece = _upload(task_force, coordinator, shared=True)
    service.evidence_check(evidence=piece, checked=True, user=manager)
    _link(task_force, coordinator, slug=PROTOCOL)
    gone = _upload(task_force, coordinator, title="Old draft")
    service.evidence_remove(evidence=gone, user=coordinator)
    response = coordinator_client.get(
        reverse("assessments:task_force_export_evidence", args=[task_force.slug, "csv"])
    )
    assert "attachment;" in response["Content-Disposition"]
    rows = _csv(response)
    assert list(rows[0]) == EVIDENCE_COLUMNS
    by_title = {row["title"]: row for row in rows}
    assert set(by_title) == {"Signed MOU", "Protocol in the county system"}
    document = by_title["Signed MOU"]
    assert document["kind"] == "file"
    assert document["file_name"] == "Signed MOU.pdf"
    assert document["content_type"] == "application/pdf"
    assert document["size_bytes"] == str(SAMPLE_PDF.stat().st_size)
    assert document["checked_by"] == manager.get_username()
    assert document["shared_with_partners"] == "yes"
    link = by_title["Protocol in the county system"]
    assert (link["kind"], link["link"], link["size_bytes"]) == (
        "link",
        "https://county.example.org/docs/protocol",
        "",
    )
    assert "%PDF" not in response.content.decode("utf-8-sig")


def test_evidence_export_xlsx_reads_in_words_with_excel_times_and_full_names(
    task_force, coordinator, coordinator_client, staff_user
):
    from assessments.common.sheets import DATETIME_FORMAT
    from tests.xlsx_files import assert_readable_layout, export_sheet, keyed_rows

    coordinator.first_name, coordinator.last_name = "Casey", "Coordinator"
    coordinator.save()
    piece = _upload(task_force, coordinator)
    service.evidence_check(evidence=piece, checked=True, user=staff_user)
    _link(task_force, coordinator)
    response = coordinator_client.get(
        reverse("assessments:task_force_export_evidence", args=[task_force.slug, "xlsx"])
    )
    sheet = export_sheet(response.content)

    assert_readable_layout(sheet, EVIDENCE_SHEET, "Evidence")
    rows = {row["title"].value: row for row in keyed_rows(sheet, EVIDENCE_SHEET)}
    document = rows["Signed MOU"]
    assert document["kind"].value == "Document"
    assert document["added_by"].value == "Casey Coordinator"
    assert document["checked_by"].value == staff_user.email  # no full name: never the username
    piece.refresh_from_db()
    assert document["added_at"].value == timezone.localtime(piece.added_at).replace(
        tzinfo=None, microsecond=0
    )
    assert document["added_at"].number_format == DATETIME_FORMAT
    assert document["checked_at"].is_date
    assert isinstance(document["size_bytes"].value, int)
    link = rows["Protocol in the county system"]
    assert link["kind"].value == "Link"
    assert link["size_bytes"].value is None and link["checked_at"].value is None
    # The CSV keeps the codes and the username.
    text = coordinator_client.get(
        reverse("assessments:task_force_export_evidence", args=[task_force.slug, "csv"])
    ).content.decode("utf-8-sig")
    exported = {row["title"]: row for row in csv.DictReader(io.StringIO(text))}
    assert exported["Signed MOU"]["kind"] == "file"
    assert exported["Signed MOU"]["added_by"] == coordinator.get_username()


def test_the_evidence_xlsx_takes_the_queries_of_the_csv(task_force, coordinator, client):
    _upload(task_force, coordinator)
    client.force_login(coordinator)
    counts = {}
    for fmt in ("csv", "xlsx"):
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("assessments:export_evidence", args=[fmt]))
        counts[fmt] = len(captured)
    assert counts["xlsx"] == counts["csv"]


def test_evidence_export_of_all_covers_only_readable_task_forces(
    task_force, coordinator, coordinator_client
):
    _upload(task_force, coordinator)
    other = TaskForceFactory()
    _upload(other, coordinator, title="Not yours")
    rows = _csv(coordinator_client.get(reverse("assessments:export_evidence", args=["csv"])))
    assert [row["task_force"] for row in rows] == [task_force.slug]
    # Another task force's export by name: 404, as its page.
    response = coordinator_client.get(
        reverse("assessments:task_force_export_evidence", args=[other.slug, "csv"])
    )
    assert response.status_code == 404


def test_export_links_on_the_task_force_page_and_dashboard(task_force, coordinator_client):
    page = coordinator_client.get(f"/task-forces/{task_force.slug}/").content.decode()
    assert reverse("assessments:task_force_export_evidence", args=[task_force.slug, "csv"]) in page
    dashboard = coordinator_client.get("/").content.decode()
    assert reverse("assessments:export_evidence", args=["xlsx"]) in dashboard


# The partner page --------------------------------------------------------


def test_partner_page_shows_shared_documents_with_a_download_and_nothing_else(
    task_force, coordinator, manager, client
):
    PartnerLinkFactory(task_force=task_force, token="shown-evidence-token")
    shared = _upload(task_force, coordinator, title="Signed MOU, 2026", shared=True)
    service.evidence_check(evidence=shared, checked=True, user=manager)
    _upload(task_force, coordinator, title="Internal draft", slug=PROTOCOL)
    link = _link(task_force, coordinator, title="Shared link")
    service.evidence_share(evidence=link, shared=True, user=coordinator)

    html = client.get("/p/shown-evidence-token/").content.decode()
    download = reverse(
        "assessments:partner_evidence_download", args=["shown-evidence-token", shared.pk]
    )
    assert "Signed MOU, 2026" in html and download in html
    assert "Internal draft" not in html
    # A shared link shows with its address, as the form promises.
    assert "Shared link" in html and f'href="{link.url}"' in html
    assert "Signed by the sheriff" not in html  # no notes
    assert coordinator.get_username() not in html and manager.get_username() not in html
    assert "none checked" not in html and "Evidence checked" not in html
    assert "/evidence/" not in html.replace(download, "")  # no internal evidence links

    response = client.get(download)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == SAMPLE_PDF.read_bytes()


def test_partner_page_shows_no_evidence_section_when_nothing_is_shared(
    task_force, coordinator, client
):
    PartnerLinkFactory(task_force=task_force, token="nothing-shared-token")
    _upload(task_force, coordinator)
    html = client.get("/p/nothing-shared-token/").content.decode()
    assert "Documents shared with partners" not in html
    assert "Signed MOU" not in html


def test_sharing_shows_at_once_on_the_cached_partner_page_and_unsharing_hides_it(
    task_force, coordinator, client
):
    PartnerLinkFactory(task_force=task_force, token="cached-partner-token")
    piece = _upload(task_force, coordinator)
    assert "Signed MOU" not in client.get("/p/cached-partner-token/").content.decode()
    service.evidence_share(evidence=piece, shared=True, user=coordinator)
    assert "Signed MOU" in client.get("/p/cached-partner-token/").content.decode()
    service.evidence_remove(evidence=piece, user=coordinator)
    assert "Signed MOU" not in client.get("/p/cached-partner-token/").content.decode()


def test_each_partner_link_gets_its_own_token_in_the_downloads(task_force, coordinator, client):
    PartnerLinkFactory(task_force=task_force, token="first-partner-token")
    PartnerLinkFactory(task_force=task_force, token="second-partner-token")
    _upload(task_force, coordinator, shared=True)
    first = client.get("/p/first-partner-token/").content.decode()
    second = client.get("/p/second-partner-token/").content.decode()
    assert "/p/first-partner-token/evidence/" in first
    assert "second-partner-token" not in first
    assert "/p/second-partner-token/evidence/" in second
    assert "first-partner-token" not in second


def test_another_task_forces_link_cannot_download_a_shared_document(
    task_force, coordinator, client
):
    piece = _upload(task_force, coordinator, shared=True)
    PartnerLinkFactory(task_force=TaskForceFactory(), token="other-task-force-token")
    html = client.get("/p/other-task-force-token/").content.decode()
    assert "Signed MOU" not in html
    response = client.get(
        reverse("assessments:partner_evidence_download", args=["other-task-force-token", piece.pk])
    )
    assert response.status_code == 404
