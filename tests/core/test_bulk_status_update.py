"""services.milestone_statuses_update: an import's many statuses at once,
with the same rules per status as a single save, all or nothing, in queries
that do not grow with the number of rows."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assessments.common.stale import StaleSaveError
from assessments.core import bulk_status, services
from assessments.models import MilestoneStatus, Status, StatusChange
from stages.models import Milestone
from tests.factories import MilestoneStatusFactory, TaskForceFactory, UserFactory

IMPORT = StatusChange.Source.IMPORT


def _values(status, notes=""):
    return {"status": status, "notes": notes, "lead_partner": "", "target_date": None}


def _edits(task_forces, status, version=0):
    return [
        services.StatusEdit(
            task_force=tf, milestone=m, values=_values(status), expected_version=version
        )
        for tf in task_forces
        for m in Milestone.objects.active()
    ]


def test_new_and_existing_statuses_are_saved_with_their_history(guidance, staff_user):
    task_force = TaskForceFactory()
    mou = Milestone.objects.get(slug="task-force-mou")
    MilestoneStatusFactory(task_force=task_force, milestone=mou, status=Status.PLANNING, version=3)
    other = Milestone.objects.get(slug="youth-voice")
    changed = services.milestone_statuses_update(
        edits=[
            services.StatusEdit(
                task_force=task_force, milestone=mou, values=_values("achieved"), expected_version=3
            ),
            services.StatusEdit(
                task_force=task_force,
                milestone=other,
                values=_values("in_progress", "Drafting with the county"),
                expected_version=0,
            ),
        ],
        user=staff_user,
        source=IMPORT,
    )
    assert changed == 2
    saved = MilestoneStatus.objects.get(task_force=task_force, milestone=mou)
    assert (saved.status, saved.version, saved.updated_by) == ("achieved", 4, staff_user)
    assert saved.confirmed_by == staff_user and saved.confirmed_at == saved.updated_at
    created = MilestoneStatus.objects.get(task_force=task_force, milestone=other)
    assert (created.status, created.version, created.notes) == (
        "in_progress",
        1,
        "Drafting with the county",
    )
    history = {c.milestone_id: c for c in StatusChange.objects.filter(source=IMPORT)}
    assert (history[mou.pk].old_status, history[mou.pk].new_status) == ("planning", "achieved")
    assert (history[other.pk].old_status, history[other.pk].new_status) == (
        "not_started",
        "in_progress",
    )
    assert history[other.pk].changes["notes"] == ["", "Drafting with the county"]
    task_force.refresh_from_db()
    assert task_force.revision >= 1


def test_a_row_that_changes_nothing_writes_nothing(guidance, staff_user):
    task_force = TaskForceFactory()
    mou = Milestone.objects.get(slug="task-force-mou")
    MilestoneStatusFactory(task_force=task_force, milestone=mou, status=Status.PLANNING, version=2)
    edit = services.StatusEdit(
        task_force=task_force, milestone=mou, values=_values("planning"), expected_version=2
    )
    assert services.milestone_statuses_update(edits=[edit], user=staff_user, source=IMPORT) == 0
    assert MilestoneStatus.objects.get().version == 2
    assert not StatusChange.objects.exists()


def test_a_status_saved_since_the_check_refuses_the_lot(guidance, staff_user):
    task_force = TaskForceFactory()
    mou = Milestone.objects.get(slug="task-force-mou")
    MilestoneStatusFactory(task_force=task_force, milestone=mou, status=Status.PLANNING, version=5)
    edits = _edits([task_force], "in_progress")  # checked when mou had no record
    with pytest.raises(services.BulkEditRefused) as refused:
        services.milestone_statuses_update(edits=edits, user=staff_user, source=IMPORT)
    assert refused.value.edit.milestone == mou
    assert isinstance(refused.value.error, StaleSaveError)
    assert MilestoneStatus.objects.count() == 1
    assert MilestoneStatus.objects.get().status == Status.PLANNING
    assert not StatusChange.objects.exists()


def test_a_retired_milestone_or_a_bad_value_refuses_the_lot(guidance, staff_user):
    task_force = TaskForceFactory()
    edits = _edits([task_force], "achieved")
    Milestone.objects.filter(pk=edits[-1].milestone.pk).update(is_active=False)
    edits[-1].milestone.refresh_from_db()
    with pytest.raises(services.BulkEditRefused) as refused:
        services.milestone_statuses_update(edits=edits, user=staff_user, source=IMPORT)
    assert refused.value.error.code == "retired"
    edits = _edits([task_force], "achieved")[:3]
    edits[1] = services.StatusEdit(
        task_force=task_force,
        milestone=edits[1].milestone,
        values=_values("done"),
        expected_version=0,
    )
    with pytest.raises(services.BulkEditRefused) as refused:
        services.milestone_statuses_update(edits=edits, user=staff_user, source=IMPORT)
    assert isinstance(refused.value.error, ValidationError)
    assert not MilestoneStatus.objects.exists()
    assert not StatusChange.objects.exists()


def test_queries_do_not_grow_with_the_rows(guidance, django_assert_num_queries):
    user = UserFactory(is_staff=True)
    few = _edits(TaskForceFactory.create_batch(1), "planning")
    many = _edits(TaskForceFactory.create_batch(2), "planning")
    # Savepoint, lock, revision bump, read, insert statuses, insert history,
    # mark review cycle submissions started, release: 2 x 28 = 56 rows still
    # fit one batch of each insert, even on SQLite (999 parameters a query).
    with django_assert_num_queries(8):
        services.milestone_statuses_update(edits=few, user=user, source=IMPORT)
    with django_assert_num_queries(8):
        services.milestone_statuses_update(edits=many, user=user, source=IMPORT)
    assert StatusChange.objects.count() == 3 * 28


def test_more_rows_than_a_batch_are_all_saved(guidance):
    user = UserFactory(is_staff=True)
    task_forces = TaskForceFactory.create_batch(20)
    edits = _edits(task_forces, "planning")
    assert len(edits) > services.BULK_BATCH_SIZE
    services.milestone_statuses_update(edits=edits, user=user, source=IMPORT)
    edits = _edits(task_forces, "achieved", version=1)
    assert services.milestone_statuses_update(edits=edits, user=user, source=IMPORT) == 560
    assert set(MilestoneStatus.objects.values_list("status", "version")) == {("achieved", 2)}
    assert StatusChange.objects.count() == 2 * 560


def test_each_row_keeps_its_own_values_and_bookkeeping(guidance, staff_user):
    task_force = TaskForceFactory()
    milestones = list(Milestone.objects.active()[:3])
    earlier = MilestoneStatusFactory(
        task_force=task_force, milestone=milestones[0], status=Status.ACHIEVED, version=1
    ).status_since
    for milestone in milestones[1:]:
        MilestoneStatusFactory(
            task_force=task_force, milestone=milestone, status=Status.PLANNING, version=1
        )
    edits = [
        # Only the notes: the status, its date and its confirmation stay.
        services.StatusEdit(
            task_force=task_force,
            milestone=milestones[0],
            values=_values("achieved", "Signed by all partners"),
            expected_version=1,
        ),
        services.StatusEdit(
            task_force=task_force,
            milestone=milestones[1],
            values=_values("achieved"),
            expected_version=1,
        ),
        services.StatusEdit(
            task_force=task_force,
            milestone=milestones[2],
            values=_values("in_progress", "Drafting"),
            expected_version=1,
        ),
    ]
    services.milestone_statuses_update(edits=edits, user=staff_user, source=IMPORT)
    first, second, third = (
        MilestoneStatus.objects.get(task_force=task_force, milestone=m) for m in milestones
    )
    assert (first.status, first.notes, first.status_since) == (
        "achieved",
        "Signed by all partners",
        earlier,
    )
    assert first.confirmed_by is None
    assert (second.status, second.notes, second.confirmed_by) == ("achieved", "", staff_user)
    assert second.status_since == second.updated_at == second.confirmed_at
    assert (third.status, third.notes, third.confirmed_by) == ("in_progress", "Drafting", None)
    assert third.status_since == third.updated_at
    assert {first.version, second.version, third.version} == {2}
    assert {first.updated_by, second.updated_by, third.updated_by} == {staff_user}


def _existing(task_forces, milestones, version=1):
    """Saved statuses, and edits that give each its own notes and date."""
    edits = []
    for i, (task_force, milestone) in enumerate((tf, m) for tf in task_forces for m in milestones):
        MilestoneStatusFactory(
            task_force=task_force, milestone=milestone, status=Status.PLANNING, version=version
        )
        values = {
            "status": Status.IN_PROGRESS if i % 2 else Status.ACHIEVED,
            "notes": f"Row {i}",
            "lead_partner": f"Partner {i % 7}",
            "target_date": None if i % 3 == 0 else datetime.date(2027, 1, 1 + i % 28),
        }
        edits.append(
            services.StatusEdit(
                task_force=task_force, milestone=milestone, values=values, expected_version=version
            )
        )
    return edits


def test_rows_with_their_own_values_take_the_same_queries_in_one_chunk(
    guidance, django_assert_num_queries
):
    user = UserFactory(is_staff=True)
    milestones = list(Milestone.objects.active())
    few = _existing(TaskForceFactory.create_batch(1), milestones[:5])
    many = _existing(TaskForceFactory.create_batch(3), milestones[:20])
    # Savepoint, lock, revision bump, read and lock the statuses, one UPDATE
    # (whatever the values), insert history, review cycles' hook, release.
    with django_assert_num_queries(8):
        services.milestone_statuses_update(edits=few, user=user, source=IMPORT)
    with django_assert_num_queries(8):
        services.milestone_statuses_update(edits=many, user=user, source=IMPORT)
    for edit in few + many:
        saved = MilestoneStatus.objects.get(task_force=edit.task_force, milestone=edit.milestone)
        assert {name: getattr(saved, name) for name in edit.values} == edit.values
        assert (saved.version, saved.updated_by) == (2, user)
        assert (saved.confirmed_by == user) == (edit.values["status"] == Status.ACHIEVED)
    assert StatusChange.objects.count() == 65


def test_queries_grow_with_the_chunks_not_the_rows(guidance, monkeypatch):
    monkeypatch.setattr(bulk_status, "BULK_BATCH_SIZE", 10)
    user = UserFactory(is_staff=True)
    milestones = list(Milestone.objects.active())
    counts = []
    for size in (20, 21, 30):
        edits = _existing([TaskForceFactory()], milestones[:size])
        with CaptureQueriesContext(connection) as queries:
            services.milestone_statuses_update(edits=edits, user=user, source=IMPORT)
        counts.append(len(queries))
    # 2, 3 and 3 chunks: a read, an UPDATE and an insert each.
    assert counts[1] - counts[0] == 3
    assert counts[2] == counts[1]


def test_progress_is_reported_after_each_chunk(guidance, monkeypatch):
    monkeypatch.setattr(bulk_status, "BULK_BATCH_SIZE", 10)
    user = UserFactory(is_staff=True)
    reported = []
    services.milestone_statuses_update(
        edits=_edits([TaskForceFactory()], "planning"),
        user=user,
        source=IMPORT,
        progress=lambda done, total: reported.append((done, total)),
    )
    assert reported == [(10, 28), (20, 28), (28, 28)]


def test_a_stale_status_in_a_later_chunk_refuses_what_earlier_chunks_wrote(guidance, monkeypatch):
    monkeypatch.setattr(bulk_status, "BULK_BATCH_SIZE", 10)
    user = UserFactory(is_staff=True)
    task_force = TaskForceFactory()
    edits = _existing([task_force], list(Milestone.objects.active())[:25])
    last = edits[-1]
    MilestoneStatus.objects.filter(task_force=task_force, milestone=last.milestone).update(
        version=7
    )
    with pytest.raises(services.BulkEditRefused) as refused, transaction.atomic():
        services.milestone_statuses_update(edits=edits, user=user, source=IMPORT)
    assert refused.value.edit == last
    assert set(MilestoneStatus.objects.values_list("status", flat=True)) == {Status.PLANNING}
    assert not StatusChange.objects.exists()


def test_a_value_is_checked_even_after_valid_ones_of_the_same_field(guidance, monkeypatch):
    monkeypatch.setattr(bulk_status, "BULK_BATCH_SIZE", 10)
    user = UserFactory(is_staff=True)
    edits = _existing([TaskForceFactory()], list(Milestone.objects.active())[:25])
    too_long = {**edits[-1].values, "lead_partner": "x" * 201}
    edits[-1] = services.StatusEdit(
        task_force=edits[-1].task_force,
        milestone=edits[-1].milestone,
        values=too_long,
        expected_version=1,
    )
    with pytest.raises(services.BulkEditRefused) as refused:
        services.milestone_statuses_update(edits=edits, user=user, source=IMPORT)
    assert refused.value.edit == edits[-1]
    assert "lead_partner" in refused.value.error.message_dict
    assert not StatusChange.objects.exists()
