import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from assessments.models import ActivityEntry, MilestoneStatus, Status, TaskForce
from stages.models import Milestone, MilestoneResource


def _seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_task_forces_with_every_status_and_working_logins(db, settings):
    settings.DEBUG = True
    output = _seed()
    assert TaskForce.objects.count() == 6
    assert Milestone.objects.count() == 28
    recorded = set(MilestoneStatus.objects.values_list("status", flat=True))
    assert {Status.ACHIEVED, Status.PLANNING, Status.IN_PROGRESS, Status.LAPSED} <= recorded
    # Not started: a milestone with no record (or a not_started record) somewhere.
    assert MilestoneStatus.objects.count() < 6 * 28 or Status.NOT_STARTED in recorded
    passwords = dict(re.findall(r"^\s+(admin|coordinator)\s+password: (\S+)", output, re.M))
    admin = User.objects.get(username="admin")
    coordinator = User.objects.get(username="coordinator")
    assert admin.check_password(passwords["admin"]) and admin.is_staff
    assert coordinator.check_password(passwords["coordinator"]) and not coordinator.is_staff
    assert coordinator.coordinated_task_forces.count() == 2
    # A year of activity for every task force, so the report pack has something to show.
    assert set(ActivityEntry.objects.values_list("task_force", flat=True)) == set(
        TaskForce.objects.values_list("pk", flat=True)
    )


def test_seed_demo_again_duplicates_nothing_and_gives_new_passwords(db, settings):
    settings.DEBUG = True
    first = _seed()
    count = MilestoneStatus.objects.count()
    resources = MilestoneResource.objects.count()
    activity = ActivityEntry.objects.count()
    second = _seed()
    assert TaskForce.objects.count() == 6
    assert MilestoneStatus.objects.count() == count
    assert MilestoneResource.objects.count() == resources
    assert ActivityEntry.objects.count() == activity
    assert first != second


def test_seed_demo_attaches_real_public_resources_to_every_stage(db, settings):
    settings.DEBUG = True
    _seed()
    resources = MilestoneResource.objects.select_related("milestone__stage")
    assert {resource.milestone.stage.slug for resource in resources} == {
        "foundation",
        "stabilization",
        "sustainability",
    }
    # Names and addresses only: nothing copied from them.
    assert all(resource.url.startswith("https://") and not resource.note for resource in resources)
    assert any(resource.public for resource in resources)


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DJANGO_DEBUG=1"):
        _seed()
    assert not TaskForce.objects.exists()


def test_seed_demo_has_a_past_accepted_cycle_that_compare_can_show(db, settings):
    from django.utils import timezone

    from assessments.cycles import compare as cycle_compare
    from assessments.models import PlanItem, ReviewCycle, Snapshot, SubmissionReview

    settings.DEBUG = True
    _seed()
    _seed()  # again: still one past cycle
    cycle = ReviewCycle.objects.get(closed_at__isnull=False)  # the current one is open
    assert cycle.due_on < timezone.localdate()
    assert cycle.title.endswith("annual self-assessment")
    submissions = list(cycle.submissions.all())
    assert len(submissions) == 6 and {s.state for s in submissions} == {"accepted"}
    snapshots = list(Snapshot.objects.filter(submission__cycle=cycle))
    assert len(snapshots) == 6
    assert all(s.changed_at.date() < cycle.due_on for s in snapshots)
    assert SubmissionReview.objects.filter(decision="accepted").count() == 6
    assert all(len(s.narrative) == 3 and all(s.narrative.values()) for s in snapshots)
    assert PlanItem.objects.count() >= 6
    moves = set()
    for snapshot in snapshots:
        task_force = snapshot.submission.task_force
        assert Snapshot.objects.latest_accepted_for(task_force) == snapshot
        assert snapshot.milestones.count() == 28
        moved = cycle_compare.compare(task_force, snapshot, None).moved
        assert moved, f"{task_force} shows no change since the past cycle"
        moves |= {row.move for row in moved}
    # The demo history moved on since the submission, both ways.
    assert moves == {"forward", "back", "started"}


def test_seed_demo_has_a_program_manager_with_something_waiting(db, settings, client):
    from assessments.models import CycleSubmission, HelpRequest
    from assessments.roles import is_state_program

    settings.DEBUG = True
    _seed()
    output = _seed()  # again: nothing duplicated, new passwords
    passwords = dict(re.findall(r"^\s+(manager)\s+password: (\S+)", output, re.M))
    manager = User.objects.get(username="manager")
    assert manager.check_password(passwords["manager"])
    assert manager.get_full_name() == "Morgan Reyes"
    assert is_state_program(manager) and not manager.is_staff
    assert "two-factor" in output.split("manager      password:")[1].splitlines()[0]
    assert CycleSubmission.objects.filter(state="submitted").count() == 1
    assert HelpRequest.objects.filter(state="open").count() == 1
    assert HelpRequest.objects.filter(state="answered").count() == 1
    client.force_login(manager)
    html = client.get("/").content.decode()
    assert "Submissions waiting for your decision" in html
    assert "Help requests waiting for the state program" in html
    client.force_login(User.objects.get(username="coordinator"))
    html = client.get("/").content.decode()
    assert "Unread replies to your help requests" in html
    assert "Review cycles due within 30 days" in html
