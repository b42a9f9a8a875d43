import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.common.stale import StaleSaveError
from assessments.core import services
from assessments.cycles import services as cycles
from assessments.cycles.models import CycleSubmission, Snapshot, SubmissionReview
from assessments.models import Status, StatusChange
from stages.models import Milestone
from tests.cycle_support import open_cycle, program_manager, ready_to_submit, submit
from tests.factories import TaskForceFactory, UserFactory


@pytest.fixture
def setup(guidance, task_force, coordinator):
    manager = program_manager()
    cycle = open_cycle(manager)
    return {
        "manager": manager,
        "cycle": cycle,
        "submission": cycle.submissions.get(task_force=task_force),
        "coordinator": coordinator,
        "task_force": task_force,
    }


def _fresh(submission):
    return CycleSubmission.objects.select_related("cycle", "task_force").get(pk=submission.pk)


def test_opening_creates_one_not_started_submission_per_covered_task_force(guidance):
    north = [TaskForceFactory(region="North") for _ in range(3)]
    TaskForceFactory(region="South")
    cycle = open_cycle(program_manager(), region="North")
    assert sorted(cycle.submissions.values_list("task_force_id", flat=True)) == sorted(
        tf.pk for tf in north
    )
    assert set(cycle.submissions.values_list("state", flat=True)) == {"not_started"}


def test_opening_refuses_bad_input_and_saves_nothing(guidance, task_force):
    manager = program_manager()
    with pytest.raises(ValidationError) as error:
        open_cycle(manager, title=" ", days=-1)
    assert set(error.value.message_dict) == {"title", "due_on"}
    with pytest.raises(ValidationError) as error:
        open_cycle(manager, region="Nowhere")
    assert "No task force is in the region 'Nowhere'" in str(error.value)
    assert not CycleSubmission.objects.exists()


def test_only_program_managers_and_staff_open_cycles(guidance, coordinator):
    with pytest.raises(PermissionDenied):
        open_cycle(coordinator)
    assert open_cycle(UserFactory(is_staff=True)).submissions.count() == 1


def test_first_confirmation_starts_the_submission(setup):
    milestone = Milestone.objects.active().first()
    cycles.milestone_review(
        submission=setup["submission"], milestone=milestone, user=setup["coordinator"]
    )
    assert _fresh(setup["submission"]).state == "in_progress"
    review = StatusChange.objects.get(milestone=milestone)
    assert review.source == StatusChange.Source.REVIEW
    assert review.old_status == review.new_status == Status.NOT_STARTED


def test_confirming_an_achieved_milestone_restarts_its_review_clock(setup):
    milestone = Milestone.objects.active().first()
    long_ago = services.milestone_status_update(
        task_force=setup["task_force"],
        milestone=milestone,
        status=Status.ACHIEVED,
        user=setup["coordinator"],
        at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )
    cycles.milestone_review(
        submission=setup["submission"], milestone=milestone, user=setup["coordinator"]
    )
    long_ago.refresh_from_db()
    assert long_ago.confirmed_at.year > 2020
    assert milestone.pk in cycles.reviewed_milestone_ids(setup["submission"])


def test_a_change_before_the_cycle_opened_does_not_count_as_reviewed(setup):
    milestone = Milestone.objects.active().first()
    services.milestone_status_update(
        task_force=setup["task_force"],
        milestone=milestone,
        status=Status.PLANNING,
        user=setup["coordinator"],
        at=setup["cycle"].opened_at - datetime.timedelta(days=1),
    )
    assert milestone.pk not in cycles.reviewed_milestone_ids(setup["submission"])
    services.milestone_status_update(
        task_force=setup["task_force"],
        milestone=milestone,
        status=Status.IN_PROGRESS,
        user=setup["coordinator"],
    )
    assert milestone.pk in cycles.reviewed_milestone_ids(setup["submission"])


def test_submit_refuses_until_every_milestone_is_reviewed_and_every_stage_has_a_narrative(setup):
    submission = setup["submission"]
    with pytest.raises(ValidationError) as error:
        cycles.submission_submit(
            submission=submission, user=setup["coordinator"], expected_version=0
        )
    assert "28 milestone(s) not reviewed" in str(error.value)
    assert "Write the narrative for" in str(error.value)
    assert not Snapshot.objects.exists()
    assert _fresh(submission).state == "not_started"


