"""Progress and the working stage, on small hand-made cases."""

import pytest

from assessments.core.progress import board_for, board_from, is_listed, progress_for
from assessments.models import MilestoneStatus, Status
from stages.models import Milestone
from tests.factories import (
    MilestoneFactory,
    MilestoneStatusFactory,
    StageFactory,
    TaskForceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stages():
    """Three stages of 3, 2 and 2 milestones."""
    foundation = StageFactory(name="Foundation", order=1)
    stabilization = StageFactory(name="Stabilization", order=2)
    sustainability = StageFactory(name="Sustainability", order=3)
    return {
        foundation: [MilestoneFactory(stage=foundation, order=i) for i in range(3)],
        stabilization: [MilestoneFactory(stage=stabilization, order=i) for i in range(2)],
        sustainability: [MilestoneFactory(stage=sustainability, order=i) for i in range(2)],
    }


def _set(task_force, milestones, status):
    for milestone in milestones:
        MilestoneStatusFactory(task_force=task_force, milestone=milestone, status=status)


def _progress(task_force):
    return progress_for([task_force])[task_force.pk]


def _counts(progress):
    return [(s.stage.name, s.achieved, s.total, s.percent) for s in progress.stages]


def test_nothing_recorded_is_zero_everywhere_and_working_on_the_first_stage(stages):
    progress = _progress(TaskForceFactory())
    assert _counts(progress) == [
        ("Foundation", 0, 3, 0),
        ("Stabilization", 0, 2, 0),
        ("Sustainability", 0, 2, 0),
    ]
    assert (progress.achieved, progress.total, progress.percent) == (0, 7, 0)
    assert progress.working_stage.name == "Foundation"


def test_only_achieved_counts_not_planning_or_in_progress(stages):
    task_force = TaskForceFactory()
    foundation = list(stages.values())[0]
    _set(task_force, foundation[:1], Status.ACHIEVED)
    _set(task_force, foundation[1:2], Status.PLANNING)
    _set(task_force, foundation[2:], Status.IN_PROGRESS)
    progress = _progress(task_force)
    assert _counts(progress)[0] == ("Foundation", 1, 3, 33)
    assert progress.working_stage.name == "Foundation"


def test_a_later_milestone_achieved_early_counts_without_moving_the_working_stage(stages):
    task_force = TaskForceFactory()
    foundation, _, sustainability = stages.values()
    _set(task_force, foundation[:2], Status.ACHIEVED)
    _set(task_force, sustainability[:1], Status.ACHIEVED)
    progress = _progress(task_force)
    assert _counts(progress) == [
        ("Foundation", 2, 3, 67),
        ("Stabilization", 0, 2, 0),
        ("Sustainability", 1, 2, 50),
    ]
    assert (progress.achieved, progress.total, progress.percent) == (3, 7, 43)
    assert progress.working_stage.name == "Foundation"


def test_completing_the_first_stage_moves_the_working_stage_on(stages):
    task_force = TaskForceFactory()
    foundation, _, sustainability = stages.values()
    _set(task_force, foundation, Status.ACHIEVED)
    _set(task_force, sustainability, Status.ACHIEVED)
    progress = _progress(task_force)
    assert progress.working_stage.name == "Stabilization"


def test_a_lapsed_milestone_is_not_achieved_and_moves_the_working_stage_back(stages):
    task_force = TaskForceFactory()
    foundation, stabilization, _ = stages.values()
    _set(task_force, foundation[:2], Status.ACHIEVED)
    _set(task_force, foundation[2:], Status.LAPSED)  # e.g. the MOU expired
    _set(task_force, stabilization, Status.ACHIEVED)
    progress = _progress(task_force)
    assert _counts(progress)[:2] == [("Foundation", 2, 3, 67), ("Stabilization", 2, 2, 100)]
    assert progress.working_stage.name == "Foundation"


def test_everything_achieved_is_complete_and_working_on_the_last_stage(stages):
    task_force = TaskForceFactory()
    for milestones in stages.values():
        _set(task_force, milestones, Status.ACHIEVED)
    progress = _progress(task_force)
    assert (progress.achieved, progress.total, progress.percent) == (7, 7, 100)
    assert all(s.is_complete for s in progress.stages)
    assert progress.working_stage.name == "Sustainability"


def test_retired_milestones_count_neither_way(stages):
    task_force = TaskForceFactory()
    foundation = list(stages.values())[0]
    _set(task_force, foundation[:2], Status.ACHIEVED)
    retired = foundation[0]
    retired.is_active = False
    retired.save()
    progress = _progress(task_force)
    assert _counts(progress)[0] == ("Foundation", 1, 2, 50)


def test_progress_of_several_task_forces_is_kept_apart(stages):
    ahead, behind = TaskForceFactory(), TaskForceFactory()
    foundation = list(stages.values())[0]
    _set(ahead, foundation, Status.ACHIEVED)
    _set(behind, foundation[:1], Status.LAPSED)
    progress = progress_for([ahead, behind])
    assert _counts(progress[ahead.pk])[0] == ("Foundation", 3, 3, 100)
    assert _counts(progress[behind.pk])[0] == ("Foundation", 0, 3, 0)
    assert progress[ahead.pk].working_stage.name == "Stabilization"


def test_progress_for_any_number_of_task_forces_takes_two_queries(
    stages, django_assert_num_queries
):
    task_forces = TaskForceFactory.create_batch(10)
    with django_assert_num_queries(2):
        progress_for(task_forces)


def test_board_lists_active_milestones_and_retired_ones_only_when_recorded(stages):
    task_force = TaskForceFactory()
    foundation = list(stages.values())[0]
    recorded, unrecorded = foundation[0], foundation[1]
    MilestoneStatusFactory(task_force=task_force, milestone=recorded, status=Status.ACHIEVED)
    for milestone in (recorded, unrecorded):
        milestone.is_active = False
        milestone.save()
    _, sections = board_for(task_force)
    listed = [row.milestone for row in sections[0].rows]
    assert recorded in listed
    assert unrecorded not in listed
    assert foundation[2] in listed
    assert [row.status for row in sections[0].rows] == [Status.ACHIEVED, Status.NOT_STARTED]


def test_the_board_from_rows_in_hand_equals_the_board_from_the_database(
    stages, django_assert_num_queries
):
    task_force = TaskForceFactory()
    foundation, stabilization, _ = stages.values()
    _set(task_force, foundation[:2], Status.ACHIEVED)
    _set(task_force, stabilization[:1], Status.LAPSED)
    retired = foundation[0]
    retired.is_active = False
    retired.save()
    milestones = list(Milestone.objects.select_related("stage"))
    records = {r.milestone_id: r for r in MilestoneStatus.objects.filter(task_force=task_force)}
    with django_assert_num_queries(0):
        progress, sections = board_from(milestones, records)
    expected_progress, expected_sections = board_for(task_force)
    assert (
        _counts(progress)
        == _counts(expected_progress)
        == [
            ("Foundation", 1, 2, 50),
            ("Stabilization", 0, 2, 0),
            ("Sustainability", 0, 2, 0),
        ]
    )
    assert progress.working_stage == expected_progress.working_stage
    assert [[(r.milestone.pk, r.status) for r in s.rows] for s in sections] == [
        [(r.milestone.pk, r.status) for r in s.rows] for s in expected_sections
    ]


def test_a_retired_milestone_is_listed_only_where_a_status_is_recorded(stages):
    milestone = list(stages.values())[0][0]
    record = MilestoneStatusFactory(milestone=milestone)
    assert is_listed(milestone, None) and is_listed(milestone, record)
    milestone.is_active = False
    assert is_listed(milestone, record)
    assert not is_listed(milestone, None)
