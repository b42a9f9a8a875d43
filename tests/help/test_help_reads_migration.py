"""Migration 0029: threads that exist already count as read by their task
force's coordinators, so the first deploy shows no past reply as unread."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("assessments", "0027_prepared_downloads")]
AFTER = [("assessments", "0029_help_request_reads")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_threads_are_read_by_their_coordinators():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("auth", "User")
    TaskForce = old.get_model("assessments", "TaskForce")
    HelpRequest = old.get_model("assessments", "HelpRequest")
    coordinator, other, manager = (
        User.objects.create(username=name) for name in ("co", "other", "pm")
    )
    task_force = TaskForce.objects.create(slug="tf", name="TF")
    task_force.coordinators.add(coordinator)
    TaskForce.objects.create(slug="tf2", name="TF2").coordinators.add(other)
    request = HelpRequest.objects.create(
        task_force=task_force, subject="Q", created_at=timezone.now()
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    reads = new.get_model("assessments", "HelpRequestRead").objects
    assert list(reads.values_list("user_id", "request_id")) == [(coordinator.pk, request.pk)]
    assert manager.pk not in reads.values_list("user_id", flat=True)
    # Back to the latest migration: later tests expect the whole schema.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
