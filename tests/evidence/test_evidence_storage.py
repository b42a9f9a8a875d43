"""When the evidence storage fails (a full disk, a read-only folder) an
upload is refused with a clear answer and leaves nothing behind; and
check_evidence_storage lists files with no record and records with no file."""

import datetime
import errno
import os

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.evidence import services as service
from assessments.evidence import storage
from assessments.models import Evidence, EvidenceChange, TaskForce, evidence_storage
from stages.models import Milestone
from tests.evidence_samples.make_samples import pdf, read

pytestmark = pytest.mark.usefixtures("guidance")

# What a full disk left of a 1.5 MB upload.
PARTIAL_BYTES = 155_648


class FullDiskStorage(FileSystemStorage):
    """Writes the first part of the file, then the disk is full."""

    def _save(self, name, content):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        content.seek(0)
        with open(path, "wb") as handle:
            handle.write(content.read(PARTIAL_BYTES))
        raise OSError(errno.ENOSPC, "No space left on device", path)


class ReadOnlyStorage(FileSystemStorage):
    """A folder the app may not write to: nothing is written or deleted."""

    def _save(self, name, content):
        raise PermissionError(errno.EACCES, "Permission denied", self.path(name))

    def delete(self, name):
        raise PermissionError(errno.EACCES, "Permission denied", self.path(name))


class ObjectStoreDownStorage(FileSystemStorage):
    """An object store (S3) that refuses: its client raises its own error
    type (botocore's ClientError), not an OSError."""

    class ClientError(Exception):
        pass

    def _save(self, name, content):
        raise self.ClientError("An error occurred (ServiceUnavailable) when calling PutObject")

    def delete(self, name):
        raise self.ClientError("An error occurred (ServiceUnavailable) when calling DeleteObject")


def _use_storage(settings, folder, backend):
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": f"{__name__}.{backend}", "OPTIONS": {"location": folder}},
    }


@pytest.fixture
def milestone(guidance):
    return Milestone.objects.get(slug="task-force-mou")


@pytest.fixture
def upload_url(task_force, milestone):
    return reverse("assessments:evidence_upload", args=[task_force.slug, milestone.slug])


def _files(folder):
    return [path for path in folder.rglob("*") if path.is_file()]


def _big_pdf(size: int) -> bytes:
    return pdf() + b"%" + bytes(size - len(pdf()) - 2) + b"\n"


def _post(client, url, content: bytes):
    return client.post(
        url,
        {
            "title": "Signed MOU",
            "file": SimpleUploadedFile("mou.pdf", content, content_type="application/pdf"),
            "statement": "on",
        },
    )


def test_a_full_disk_refuses_the_upload_and_removes_the_partial_file(
    coordinator_client, upload_url, task_force, evidence_dir, settings
):
    _use_storage(settings, evidence_dir, "FullDiskStorage")
    revision = TaskForce.objects.get(pk=task_force.pk).revision
    response = _post(coordinator_client, upload_url, _big_pdf(1_500_000))
    assert response.status_code == 200
    assert response.context["file_form"].errors["file"] == [service.STORAGE_FAILED]
    assert "could not be stored, so nothing was saved" in response.content.decode()
    assert _files(evidence_dir) == []
    assert Evidence.objects.count() == 0
    assert EvidenceChange.objects.count() == 0
    assert TaskForce.objects.get(pk=task_force.pk).revision == revision


def test_a_read_only_folder_refuses_every_upload_with_a_clear_answer(
    coordinator_client, upload_url, evidence_dir, settings
):
    _use_storage(settings, evidence_dir, "ReadOnlyStorage")
    for content in (read("mou.pdf"), _big_pdf(1_500_000)):
        response = _post(coordinator_client, upload_url, content)
        assert response.status_code == 200
        assert response.context["file_form"].errors["file"] == [service.STORAGE_FAILED]
    assert Evidence.objects.count() == 0
    assert _files(evidence_dir) == []


