"""Prepared downloads (assessments/core/prepared_downloads.py) whatever
their kind: the waiting page and its partial, a job whose worker died,
expiry, and the queries the pages take."""

import datetime

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assessments.core import prepared_downloads
from assessments.models import PreparedDownload
from assessments.pages.exports import prepare_export
from taskforce_site.worker import WorkerLost
from tests.factories import TaskForceFactory, UserFactory


def _ready(user, task_force, *, content=b"task_force\r\nbaker\r\n"):
    now = timezone.now()
    download = PreparedDownload(
        user=user,
        kind="statuses",
        parameters={"format": "csv"},
        state="ready",
        covered=[task_force.pk],
        task_force_count=1,
        filename="all-task-forces-statuses-2026-06-17.csv",
        content_type="text/csv; charset=utf-8",
        size=len(content),
        finished_at=now,
        expires_at=now + datetime.timedelta(days=7),
    )
    download.file.save("x.csv", ContentFile(content), save=False)
    download.save()
    return download


@pytest.fixture
def owner(db):
    user = UserFactory()
    TaskForceFactory().coordinators.add(user)
    return user


def test_the_file_is_stored_under_a_generated_name(owner):
    download = _ready(owner, owner.coordinated_task_forces.get())
    assert download.file.name.startswith(f"downloads/{owner.pk}/")
    assert download.file.name.endswith(".csv")
    assert "all-task-forces" not in download.file.name


@pytest.mark.no_worker
def test_a_job_whose_worker_died_shows_failed(owner, client):
    download = prepared_downloads.prepare(
        user=owner,
        kind="statuses",
        parameters={"format": "csv"},
        task_force_count=1,
        task=prepare_export,
    )
    DBTaskResult.objects.get(pk=download.job_id).set_failed(WorkerLost("gone"))
    client.force_login(owner)
    page = client.get(download.get_absolute_url()).content.decode()
    assert "The file could not be prepared" in page
    assert "hx-trigger" not in page
    download.refresh_from_db()
    assert download.state == "failed"


@pytest.mark.no_worker
def test_a_job_for_a_download_already_run_does_nothing(owner, run_jobs):
    download = prepared_downloads.prepare(
        user=owner,
        kind="statuses",
        parameters={"format": "csv"},
        task_force_count=1,
        task=prepare_export,
    )
    run_jobs()
    download.refresh_from_db()
    name = download.file.name
    prepare_export.call(download.pk)
    download.refresh_from_db()
    assert (download.state, download.file.name) == ("ready", name)


