"""The imports run as jobs: the upload keeps the file with a batch, the
check and the apply run on the queue, and the batch's page follows them
(progress, refusal, paged preview, result, failure)."""

import csv
import datetime
import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from assessments.common import importing as common_importing
from assessments.common.spreadsheets import to_csv
from assessments.core import importing, services
from assessments.core.import_models import save_plan
from assessments.models import ImportBatch, ImportChange, MilestoneStatus, Status, StatusChange
from assessments.register.exports import REGISTER_COLUMNS
from assessments.register.models import PartnerAgency
from stages.models import Milestone
from taskforce_site.worker import WorkerLost
from tests.factories import TaskForceFactory, UserFactory

State = ImportBatch.State
COLUMNS = importing.REQUIRED_COLUMNS


def _file(task_force, statuses: dict[str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for slug, status in statuses.items():
        writer.writerow({"task_force": task_force.slug, "milestone": slug, "status": status})
    return buffer.getvalue().encode()


def _upload(client, content: bytes, name="statuses.csv"):
    return client.post(reverse("assessments:import"), {"file": SimpleUploadedFile(name, content)})


def _slugs(count: int) -> list[str]:
    return list(Milestone.objects.order_by("pk").values_list("slug", flat=True)[:count])


def _page(batch):
    return reverse("assessments:import_preview", args=[batch.pk])


def _progress(batch):
    return reverse("assessments:import_progress", args=[batch.pk])


def _apply(batch):
    return reverse("assessments:import_apply", args=[batch.pk])


# The check -----------------------------------------------------------------


@pytest.mark.no_worker
def test_the_upload_only_keeps_the_file_and_the_page_waits_for_the_check(
    guidance, task_force, coordinator_client, run_jobs
):
    content = _file(task_force, dict.fromkeys(_slugs(3), "planning"))
    response = _upload(coordinator_client, content)
    batch = ImportBatch.objects.get()
    assert response["Location"] == _page(batch)
    assert (batch.state, bytes(batch.content), batch.filename) == (
        State.UPLOADED,
        content,
        "statuses.csv",
    )
    assert not batch.planned.exists()

    html = coordinator_client.get(_page(batch)).content.decode()
    assert "Waiting for the file to be read" in html
    assert f'hx-get="{_progress(batch)}" hx-trigger="every 1s"' in html
    assert f'<noscript><p><a href="{_page(batch)}">Refresh</a>' in html
    poll = coordinator_client.get(_progress(batch))
    assert "HX-Refresh" not in poll
    assert "hx-trigger" in poll.content.decode()

    run_jobs()
    batch.refresh_from_db()
    # Checked: the plan is kept as rows, the file is gone.
    assert (batch.state, batch.content, batch.change_count) == (State.CHECKED, None, 3)
    assert batch.planned.count() == 3
    assert batch.summary["added"] == 3
    poll = coordinator_client.get(_progress(batch))
    assert poll["HX-Refresh"] == "true"
    assert "hx-trigger" not in poll.content.decode()
    html = coordinator_client.get(_page(batch)).content.decode()
    assert "3 statuses will change" in html
    assert "Apply 3 changes" in html


@pytest.mark.no_worker
def test_the_progress_of_a_running_check_is_shown(guidance, coordinator, coordinator_client):
    batch = ImportBatch.objects.create(
        created_by=coordinator, state=State.CHECKING, rows=88004, checked_rows=12000
    )
    html = coordinator_client.get(_progress(batch)).content.decode()
    assert "Checked 12,000 of 88,004 rows" in html
    assert '<progress class="w-100" max="88004" value="12000"' in html
    ImportBatch.objects.filter(pk=batch.pk).update(checked_rows=88004)
    html = coordinator_client.get(_progress(batch)).content.decode()
    assert "Checked all 88,004 rows; keeping the changes for the preview" in html


def test_the_check_reports_its_progress_as_it_goes(guidance, task_force, coordinator, monkeypatch):
    monkeypatch.setattr(common_importing, "PROGRESS_EVERY_ROWS", 2)
    reports = []
    content = _file(task_force, dict.fromkeys(_slugs(5), "planning"))
    check = importing.check_file(
        content=content, user=coordinator, progress=lambda *args: reports.append(args)
    )
    assert check.ok
    assert reports == [(0, 5), (2, 5), (4, 5), (5, 5)]


@pytest.mark.no_worker
def test_the_check_job_writes_its_progress_on_the_batch(
    guidance, task_force, coordinator_client, run_jobs, monkeypatch
):
    monkeypatch.setattr(common_importing, "PROGRESS_EVERY_ROWS", 2)
    _upload(coordinator_client, _file(task_force, dict.fromkeys(_slugs(5), "planning")))
    seen = []
    original = common_importing._reporting

    def watching(body, progress):
        for row in original(body, progress):
            seen.append(ImportBatch.objects.values_list("state", "checked_rows", "rows").get())
            yield row

    monkeypatch.setattr(common_importing, "_reporting", watching)
    run_jobs()
    assert seen[0] == (State.CHECKING, 0, 5)
    assert seen[-1] == (State.CHECKING, 4, 5)
    assert ImportBatch.objects.values_list("checked_rows", "rows").get() == (5, 5)


def test_a_refused_file_shows_its_problems_with_the_form_to_try_again(
    guidance, task_force, coordinator_client
):
    content = _file(task_force, {"task-force-mou": "planning", "nowhere": "done"})
    response = _upload(coordinator_client, content, "bad.csv")
    page = coordinator_client.get(response["Location"])
    html = page.content.decode()
    batch = page.context["batch"]
    assert (batch.state, batch.content, batch.planned.exists()) == (State.REFUSED, None, False)
    assert "Nothing was imported: the file has 1 problem" in html
    assert "Row 3: unknown milestone &#x27;nowhere&#x27;" in html
    assert f'action="{reverse("assessments:import")}"' in html
    assert 'type="file"' in html


def test_a_check_that_crashes_fails_the_batch_and_says_so(
    guidance, task_force, coordinator_client, monkeypatch
):
    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(importing, "_plan", lambda check, planned: crash())
    response = _upload(coordinator_client, _file(task_force, {"task-force-mou": "planning"}))
    batch = ImportBatch.objects.get()
    assert (batch.state, batch.content) == (State.FAILED, None)
    html = coordinator_client.get(response["Location"]).content.decode()
    assert "The file could not be checked" in html
    assert 'type="file"' in html
    result = DBTaskResult.objects.get(pk=batch.task_result_id)
    assert result.status == TaskResultStatus.FAILED


# The preview -----------------------------------------------------------------


def _checked_batch(user, task_forces, count: int) -> ImportBatch:
    """A checked batch of `count` changes, spread over `task_forces`: every
    third adds a status, the others change the status, every other one the
    notes too."""
    milestones = list(Milestone.objects.order_by("pk"))
    changes = []
    for n in range(count):
        added = n % 3 == 0
        differences = {"status": ["not_started" if added else "planning", "achieved"]}
        if not added and n % 2:
            differences["notes"] = ["", f"note {n}"]
        changes.append(
            ImportChange(
                task_force=task_forces[n % len(task_forces)],
                object_id=milestones[n % len(milestones)].pk,
                subject=f"Change {n:03}",
                added=added,
                version=0 if added else 1,
                values={"status": "achieved", "lead_partner": "", "target_date": None, "notes": ""},
                differences=differences,
            )
        )
    batch = ImportBatch.objects.create(created_by=user, filename="many.csv")
    save_plan(batch, changes=changes, unchanged=7)
    return batch


def test_the_preview_counts_pages_and_filters_the_changes(
    guidance, coordinator_client, coordinator
):
    first, second = TaskForceFactory(name="Alpha"), TaskForceFactory(name="Beta")
    batch = _checked_batch(coordinator, [first, second], 150)
    page = coordinator_client.get(_page(batch))
    html = page.content.decode()
    assert "150 statuses will change; 7 rows already match" in html
    assert "New statuses: 50" in html and "Statuses changed: 100, of which:" in html
    assert "Notes: 50" in html and "Status: 100" in html
    assert "Changes the import will make: 1–100 of 150" in html
    assert "Change 000" in html and "Change 099" in html and "Change 100" not in html
    assert "Page 1 of 2" in html

    html = coordinator_client.get(_page(batch) + "?page=2").content.decode()
    assert "101–150 of 150" in html and "Change 149" in html and "Change 099" not in html

    html = coordinator_client.get(_page(batch) + f"?task_force={second.pk}").content.decode()
    assert "1–75 of 75" in html
    assert "Change 001" in html and "Change 000" not in html
    html = coordinator_client.get(_page(batch) + "?change=added").content.decode()
    assert "1–50 of 50" in html
    # Two filters at once: counted, as the summary cannot say.
    both = f"?task_force={second.pk}&change=added"
    assert "1–25 of 25" in coordinator_client.get(_page(batch) + both).content.decode()
    html = coordinator_client.get(_page(batch) + "?change=notes&page=2").content.decode()
    assert "Page 1 of 1" not in html and "1–50 of 50" in html  # past the end: the last page
    # Filters that are not the batch's own are ignored, never an error.
    html = coordinator_client.get(_page(batch) + "?change=version&task_force=x").content.decode()
    assert "1–100 of 150" in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.no_worker
def test_batch_pages_take_the_same_queries_for_5_and_60_changes(guidance, coordinator):
    client = Client()
    client.force_login(coordinator)
    task_forces = TaskForceFactory.create_batch(3)
    counts = []
    for size in (5, 60):
        batch = _checked_batch(coordinator, task_forces, size)
        running = ImportBatch.objects.create(
            created_by=coordinator, state=State.CHECKING, rows=size, checked_rows=1
        )
        counts.append(
            (
                _queries(client, _page(batch)),
                _queries(client, _page(batch) + "?change=status&page=1"),
                _queries(client, _progress(running)),
                _queries(client, _page(running)),
                _queries(client, reverse("assessments:import")),
            )
        )
    assert counts[0] == counts[1], counts
    # Session, user, batch, task forces, page of changes and the base
    # template's two permission lookups (the count is the summary's); the poll
    # is session, user, batch; the upload page adds the right to import and
    # the recent batches. Each page but the poll (a partial) adds the menu's counts.
    assert counts[1] == (8, 8, 3, 6, 7), counts


def test_the_full_list_of_changes_downloads_as_csv(guidance, coordinator_client, coordinator):
    task_force = TaskForceFactory(slug="alpha")
    batch = _checked_batch(coordinator, [task_force], 2)
    response = coordinator_client.get(reverse("assessments:import_changes", args=[batch.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert "import-changes-" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        {
            "task_force": "alpha",
            "milestone": "Change 000",
            "change": "added",
            "field": "status",
            "old": "not_started",
            "new": "achieved",
        },
        {
            "task_force": "alpha",
            "milestone": "Change 001",
            "change": "changed",
            "field": "notes",
            "old": "",
            "new": "note 1",
        },
        {
            "task_force": "alpha",
            "milestone": "Change 001",
            "change": "changed",
            "field": "status",
            "old": "planning",
            "new": "achieved",
        },
    ]


def test_another_persons_batch_is_404_on_every_page(guidance, coordinator_client):
    batch = _checked_batch(UserFactory(), [TaskForceFactory()], 2)
    for url in (
        _page(batch),
        _progress(batch),
        reverse("assessments:import_changes", args=[batch.pk]),
    ):
        assert coordinator_client.get(url).status_code == 404
    assert coordinator_client.post(_apply(batch)).status_code == 404
    batch.refresh_from_db()
    assert batch.state == State.CHECKED


def test_the_upload_page_lists_the_persons_ten_latest_batches(
    guidance, coordinator, coordinator_client
):
    start = timezone.now()
    for n in range(12):
        ImportBatch.objects.create(
            created_by=coordinator,
            filename=f"file-{n:02}.csv",
            state=State.APPLIED,
            created_at=start - datetime.timedelta(hours=12 - n),
        )
    ImportBatch.objects.create(created_by=UserFactory(), filename="someone-else.csv")
    ImportBatch.objects.create(
        created_by=coordinator, filename="partners.csv", kind=ImportBatch.Kind.REGISTER
    )
    html = coordinator_client.get(reverse("assessments:import")).content.decode()
    shown = [f"file-{n:02}.csv" for n in range(12) if f"file-{n:02}.csv" in html]
    assert shown == [f"file-{n:02}.csv" for n in range(2, 12)]
    assert html.index("file-11.csv") < html.index("file-02.csv")
    assert "someone-else.csv" not in html and "partners.csv" not in html
    assert "Applied" in html


# The apply -----------------------------------------------------------------


@pytest.mark.no_worker
def test_apply_runs_as_one_job_however_often_it_is_clicked(
    guidance, task_force, coordinator_client, run_jobs
):
    _upload(coordinator_client, _file(task_force, dict.fromkeys(_slugs(2), "planning")))
    run_jobs()
    batch = ImportBatch.objects.get()
    assert coordinator_client.post(_apply(batch)).status_code == 302
    second = coordinator_client.post(_apply(batch), follow=True)
    assert "already being applied" in second.content.decode()
    apply_jobs = DBTaskResult.objects.filter(task_path__endswith=".apply_import")
    assert apply_jobs.count() == 1
    batch.refresh_from_db()
    assert batch.state == State.APPLYING
    html = coordinator_client.get(_page(batch)).content.decode()
    assert "Applying 2 changes, started" in html
    assert "<progress" in html
    assert "Apply 2 changes" not in html

    run_jobs()
    batch.refresh_from_db()
    assert (batch.state, batch.applied_at is not None) == (State.APPLIED, True)
    assert MilestoneStatus.objects.filter(status=Status.PLANNING).count() == 2
    html = coordinator_client.get(_page(batch)).content.decode()
    assert "Imported: 2 statuses changed." in html
    assert reverse("assessments:task_force", args=[task_force.slug]) in html
    # Once applied, Apply starts nothing.
    coordinator_client.post(_apply(batch))
    assert apply_jobs.count() == 1


def test_an_apply_that_fails_midway_changes_nothing_and_says_so(
    guidance, task_force, coordinator_client
):
    slugs = _slugs(4)
    _upload(coordinator_client, _file(task_force, dict.fromkeys(slugs, "planning")))
    batch = ImportBatch.objects.get()
    original = services.milestone_statuses_update

    def half_then_crash(*, edits, **kwargs):
        original(edits=edits[:2], **kwargs)
        assert StatusChange.objects.count() == 2  # written, in the open transaction
        raise RuntimeError("the database went away")

    with mock.patch.object(importing.services, "milestone_statuses_update", half_then_crash):
        response = coordinator_client.post(_apply(batch), follow=True)
    batch.refresh_from_db()
    assert (batch.state, batch.applied_at) == (State.APPLY_FAILED, None)
    assert not MilestoneStatus.objects.exists()
    assert not StatusChange.objects.exists()
    html = response.content.decode()
    assert "The import failed before it finished; nothing was changed." in html
    assert "Apply again" in html
    result = DBTaskResult.objects.get(pk=batch.task_result_id)
    assert result.status == TaskResultStatus.FAILED

    # Applying again, now that the database is back, works.
    coordinator_client.post(_apply(batch))
    batch.refresh_from_db()
    assert batch.state == State.APPLIED
    assert MilestoneStatus.objects.filter(status=Status.PLANNING).count() == 4


@pytest.mark.no_worker
def test_a_worker_lost_mid_apply_shows_that_nothing_was_changed(
    guidance, task_force, coordinator_client, run_jobs
):
    _upload(coordinator_client, _file(task_force, {"task-force-mou": "planning"}))
    run_jobs()
    batch = ImportBatch.objects.get()
    coordinator_client.post(_apply(batch))
    batch.refresh_from_db()
    result = DBTaskResult.objects.get(pk=batch.task_result_id)
    result.set_failed(WorkerLost("The worker running this job stopped before it finished."))

    poll = coordinator_client.get(_progress(batch))
    assert poll["HX-Refresh"] == "true"
    html = coordinator_client.get(_page(batch)).content.decode()
    assert (
        "The import stopped before it finished; nothing was changed. Apply again or upload again."
    ) in html
    batch.refresh_from_db()
    assert batch.state == State.APPLY_FAILED
    assert not MilestoneStatus.objects.exists()

    coordinator_client.post(_apply(batch))
    run_jobs()
    batch.refresh_from_db()
    assert batch.state == State.APPLIED
    assert MilestoneStatus.objects.get().status == Status.PLANNING


def test_a_conflict_says_to_upload_again_and_changes_nothing(
    guidance, task_force, coordinator_client
):
    _upload(coordinator_client, _file(task_force, {"task-force-mou": "planning"}))
    batch = ImportBatch.objects.get()
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.ACHIEVED,
        user=UserFactory(),
    )
    html = coordinator_client.post(_apply(batch), follow=True).content.decode()
    assert "Nothing was changed." in html and "Upload the file again to re-check it." in html
    batch.refresh_from_db()
    assert batch.state == State.APPLY_FAILED
    assert MilestoneStatus.objects.get().status == Status.ACHIEVED


def test_the_register_import_goes_through_the_same_jobs(guidance, task_force, coordinator_client):
    row = {
        "task_force": task_force.slug,
        "agency": "Harbor Shelter",
        "sector": "victim-services",
        "partnership_type": "referral",
        "mou_status": "none",
    }
    upload = SimpleUploadedFile("partners.csv", to_csv(REGISTER_COLUMNS, [row]))
    response = coordinator_client.post(reverse("assessments:register_import"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("assessments:register_import_preview", args=[batch.pk])
    html = coordinator_client.get(response["Location"]).content.decode()
    assert "1 agency will be added and 0 changed" in html
    assert "Agencies added: 1" in html
    changes = coordinator_client.get(
        reverse("assessments:register_import_changes", args=[batch.pk])
    ).content.decode("utf-8-sig")
    assert f"{task_force.slug},Harbor Shelter,added,name,,Harbor Shelter" in changes
    coordinator_client.post(reverse("assessments:register_import_apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == State.APPLIED
    assert PartnerAgency.objects.filter(name="Harbor Shelter").exists()


@pytest.mark.no_worker
def test_a_worker_lost_mid_check_says_to_upload_again_and_forgets_the_file(
    guidance, task_force, coordinator_client
):
    _upload(coordinator_client, _file(task_force, {"task-force-mou": "planning"}))
    batch = ImportBatch.objects.get()
    DBTaskResult.objects.get(pk=batch.task_result_id).set_failed(WorkerLost("stopped"))
    html = coordinator_client.get(_page(batch)).content.decode()
    assert "The check stopped before it finished. Upload the file again." in html
    assert 'type="file"' in html
    batch.refresh_from_db()
    assert (batch.state, batch.content) == (State.FAILED, None)
