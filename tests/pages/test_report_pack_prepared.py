"""A suppressed report pack in a state of more task forces than
REPORT_PACK_INLINE_MAX_TASK_FORCES (by default 0: always) is prepared by a
job: the request only queues it, and the file is the one the request would
have built."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from assessments.models import PreparedDownload
from tests.activity.support import client_for
from tests.factories import UserFactory, program_manager
from tests.pages.pack_support import generate, read_tables

pytestmark = pytest.mark.django_db

STATEWIDE = reverse("assessments:report_pack")


def own_pack(task_force):
    return reverse("assessments:task_force_report_pack", args=[task_force.slug])


def prepared_file(client, download) -> bytes:
    download.refresh_from_db()
    assert download.state == "ready", download.error
    response = client.get(reverse("assessments:prepared_download_file", args=[download.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_large_statewide_pack_is_prepared_by_a_job_with_the_tables_of_the_request(settings):
    generate(6)
    client = client_for(program_manager())
    asked = {"period": "2025-H2", "by": "region", "format": "csv"}
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 100
    direct = client.get(STATEWIDE, asked)
    assert direct.status_code == 200
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 5

    response = client.get(STATEWIDE, asked)

    download = PreparedDownload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == download.get_absolute_url()
    assert download.kind == "report_pack"
    assert download.parameters == {
        "format": "csv",
        "period": "2025-H2",
        "threshold": 11,
        "region": "",
        "by": "region",
    }
    content = prepared_file(client, download)
    assert content == direct.content
    assert read_tables(content.decode())["Meetings by kind"][0][0] == "Region"
    assert download.filename == "report-pack-statewide-2025-H2.csv"


def test_the_page_of_a_large_pack_is_prepared_as_a_page_with_its_legend(settings):
    generate(6)
    client = client_for(program_manager())
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 5

    response = client.get(STATEWIDE, {"period": "2025"})

    download = PreparedDownload.objects.get()
    assert response["Location"] == download.get_absolute_url()
    waiting = client.get(response["Location"]).content.decode()
    assert "Report pack 2025 (HTML)" in waiting
    page = prepared_file(client, download).decode()
    assert "<h1>Report pack: Statewide, 2025</h1>" in page
    assert "&lt;11</strong>: hidden" in page
    assert "Agencies attending, by sector" in page


def test_a_coordinator_own_pack_is_never_a_job(settings):
    task_force = generate(6)[0]
    coordinator = UserFactory()
    task_force.coordinators.add(coordinator)
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 0

    response = client_for(coordinator).get(own_pack(task_force), {"period": "2025"})

    assert response.status_code == 200
    assert "Your task force's own numbers, in full." in response.content.decode()
    assert not PreparedDownload.objects.exists()


def test_a_program_manager_reading_one_task_force_gets_its_suppressed_pack_by_a_job(settings):
    task_forces = generate(6)
    client = client_for(program_manager())
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 100
    direct = client.get(own_pack(task_forces[0]), {"period": "2025", "format": "csv"})
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 5

    response = client.get(own_pack(task_forces[0]), {"period": "2025", "format": "csv"})

    download = PreparedDownload.objects.get()
    assert response["Location"] == download.get_absolute_url()
    assert download.parameters["task_force"] == task_forces[0].pk
    assert prepared_file(client, download) == direct.content
    assert download.covered == [task_forces[0].pk]


def test_a_bad_period_says_so_on_the_waiting_page_and_prepares_the_current_half_year(
    settings, time_machine
):
    time_machine.move_to("2026-08-20 12:00")
    generate(6)
    client = client_for(program_manager())
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 5

    response = client.get(STATEWIDE, {"period": "2026-H7"}, follow=True)

    download = PreparedDownload.objects.get()
    assert download.parameters["period"] == "2026-H2"
    text = response.content.decode()
    assert "is not a period" in text
    assert "Preparing 2026-H2 instead." in text


@pytest.mark.no_worker
def test_someone_no_longer_reading_every_task_force_gets_no_pack(settings, run_jobs):
    generate(6)
    manager = program_manager()
    client = client_for(manager)
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 5
    client.get(STATEWIDE, {"period": "2025", "format": "csv"})
    manager.groups.remove(Group.objects.get(name="Program managers"))

    run_jobs()

    download = PreparedDownload.objects.get()
    assert download.state == "failed"
    assert not download.file
    # Said as it is, not as a fault of the site.
    waiting = client.get(f"/downloads/{download.pk}/").content.decode()
    assert "You can no longer read everything this file would cover" in waiting
    assert "tell the site&#x27;s administrators" not in waiting
    assert client.get(STATEWIDE).status_code == 403


@pytest.mark.no_worker
def test_a_second_click_while_it_is_prepared_is_the_same_download(settings):
    generate(6)
    client = client_for(program_manager())
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 5

    first = client.get(STATEWIDE, {"period": "2025"})
    second = client.get(STATEWIDE, {"period": "2025"})

    assert first["Location"] == second["Location"]
    assert PreparedDownload.objects.count() == 1


@pytest.mark.no_worker
@pytest.mark.parametrize("size", [6, 30])
def test_asking_for_a_large_pack_takes_the_same_queries_at_any_size(
    settings, size, django_assert_num_queries
):
    generate(size)
    client = client_for(program_manager())
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 5
    client.get(STATEWIDE, {"period": "2025", "by": "region"})  # the session, warm
    PreparedDownload.objects.all().delete()

    with django_assert_num_queries(QUERIES_TO_QUEUE):
        response = client.get(STATEWIDE, {"period": "2025", "by": "region"})

    assert response.status_code == 302


QUERIES_TO_QUEUE = 12


@pytest.mark.parametrize("size", [6, 30])
def test_without_a_period_the_page_asks_what_to_prepare_and_queues_nothing(
    size, django_assert_num_queries
):
    task_forces = generate(size)
    client = client_for(program_manager())
    client.get(STATEWIDE)  # the session, warm

    # The session, the user, permissions (2), the regions, the menu's
    # counts, the packs asked for before (none).
    with django_assert_num_queries(8):
        response = client.get(STATEWIDE)

    text = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="Prepare a report pack"' in text
    assert "Packs you asked for" not in text
    assert 'name="period" value="2026-H1"' in text  # the test clock's half-year
    assert '<option value="North">North</option>' in text
    own = client.get(own_pack(task_forces[0])).content.decode()
    assert f"Report pack: {task_forces[0].name}" in own
    assert 'name="region"' not in own
    assert not PreparedDownload.objects.exists()


@pytest.mark.no_worker
@pytest.mark.parametrize("asked", [1, 12])
def test_the_form_lists_the_packs_one_asked_for_in_the_same_queries(
    settings, asked, django_assert_num_queries
):
    generate(6)
    settings.REPORT_PACK_INLINE_MAX_TASK_FORCES = 5
    manager, other = program_manager(), program_manager()
    client = client_for(manager)
    for year in range(2026 - asked + 1, 2027):
        client.get(STATEWIDE, {"period": f"{year}-H1", "format": "csv"})
    client_for(other).get(STATEWIDE, {"period": "2019-H2", "format": "pdf"})
    client.get(STATEWIDE)

    with django_assert_num_queries(8):
        text = client.get(STATEWIDE).content.decode()

    # A pack takes a while: whoever left the waiting page finds it here.
    assert "Packs you asked for" in text
    newest = PreparedDownload.objects.filter(user=manager).first()
    assert f'href="/downloads/{newest.pk}/"' in text
    assert "Report pack 2026-H1 (CSV)" in text
    assert text.count('href="/downloads/') == min(asked, 10)
    assert "2019-H2" not in text  # someone else's
