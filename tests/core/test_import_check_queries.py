"""The status import's check reads in a fixed number of queries, whatever the
number of rows (a whole country is 88,004)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.common.spreadsheets import to_csv
from assessments.core import importing
from stages.models import Milestone
from tests.factories import MilestoneStatusFactory, TaskForceFactory


def _sheet(task_forces) -> bytes:
    milestones = list(Milestone.objects.active())
    for task_force in task_forces:
        MilestoneStatusFactory(task_force=task_force, milestone=milestones[0], version=1)
    rows = [
        {"task_force": tf.slug, "milestone": m.slug, "status": "achieved", "notes": f"{tf.pk}"}
        for tf in task_forces
        for m in milestones
    ]
    return to_csv(importing.REQUIRED_COLUMNS, rows)


def test_the_check_takes_the_same_queries_for_few_rows_and_many(guidance, staff_user):
    counts = []
    for size in (1, 4):
        content = _sheet(TaskForceFactory.create_batch(size))
        with CaptureQueriesContext(connection) as queries:
            check = importing.check_file(content=content, user=staff_user)
        assert check.ok, check.errors
        assert len(check.changes) == size * Milestone.objects.active().count()
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 4  # task forces, milestones, the saved statuses (+ the user's access)