def test_an_object_store_that_refuses_gets_the_same_clear_answer(
    coordinator_client, upload_url, evidence_dir, settings
):
    _use_storage(settings, evidence_dir, "ObjectStoreDownStorage")
    response = _post(coordinator_client, upload_url, read("mou.pdf"))
    assert response.status_code == 200
    assert response.context["file_form"].errors["file"] == [service.STORAGE_FAILED]
    assert Evidence.objects.count() == 0


def test_the_service_raises_storage_failed_and_keeps_no_partial_file(
    task_force, milestone, evidence_dir, settings
):
    _use_storage(settings, evidence_dir, "FullDiskStorage")
    with pytest.raises(service.StorageFailed) as failed:
        service.evidence_add_file(
            task_force=task_force,
            milestone=milestone,
            upload=SimpleUploadedFile("mou.pdf", _big_pdf(400_000)),
            title="Signed MOU",
            statement=True,
            user=None,
        )
    assert failed.value.message_dict == {"file": [service.STORAGE_FAILED]}
    assert _files(evidence_dir) == []


# check_evidence_storage -----------------------------------------------------

LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def _add(task_force, milestone, coordinator, title="Signed MOU"):
    return service.evidence_add_file(
        task_force=task_force,
        milestone=milestone,
        upload=SimpleUploadedFile("mou.pdf", read("mou.pdf")),
        title=title,
        statement=True,
        user=coordinator,
    )


def _orphan(folder, name="evidence/1/left-behind.pdf", changed=LONG_AGO):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 part")
    os.utime(path, (changed.timestamp(), changed.timestamp()))
    return name


def test_check_evidence_storage_is_quiet_and_succeeds_when_files_and_records_match(
    task_force, milestone, coordinator, evidence_dir, capsys
):
    _add(task_force, milestone, coordinator)
    call_command("check_evidence_storage")
    out = capsys.readouterr()
    assert "matches the records (1 files)" in out.out
    assert out.err == ""


def test_check_evidence_storage_lists_orphans_both_ways_and_fails(
    task_force, milestone, coordinator, evidence_dir, capsys
):
    kept = _add(task_force, milestone, coordinator, title="Kept")
    lost = _add(task_force, milestone, coordinator, title="Lost")
    evidence_storage().delete(lost.file.name)
    left = _orphan(evidence_dir)
    with pytest.raises(CommandError) as failed:
        call_command("check_evidence_storage")
    assert failed.value.returncode == 1
    assert "1 file(s) with no record, 1 record(s) with no file" in str(failed.value)
    err = capsys.readouterr().err
    assert f"File with no record: {left}" in err
    assert f"Record with no file: evidence {lost.pk} (task force {task_force.pk})" in err
    assert kept.file.name not in err
    # Titles stay out of the output, which goes to cron's mail.
    assert "Lost" not in err


def test_a_purged_record_is_not_missing_its_file(
    task_force, milestone, coordinator, evidence_dir, settings
):
    settings.EVIDENCE_RETENTION_DAYS = 0
    piece = _add(task_force, milestone, coordinator)
    service.evidence_remove(evidence=piece, user=coordinator, at=LONG_AGO)
    assert service.evidence_purge_removed() == 1
    assert storage.evidence_storage_check().ok


@pytest.mark.parametrize(("minutes_later", "listed"), [(10, False), (61, True)])
def test_a_recent_file_with_no_record_may_be_an_upload_in_progress(
    evidence_dir, minutes_later, listed, db
):
    """An upload writes its file before its record is committed."""
    written = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
    name = _orphan(evidence_dir, changed=written)
    check = storage.evidence_storage_check(
        now=written + datetime.timedelta(minutes=minutes_later),
        grace=datetime.timedelta(hours=1),
    )
    assert (check.files_without_row == [name]) is listed


def test_an_empty_or_missing_folder_is_fine(evidence_dir, settings, tmp_path, db):
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "not-made-yet"},
        },
    }
    check = storage.evidence_storage_check()
    assert check.ok and check.files_seen == 0
