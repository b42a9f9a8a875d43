"""Uploads racing for a task force's last room: the quota is counted with
the task force's row locked, so only as many as fit are stored, for real:
threads with their own PostgreSQL connections (SQLite serialises every
writer, so the race is run on PostgreSQL only: DATABASE_URL=postgres://...)."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from assessments.evidence import services as service
from assessments.models import Evidence
from stages.models import Milestone
from tests.evidence_samples.make_samples import pdf
from tests.factories import TaskForceFactory, UserFactory

pytestmark = [
    # serialized_rollback: see tests/core/test_concurrent_writes.py.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a real race needs PostgreSQL's row locks"
    ),
]

UPLOADERS = 4


def test_uploads_racing_for_the_quota_store_only_what_fits(guidance, evidence_dir, settings):
    settings.EVIDENCE_QUOTA_MB = 1
    milestone = Milestone.objects.get(slug="task-force-mou")
    task_force = TaskForceFactory()
    people = [UserFactory() for _ in range(UPLOADERS)]
    content = pdf() + b"%" + bytes(600 * 1024) + b"\n"  # two do not fit in 1 MB
    start = threading.Barrier(UPLOADERS)
    results: list = [None] * UPLOADERS

    def upload(index):
        try:
            start.wait()
            results[index] = service.evidence_add_file(
                task_force=task_force,
                milestone=milestone,
                upload=SimpleUploadedFile("mou.pdf", content),
                title=f"Copy {index}",
                statement=True,
                user=people[index],
            )
        except Exception as error:  # noqa: BLE001 - what each got is the finding
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(UPLOADERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an upload hung"
    stored = [result for result in results if isinstance(result, Evidence)]
    refused = [result for result in results if isinstance(result, service.UploadLimitReached)]
    assert (len(stored), len(refused)) == (1, UPLOADERS - 1), results
    assert Evidence.objects.count() == 1
    assert len([path for path in evidence_dir.rglob("*") if path.is_file()]) == 1
