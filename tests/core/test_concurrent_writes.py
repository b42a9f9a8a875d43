"""An import's Apply racing in-place and page saves of the same task force,
for real: threads with their own PostgreSQL connections. Whoever loses gets
a clear refusal (the row's "Not saved", a 409, the import's "changed since
the check"), never a 500, and data and history stay consistent.

SQLite serialises every writer on one file lock, so the race is run on
PostgreSQL only (DATABASE_URL=postgres://...)."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from assessments.models import ImportBatch, ImportChange, MilestoneStatus, Status, StatusChange
from stages.models import Milestone
from tests.factories import TaskForceFactory, UserFactory

pytestmark = [
    # serialized_rollback, like the e2e tests: a transactional test without it
    # re-creates the content types under new ids when it empties the database,
    # and the next serialized_rollback test then cannot restore its own.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a real race needs PostgreSQL's row locks"
    ),
]

ROUNDS = 4
SAVERS = 4  # threads saving, besides the one applying the import


def _client(user) -> Client:
    # Exceptions come back as responses (500), as a user would see them.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _batch(user, task_force, milestones) -> ImportBatch:
    """A checked import setting every milestone to "planning", checked
    against "no record yet" (version 0), as save_plan stores it."""
    batch = ImportBatch.objects.create(
        created_by=user, filename="race.csv", state=ImportBatch.State.CHECKED
    )
    ImportChange.objects.bulk_create(
        ImportChange(
            batch=batch,
            task_force=task_force,
            object_id=milestone.pk,
            subject=milestone.name,
            added=True,
            version=0,
            values={
                "status": Status.PLANNING,
                "lead_partner": "",
                "target_date": None,
                "notes": "",
            },
            differences={"status": ["not_started", "planning"]},
        )
        for milestone in milestones
    )
    return batch


def _race(task_force, coordinator, milestones):
    """Start the import and SAVERS saves at the same moment; return what
    each got back (responses, or an exception that escaped)."""
    batch = _batch(coordinator, task_force, milestones)
    clients = [_client(coordinator) for _ in range(SAVERS + 1)]
    start = threading.Barrier(SAVERS + 1)
    results: list = [None] * (SAVERS + 1)

    def apply_import():
        try:
            start.wait()
            results[0] = clients[0].post(reverse("assessments:import_apply", args=[batch.pk]))
        except Exception as error:  # noqa: BLE001 - an escaped error is the finding
            results[0] = error
        finally:
            connections.close_all()

    def save(index):
        # Alternate the in-place (htmx) and the page form, over the milestones
        # the import also writes, in reverse order to provoke a lock cycle.
        milestone = milestones[-(index % len(milestones)) - 1]
        url = reverse("assessments:milestone_edit", args=[task_force.slug, milestone.slug])
        data = {"status": Status.ACHIEVED, "version": 0, "lead_partner": "", "notes": ""}
        headers = {"HTTP_HX_REQUEST": "true"} if index % 2 else {}
        try:
            start.wait()
            results[index] = (milestone, clients[index].post(url, data, **headers), headers)
        except Exception as error:  # noqa: BLE001
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=apply_import)]
    threads += [threading.Thread(target=save, args=(i,)) for i in range(1, SAVERS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return batch, results


def _check_consistent(task_force, milestones, batch):
    batch.refresh_from_db()
    imported = StatusChange.objects.filter(task_force=task_force, source="import").count()
    # All or nothing.
    assert imported in (0, len(milestones))
    assert (batch.applied_at is not None) == (imported == len(milestones))
    # Every record's history adds up to it: one change per version, the last
    # one naming the status it has.
    for record in MilestoneStatus.objects.filter(task_force=task_force):
        history = list(
            StatusChange.objects.filter(task_force=task_force, milestone=record.milestone).order_by(
                "changed_at", "pk"
            )
        )
        assert len(history) == record.version
        assert history[-1].new_status == record.status
    assert (
        not StatusChange.objects.filter(task_force=task_force)
        .exclude(milestone__in=milestones)
        .exists()
    )


def test_an_import_racing_saves_ends_in_refusals_never_in_a_500(guidance):
    milestones = list(Milestone.objects.filter(stage__order=1).order_by("pk")[:6])
    outcomes = Counter()
    for _ in range(ROUNDS):
        task_force = TaskForceFactory()
        coordinator = UserFactory()
        task_force.coordinators.add(coordinator)
        batch, results = _race(task_force, coordinator, milestones)

        apply_response = results[0]
        assert not isinstance(apply_response, Exception), apply_response
        assert apply_response.status_code == 302, apply_response.status_code
        # The Apply queued its job, which ran right after the request.
        batch.refresh_from_db()
        assert batch.state in (ImportBatch.State.APPLIED, ImportBatch.State.APPLY_FAILED)
        applied = batch.state == ImportBatch.State.APPLIED
        outcomes["import applied" if applied else "import refused"] += 1

        for result in results[1:]:
            assert not isinstance(result, Exception), result
            milestone, response, headers = result
            assert response.status_code != 500
            if headers:  # in place: 200 either way, the row says which
                html = response.content.decode()
                assert response.status_code == 200
                assert ("Saved:" in html) != ("Not saved:" in html)
                outcomes["in place saved" if "Saved:" in html else "in place refused"] += 1
            else:
                assert response.status_code in (302, 409)
                outcomes["page saved" if response.status_code == 302 else "page refused"] += 1
        _check_consistent(task_force, milestones, batch)
    print(dict(outcomes))  # noqa: T201 - seen with -s, to tell how the races went