def test_submit_freezes_every_listed_milestone_the_narrative_and_the_plan(setup):
    milestone = Milestone.objects.get(slug="task-force-mou")
    services.milestone_status_update(
        task_force=setup["task_force"],
        milestone=milestone,
        status=Status.IN_PROGRESS,
        lead_partner="County Health",
        target_date=datetime.date(2027, 6, 1),
        user=setup["coordinator"],
    )
    submission = ready_to_submit(setup["submission"], setup["coordinator"])
    submission = cycles.submission_save_draft(
        submission=submission,
        narrative=submission.narrative,
        plan=[{"milestone": milestone.pk, "owner": "County Health", "due_on": "2028-01-31"}],
        user=setup["coordinator"],
        expected_version=submission.version,
    )
    snapshot = cycles.submission_submit(
        submission=submission, user=setup["coordinator"], expected_version=submission.version
    )
    assert snapshot.number == 1
    assert snapshot.submitted_by == setup["coordinator"]
    statuses = snapshot.statuses()
    assert len(statuses) == 28
    assert statuses[milestone.pk] == Status.IN_PROGRESS
    assert list(statuses.values()).count(Status.NOT_STARTED) == 27
    row = snapshot.milestones.get(milestone=milestone)
    assert (row.lead_partner, row.target_date) == ("County Health", datetime.date(2027, 6, 1))
    assert snapshot.narrative == submission.narrative
    item = snapshot.plan().get()
    assert (item.milestone, item.owner, item.due_on) == (
        milestone,
        "County Health",
        datetime.date(2028, 1, 31),
    )
    assert _fresh(submission).state == "submitted"


def test_return_then_resubmit_keeps_both_versions_then_accept(setup):
    submission = setup["submission"]
    first = submit(submission, setup["coordinator"])
    with pytest.raises(ValidationError):
        cycles.submission_return(submission=submission, comments=" ", user=setup["manager"])
    assert _fresh(submission).state == "submitted"
    cycles.submission_return(
        submission=submission, comments="Add the MOU date.", user=setup["manager"]
    )
    returned = _fresh(submission)
    assert returned.state == "returned"
    assert returned.is_editable
    second = cycles.submission_submit(
        submission=returned, user=setup["coordinator"], expected_version=returned.version
    )
    assert (first.number, second.number) == (1, 2)
    review = cycles.submission_accept(submission=submission, user=setup["manager"])
    assert review.snapshot == second
    assert _fresh(submission).state == "accepted"
    assert list(Snapshot.objects.filter(submission=submission).order_by("number")) == [
        first,
        second,
    ]
    assert Snapshot.objects.latest_accepted_for(setup["task_force"]) == second
    assert first.reviews.get().decision == SubmissionReview.Decision.RETURNED