def test_an_expired_download_is_gone_and_purged_with_its_file(owner, client):
    download = _ready(owner, owner.coordinated_task_forces.get())
    storage = download.file.storage
    client.force_login(owner)
    assert client.get(download.get_absolute_url()).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, minutes=1)):
        client.force_login(owner)
        assert client.get(download.get_absolute_url()).status_code == 404
        call_command("purge_prepared_downloads", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not PreparedDownload.objects.exists()
    assert not storage.exists(download.file.name)


@pytest.mark.no_worker
def test_every_preparation_job_purges_the_expired_ones(owner, run_jobs):
    old = _ready(owner, owner.coordinated_task_forces.get())
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        prepared_downloads.prepare(
            user=owner,
            kind="statuses",
            parameters={"format": "csv"},
            task_force_count=1,
            task=prepare_export,
        )
        run_jobs()
    assert list(PreparedDownload.objects.values_list("state", flat=True)) == ["ready"]
    assert not old.file.storage.exists(old.file.name)


def test_the_page_lists_the_persons_last_10_downloads_only(owner, client):
    task_force = owner.coordinated_task_forces.get()
    mine = [_ready(owner, task_force) for _ in range(12)]
    theirs = _ready(UserFactory(is_staff=True), task_force)
    client.force_login(owner)
    page = client.get(mine[0].get_absolute_url()).content.decode()
    listed = [d for d in mine if f'href="{d.get_absolute_url()}"' in page]
    assert listed == mine[2:]  # the newest 10 (the one shown is older)
    assert f'href="{theirs.get_absolute_url()}"' not in page


@pytest.mark.parametrize("recent", [1, 12])
def test_the_waiting_page_and_its_partial_take_a_fixed_number_of_queries(
    owner, client, recent, django_assert_num_queries
):
    task_force = owner.coordinated_task_forces.get()
    downloads = [_ready(owner, task_force) for _ in range(recent)]
    client.force_login(owner)
    # Session and user (2), the download (1), whether its owner still reads
    # what it covers (their permissions, 2, and a count, 1), and on the page
    # the recent list (1), and the menu's counts (1).
    with django_assert_num_queries(8):
        assert client.get(downloads[-1].get_absolute_url()).status_code == 200
    status_url = reverse("assessments:prepared_download_status", args=[downloads[-1].pk])
    with django_assert_num_queries(6):
        assert client.get(status_url).status_code == 200


@pytest.mark.no_worker
def test_a_waiting_download_takes_one_more_query_to_notice_a_dead_worker(
    owner, client, django_assert_num_queries
):
    download = prepared_downloads.prepare(
        user=owner,
        kind="statuses",
        parameters={"format": "csv"},
        task_force_count=1,
        task=prepare_export,
    )
    client.force_login(owner)
    status_url = reverse("assessments:prepared_download_status", args=[download.pk])
    # Session and user (2), the download (1), its job's state (1).
    with django_assert_num_queries(4):
        assert client.get(status_url).status_code == 200


@pytest.mark.no_worker
def test_asking_again_while_it_is_prepared_gives_the_same_download(owner, run_jobs):
    def ask(fmt="csv"):
        return prepared_downloads.prepare(
            user=owner,
            kind="statuses",
            parameters={"format": fmt},
            task_force_count=1,
            task=prepare_export,
        )

    first = ask()
    assert ask().pk == first.pk
    xlsx = ask("xlsx")
    assert xlsx.pk != first.pk
    assert DBTaskResult.objects.count() == 2
    DBTaskResult.objects.get(pk=xlsx.job_id).set_failed(WorkerLost("gone"))
    assert ask("xlsx").pk != xlsx.pk  # its worker died: asked for afresh
    run_jobs()
    assert ask().pk != first.pk  # once ready, asking again prepares afresh


@pytest.mark.no_worker
def test_a_running_download_shows_how_far_it_has_got(owner, client):
    download = prepared_downloads.prepare(
        user=owner,
        kind="statuses",
        parameters={"format": "csv"},
        task_force_count=1,
        task=prepare_export,
    )
    client.force_login(owner)
    status_url = reverse("assessments:prepared_download_status", args=[download.pk])
    assert "Waiting for the worker to start." in client.get(status_url).content.decode()
    PreparedDownload.objects.filter(pk=download.pk).update(
        state="running", progress="20,000 rows written…"
    )
    partial = client.get(status_url).content.decode()
    assert "Being prepared: 20,000 rows written…" in partial
    assert 'hx-trigger="every 1500ms"' in partial


def test_a_long_export_reports_its_rows_as_it_goes(monkeypatch):
    monkeypatch.setattr(prepared_downloads, "PROGRESS_EVERY_ROWS", 2)
    said = []
    rows = list(prepared_downloads.counted_rows(({"n": n} for n in range(5)), said.append))
    assert rows == [{"n": n} for n in range(5)]
    assert said == ["2 rows written…", "4 rows written…"]


def test_the_partial_reloads_the_page_once_the_file_is_ready(owner, client):
    """htmx swapped in only the progress part; the list of recent exports
    below it would still say "waiting"."""
    download = _ready(owner, owner.coordinated_task_forces.get())
    client.force_login(owner)
    url = reverse("assessments:prepared_download_status", args=[download.pk])
    polled = client.get(url, headers={"HX-Request": "true"})
    assert (polled.status_code, polled["HX-Refresh"]) == (200, "true")
    # Without htmx (the no-JavaScript link) the partial is the partial.
    assert "Download" in client.get(url).content.decode()
