"""Limits on evidence uploads: each person's uploads per hour, and each task
force's stored total. Refused with a message above the form; nothing stored."""

import datetime
import os
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.evidence import services as service
from assessments.models import Evidence
from stages.models import Milestone
from tests.evidence_samples.make_samples import pdf, read
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("guidance")

MONDAY_TEN = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def milestone(guidance):
    return Milestone.objects.get(slug="task-force-mou")


@pytest.fixture
def upload_url(task_force, milestone):
    return reverse("assessments:evidence_upload", args=[task_force.slug, milestone.slug])


def _files(folder):
    return [path for path in folder.rglob("*") if path.is_file()]


def _pdf_of(size: int) -> bytes:
    return pdf() + b"%" + bytes(size - len(pdf()) - 2) + b"\n"


def _post(client, url, content: bytes | None = None, title: str = "Signed MOU"):
    return client.post(
        url,
        {
            "title": title,
            "file": SimpleUploadedFile("mou.pdf", content or read("mou.pdf")),
            "statement": "on",
        },
    )


def test_uploads_past_the_hourly_limit_are_refused_until_the_hour_has_passed(
    client, coordinator, upload_url, evidence_dir, settings, events
):
    settings.EVIDENCE_UPLOADS_PER_HOUR = 3
    with time_machine.travel(MONDAY_TEN, tick=False) as traveller:
        client.force_login(coordinator)
        for number in range(3):
            assert _post(client, upload_url, title=f"Part {number}").status_code == 302
            traveller.shift(datetime.timedelta(minutes=10))
        refused = _post(client, upload_url, title="Part 4")
        assert refused.status_code == 200
        [message] = refused.context["file_form"].non_field_errors()
        assert "3 documents in the last hour, the most allowed. Nothing was saved" in message
        assert message in refused.content.decode()
        assert Evidence.objects.count() == 3
        assert len(_files(evidence_dir)) == 3
        assert len(events("evidence.upload_limited")) == 1
        # An hour after the first upload, one more is allowed.
        traveller.move_to(MONDAY_TEN + datetime.timedelta(minutes=60, seconds=1))
        assert _post(client, upload_url, title="Part 4").status_code == 302
    assert Evidence.objects.count() == 4


def test_the_hourly_limit_is_per_person(
    client, coordinator, task_force, upload_url, evidence_dir, settings
):
    settings.EVIDENCE_UPLOADS_PER_HOUR = 1
    colleague = UserFactory()
    task_force.coordinators.add(colleague)
    with time_machine.travel(MONDAY_TEN, tick=False):
        client.force_login(coordinator)
        assert _post(client, upload_url).status_code == 302
        assert _post(client, upload_url).status_code == 200
        client.force_login(colleague)
        assert _post(client, upload_url).status_code == 302
    assert Evidence.objects.count() == 2


def test_links_do_not_count_towards_the_hourly_limit(
    coordinator_client, task_force, milestone, upload_url, settings
):
    settings.EVIDENCE_UPLOADS_PER_HOUR = 1
    link_url = reverse("assessments:evidence_link_add", args=[task_force.slug, milestone.slug])
    for _ in range(3):
        response = coordinator_client.post(
            link_url, {"title": "Protocol", "url": "https://partner.example.org/protocol"}
        )
        assert response.status_code == 302
    assert _post(coordinator_client, upload_url).status_code == 302


def test_an_upload_past_the_task_force_quota_is_refused(
    coordinator_client, upload_url, evidence_dir, settings
):
    settings.EVIDENCE_QUOTA_MB = 1
    assert _post(coordinator_client, upload_url, _pdf_of(600 * 1024)).status_code == 302
    refused = _post(coordinator_client, upload_url, _pdf_of(500 * 1024))
    assert refused.status_code == 200
    [message] = refused.context["file_form"].non_field_errors()
    assert "take 0.6 MB of the 1 MB it may store" in message
    assert "Nothing was saved" in message
    assert Evidence.objects.count() == 1
    assert len(_files(evidence_dir)) == 1
    # What still fits is accepted.
    assert _post(coordinator_client, upload_url, _pdf_of(400 * 1024)).status_code == 302


def test_removed_documents_count_against_the_quota_until_purged(
    task_force, milestone, coordinator, evidence_dir, settings
):
    settings.EVIDENCE_QUOTA_MB = 1
    settings.EVIDENCE_RETENTION_DAYS = 0

    def add():
        return service.evidence_add_file(
            task_force=task_force,
            milestone=milestone,
            upload=SimpleUploadedFile("mou.pdf", _pdf_of(600 * 1024)),
            title="Signed MOU",
            statement=True,
            user=coordinator,
            at=MONDAY_TEN,
        )

    piece = add()
    service.evidence_remove(evidence=piece, user=coordinator, at=MONDAY_TEN)
    with pytest.raises(service.UploadLimitReached):
        add()
    assert service.evidence_purge_removed(now=MONDAY_TEN + datetime.timedelta(seconds=1)) == 1
    add()
    assert Evidence.objects.present().count() == 1


def test_the_quota_is_per_task_force(task_force, milestone, coordinator, evidence_dir, settings):
    from tests.factories import TaskForceFactory

    settings.EVIDENCE_QUOTA_MB = 1
    for owner in (task_force, TaskForceFactory()):
        service.evidence_add_file(
            task_force=owner,
            milestone=milestone,
            upload=SimpleUploadedFile("mou.pdf", _pdf_of(600 * 1024)),
            title="Signed MOU",
            statement=True,
            user=None,
        )
    assert Evidence.objects.count() == 2


def _load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(DJANGO_DEBUG="1", **env)
    return subprocess.run(
        [sys.executable, "-c", "import taskforce_site.settings"],
        cwd=django_settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("name", ["DJANGO_EVIDENCE_UPLOADS_PER_HOUR", "DJANGO_EVIDENCE_QUOTA_MB"])
def test_a_limit_below_one_stops_start_up(name):
    result = _load_settings(**{name: "0"})
    assert result.returncode != 0
    assert f"{name} must be 1 or more" in result.stderr
