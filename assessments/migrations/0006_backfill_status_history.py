"""One history row for each status recorded before the history was kept, so
the trend and the timeline start from what was already there."""

from django.db import migrations


def backfill(apps, schema_editor):
    MilestoneStatus = apps.get_model("assessments", "MilestoneStatus")
    StatusChange = apps.get_model("assessments", "StatusChange")
    known = set(StatusChange.objects.values_list("task_force_id", "milestone_id"))
    rows = [
        StatusChange(
            task_force_id=record.task_force_id,
            milestone_id=record.milestone_id,
            old_status="not_started",
            new_status=record.status,
            changes={"status": ["not_started", record.status]},
            changed_by_id=record.updated_by_id,
            changed_at=record.updated_at,
            source="backfill",
        )
        for record in MilestoneStatus.objects.exclude(status="not_started").iterator()
        if (record.task_force_id, record.milestone_id) not in known
    ]
    StatusChange.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0005_history_source_backfill")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