@pytest.mark.parametrize(
    "state_after, action",
    [
        ("not_started", "accept"),  # accepting a draft
        ("not_started", "return"),
        ("submitted", "submit"),  # submitting twice
        ("accepted", "submit"),  # submitting after acceptance
        ("accepted", "return"),  # returning an accepted one
        ("accepted", "accept"),
        ("accepted", "save"),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(setup, state_after, action):
    submission, coordinator, manager = setup["submission"], setup["coordinator"], setup["manager"]
    if state_after != "not_started":
        submit(submission, coordinator)
    if state_after == "accepted":
        cycles.submission_accept(submission=submission, user=manager)
    before = _fresh(submission)
    snapshots, reviews = Snapshot.objects.count(), SubmissionReview.objects.count()
    calls = {
        "accept": lambda: cycles.submission_accept(submission=before, user=manager),
        "return": lambda: cycles.submission_return(submission=before, comments="Why", user=manager),
        "submit": lambda: cycles.submission_submit(
            submission=before, user=coordinator, expected_version=before.version
        ),
        "save": lambda: cycles.submission_save_draft(
            submission=before,
            narrative={},
            plan=[],
            user=coordinator,
            expected_version=before.version,
        ),
    }
    with pytest.raises(ValidationError) as error:
        calls[action]()
    assert error.value.code == "invalid_state" or "can be" in str(error.value)
    after = _fresh(submission)
    assert (after.state, after.version) == (before.state, before.version)
    assert (Snapshot.objects.count(), SubmissionReview.objects.count()) == (snapshots, reviews)


def test_a_stale_version_is_refused(setup):
    submission = setup["submission"]
    cycles.submission_save_draft(
        submission=submission,
        narrative={},
        plan=[],
        user=setup["coordinator"],
        expected_version=0,
    )
    with pytest.raises(StaleSaveError):
        cycles.submission_save_draft(
            submission=submission,
            narrative={},
            plan=[],
            user=setup["coordinator"],
            expected_version=0,
        )
    assert _fresh(submission).version == 1


def test_coordinators_cannot_decide_and_program_managers_cannot_submit(setup):
    submit(setup["submission"], setup["coordinator"])
    with pytest.raises(PermissionDenied):
        cycles.submission_accept(submission=setup["submission"], user=setup["coordinator"])
    with pytest.raises(PermissionDenied):
        cycles.milestone_review(
            submission=setup["submission"],
            milestone=Milestone.objects.active().first(),
            user=setup["manager"],
        )


def test_a_bad_plan_is_refused_and_saves_nothing(setup):
    milestone = Milestone.objects.active().first()
    for plan in (
        [{"milestone": 999999}],
        [{"milestone": milestone.pk}, {"milestone": milestone.pk}],
        [{"milestone": milestone.pk, "due_on": "31 February"}],
    ):
        with pytest.raises(ValidationError):
            cycles.submission_save_draft(
                submission=setup["submission"],
                narrative={},
                plan=plan,
                user=setup["coordinator"],
                expected_version=0,
            )
    assert _fresh(setup["submission"]).version == 0


def test_submit_return_and_accept_appear_in_the_history(setup):
    from django.test import Client

    submission = setup["submission"]
    submit(submission, setup["coordinator"])
    cycles.submission_return(submission=submission, comments="Secret detail", user=setup["manager"])
    returned = _fresh(submission)
    cycles.submission_submit(
        submission=returned, user=setup["coordinator"], expected_version=returned.version
    )
    cycles.submission_accept(submission=submission, user=setup["manager"])
    client = Client()
    client.force_login(setup["coordinator"])
    page = client.get(f"/task-forces/{setup['task_force'].slug}/history/")
    events = [
        entry.timeline_kind
        for entry in page.context["page"].object_list
        if entry.timeline_kind in ("snapshot", "review")
    ]
    assert events == ["review", "snapshot", "review", "snapshot"]
    assert page.content.count(b'data-cycle-event="submitted"') == 2
    assert b'data-cycle-event="returned"' in page.content
    assert b'data-cycle-event="accepted"' in page.content
    # The history names events, never the comments.
    assert b"Secret detail" not in page.content
    assert setup["manager"] in page.context["people"]
    assert b"reviewed, unchanged" in page.content


def test_a_status_saved_or_imported_outside_the_submission_starts_it(setup, guidance):
    """Every status write path counts as review work, as it counts as reviewed."""
    submission, task_force, coordinator = (
        setup["submission"],
        setup["task_force"],
        setup["coordinator"],
    )
    version = submission.version
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.PLANNING,
        user=coordinator,
    )
    started = _fresh(submission)
    assert started.state == "in_progress"
    # The draft's version is left alone: a draft open in another tab stays valid.
    assert started.version == version

    other = TaskForceFactory()
    other_submission = open_cycle(setup["manager"], title="2028").submissions.get(task_force=other)
    services.milestone_statuses_update(
        edits=[
            services.StatusEdit(
                task_force=other,
                milestone=Milestone.objects.get(slug="task-force-mou"),
                values={"status": Status.PLANNING},
                expected_version=0,
            )
        ],
        user=coordinator,
        source=StatusChange.Source.IMPORT,
    )
    assert _fresh(other_submission).state == "in_progress"


def test_a_confirmation_on_the_task_force_page_starts_it_but_not_in_a_closed_cycle(setup):
    submission, task_force, coordinator = (
        setup["submission"],
        setup["task_force"],
        setup["coordinator"],
    )
    milestone = Milestone.objects.get(slug="agency-awareness")
    services.milestone_status_update(
        task_force=task_force,
        milestone=milestone,
        status=Status.ACHIEVED,
        user=coordinator,
        at=setup["cycle"].opened_at - datetime.timedelta(days=400),
    )
    CycleSubmission.objects.filter(pk=submission.pk).update(state="not_started")
    type(setup["cycle"]).objects.filter(pk=setup["cycle"].pk).update(closed_at=timezone.now())
    services.milestone_confirm(task_force=task_force, milestone=milestone, user=coordinator)
    assert _fresh(submission).state == "not_started"

    type(setup["cycle"]).objects.filter(pk=setup["cycle"].pk).update(closed_at=None)
    services.milestone_confirm(task_force=task_force, milestone=milestone, user=coordinator)
    assert _fresh(submission).state == "in_progress"


def test_a_status_save_leaves_handed_in_submissions_as_they_are(setup):
    submit(setup["submission"], setup["coordinator"])
    services.milestone_status_update(
        task_force=setup["task_force"],
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.LAPSED,
        user=setup["coordinator"],
    )
    assert _fresh(setup["submission"]).state == "submitted"
