"""Exports of every task force: small ones answer in the request as always,
large ones (over DOWNLOAD_INLINE_MAX_TASK_FORCES) are prepared by a job and
downloaded from the waiting page, with the same content."""

import io
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook

from assessments.core import prepared_downloads
from assessments.core.services import milestone_status_update
from assessments.models import PreparedDownload, Status, TaskForce
from stages.models import Milestone
from tests.factories import TaskForceFactory, UserFactory

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@pytest.fixture
def manager(guidance):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Program managers"))
    return user


@pytest.fixture
def three(guidance, manager):
    made = [TaskForceFactory(name=f"County {n}") for n in "ABC"]
    milestone = Milestone.objects.get(slug="task-force-mou")
    for task_force in made:
        milestone_status_update(
            task_force=task_force, milestone=milestone, status=Status.PLANNING, user=manager
        )
    return made


@pytest.fixture
def large(settings):
    """Every export of more than one task force is large."""
    settings.DOWNLOAD_INLINE_MAX_TASK_FORCES = 1


def _url(kind, fmt):
    return reverse(f"assessments:export_{kind}", args=[fmt])


def _file(client, download):
    response = client.get(reverse("assessments:prepared_download_file", args=[download.pk]))
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def _rows(fmt, content):
    if fmt == "csv":
        return content
    return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize("kind", ["statuses", "history"])
def test_a_small_export_answers_in_the_request_as_before(three, manager, client, kind):
    client.force_login(manager)
    response = client.get(_url(kind, "csv"))
    assert response.status_code == 200
    assert "attachment;" in response["Content-Disposition"]
    assert not PreparedDownload.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["statuses", "history"])
def test_a_large_export_is_prepared_and_downloads_what_the_request_would_give(
    three, manager, client, settings, kind, fmt
):
    client.force_login(manager)
    direct = client.get(_url(kind, fmt))
    settings.DOWNLOAD_INLINE_MAX_TASK_FORCES = 1

    response = client.get(_url(kind, fmt))

    download = PreparedDownload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:prepared_download", args=[download.pk])
    assert (download.user, download.kind, download.parameters) == (manager, kind, {"format": fmt})
    assert download.state == "ready"
    assert sorted(download.covered) == sorted(tf.pk for tf in three)
    page = client.get(response["Location"]).content.decode()
    assert f"Download ({fmt.upper()}," in page
    assert "Your export of 3 task forces" in page
    prepared, content = _file(client, download)
    assert prepared["Content-Type"] == CONTENT_TYPES[fmt] == direct["Content-Type"]
    assert prepared["Content-Disposition"] == direct["Content-Disposition"]
    assert "no-store" in prepared["Cache-Control"]
    assert _rows(fmt, content) == _rows(fmt, direct.content)
    assert download.size == len(content)


@pytest.mark.no_worker
def test_the_waiting_page_polls_until_the_file_is_ready(three, manager, client, large, run_jobs):
    client.force_login(manager)
    page_url = client.get(_url("statuses", "csv"))["Location"]
    download = PreparedDownload.objects.get()
    status_url = reverse("assessments:prepared_download_status", args=[download.pk])

    page = client.get(page_url).content.decode()
    assert "Preparing your export of 3 task forces…" in page
    assert f'hx-get="{status_url}" hx-trigger="every 1500ms"' in page
    assert f'<noscript><p><a href="{page_url}">Refresh' in page
    assert "Download (" not in page

    run_jobs()

    partial = client.get(status_url).content.decode()
    assert "hx-trigger" not in partial  # finished: the polling stops
    assert "Download (CSV, " in partial
    assert reverse("assessments:prepared_download_file", args=[download.pk]) in partial


@pytest.mark.no_worker
def test_the_file_is_not_there_before_it_is_ready(three, manager, client, large):
    client.force_login(manager)
    client.get(_url("statuses", "csv"))
    download = PreparedDownload.objects.get()
    url = reverse("assessments:prepared_download_file", args=[download.pk])
    assert client.get(url).status_code == 404


def test_another_persons_download_is_not_found(three, manager, client, large):
    client.force_login(manager)
    client.get(_url("statuses", "csv"))
    download = PreparedDownload.objects.get()
    other = UserFactory(is_staff=True)
    client.force_login(other)
    for name in ("prepared_download", "prepared_download_status", "prepared_download_file"):
        assert client.get(reverse(f"assessments:{name}", args=[download.pk])).status_code == 404


@pytest.mark.no_worker
def test_a_task_force_taken_from_the_person_before_the_job_runs_is_left_out(
    guidance, client, large, run_jobs
):
    kept, taken = TaskForceFactory(name="Kept County"), TaskForceFactory(name="Taken County")
    coordinator = UserFactory()
    kept.coordinators.add(coordinator)
    taken.coordinators.add(coordinator)
    client.force_login(coordinator)
    client.get(_url("statuses", "csv"))
    taken.coordinators.remove(coordinator)

    run_jobs()

    download = PreparedDownload.objects.get()
    assert download.covered == [kept.pk]
    _, content = _file(client, download)
    assert kept.slug.encode() in content
    assert taken.slug.encode() not in content


def test_a_file_covering_a_task_force_taken_since_is_refused(guidance, client, large):
    first, second = TaskForceFactory(), TaskForceFactory()
    coordinator = UserFactory()
    first.coordinators.add(coordinator)
    second.coordinators.add(coordinator)
    client.force_login(coordinator)
    page_url = client.get(_url("history", "csv"))["Location"]
    download = PreparedDownload.objects.get(state="ready")
    second.coordinators.remove(coordinator)

    url = reverse("assessments:prepared_download_file", args=[download.pk])
    assert client.get(url).status_code == 403
    page = client.get(page_url).content.decode()
    assert "covers a task force you can no longer read" in page
    assert url not in page


def test_a_failing_job_shows_that_it_failed(three, manager, client, large, caplog):
    client.force_login(manager)
    with mock.patch(
        "assessments.pages.exports.build_export", side_effect=RuntimeError("disk full")
    ):
        page_url = client.get(_url("statuses", "xlsx"))["Location"]
    download = PreparedDownload.objects.get()
    assert (download.state, download.file.name) == ("failed", "")
    page = client.get(page_url).content.decode()
    assert prepared_downloads.FAILED_MESSAGE.replace("'", "&#x27;") in page
    assert "disk full" not in page  # the error stays in the log
    assert "disk full" in caplog.text
    url = reverse("assessments:prepared_download_file", args=[download.pk])
    assert client.get(url).status_code == 404


@pytest.mark.no_worker
def test_an_account_deactivated_before_the_job_runs_gets_nothing(
    three, manager, client, large, run_jobs
):
    client.force_login(manager)
    client.get(_url("statuses", "csv"))
    manager.is_active = False
    manager.save()
    run_jobs()
    download = PreparedDownload.objects.get()
    assert (download.state, download.error, download.file.name) == (
        "failed",
        prepared_downloads.INACTIVE_MESSAGE,
        "",
    )


def test_a_coordinators_large_export_covers_their_own_task_forces_only(guidance, client, large):
    mine = [TaskForceFactory(), TaskForceFactory()]
    TaskForceFactory(slug="not-mine")
    coordinator = UserFactory()
    for task_force in mine:
        task_force.coordinators.add(coordinator)
    client.force_login(coordinator)
    client.get(_url("statuses", "csv"))
    download = PreparedDownload.objects.get()
    _, content = _file(client, download)
    assert b"not-mine" not in content
    assert sorted(download.covered) == sorted(tf.pk for tf in mine)
    assert TaskForce.objects.count() == 3
