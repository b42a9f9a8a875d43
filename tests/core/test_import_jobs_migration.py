"""Migration 0026: batches kept their plan as one JSON list; each change
becomes an ImportChange row, and the batch is checked (or applied)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assessments", "0025_reminder_run")]
AFTER = [("assessments", "0026_import_jobs")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_plans_in_json_become_rows(django_user_model):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Stage = old.get_model("stages", "Stage")
    Milestone = old.get_model("stages", "Milestone")
    TaskForce = old.get_model("assessments", "TaskForce")
    ImportBatch = old.get_model("assessments", "ImportBatch")
    User = old.get_model("auth", "User")
    user = User.objects.create(username="migrated")
    stage = Stage.objects.create(slug="s", name="S", order=1)
    milestone = Milestone.objects.create(stage=stage, slug="m", name="The milestone", order=1)
    task_force = TaskForce.objects.create(slug="tf", name="TF")
    values = {"status": "planning", "lead_partner": "", "target_date": None, "notes": ""}
    statuses = ImportBatch.objects.create(
        created_by=user,
        changes=[
            {
                "task_force": task_force.pk,
                "milestone": milestone.pk,
                "version": 0,
                "values": values,
                "differences": {"status": ["not_started", "planning"]},
            }
        ],
    )
    register = ImportBatch.objects.create(
        created_by=user,
        kind="register",
        applied_at="2026-06-01T10:00:00Z",
        changes=[
            {
                "task_force": task_force.pk,
                "agency": 7,
                "version": 2,
                "name": "Harbor Shelter",
                "values": {},
                "differences": {"contact_phone": ["1", "2"]},
            }
        ],
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    ImportBatch = new.get_model("assessments", "ImportBatch")
    ImportChange = new.get_model("assessments", "ImportChange")
    batch = ImportBatch.objects.get(pk=statuses.pk)
    assert (batch.state, batch.change_count, batch.summary["added"]) == ("checked", 1, 1)
    change = ImportChange.objects.get(batch=batch)
    assert (change.object_id, change.subject, change.added, change.values) == (
        milestone.pk,
        "The milestone",
        True,
        values,
    )
    batch = ImportBatch.objects.get(pk=register.pk)
    assert (batch.state, batch.summary["fields"]) == ("applied", {"contact_phone": 1})
    change = ImportChange.objects.get(batch=batch)
    assert (change.object_id, change.subject, change.added, change.version) == (
        7,
        "Harbor Shelter",
        False,
        2,
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
