"""The coordinator's status page for one task force."""

import datetime

from django.urls import reverse

from assessments.cycles import services as cycles
from assessments.models import Status
from stages.models import Milestone
from tests.cycle_support import open_cycle, submit
from tests.factories import MilestoneStatusFactory, TaskForceFactory, UserFactory, program_manager


def _url(task_force):
    return reverse("assessments:task_force", args=[task_force.slug])


def test_coordinator_sees_milestones_grouped_by_stage_with_descriptions(
    guidance, task_force, coordinator_client
):
    response = coordinator_client.get(_url(task_force))
    assert response.status_code == 200
    html = response.content.decode()
    for stage_name in ("Foundation", "Stabilization", "Sustainability"):
        assert f">{stage_name}</h2>" in html
    assert "Create a Memorandum of Understanding (MOU) with task force partners" in html
    rows = [row for section in response.context["sections"] for row in section.rows]
    assert [row.status for row in rows] == ["not_started"] * 28
    assert len(response.context["priorities"]) == 28  # nothing achieved yet
    assert "Working stage: <strong>Foundation</strong>" in html
    assert "How is the working stage worked out?" in html


def test_page_shows_recorded_status_notes_and_lead_partner(
    guidance, task_force, coordinator, coordinator_client
):
    MilestoneStatusFactory(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="funded-coordinator"),
        status=Status.LAPSED,
        notes="Grant ended in June.",
        lead_partner="County Health",
        updated_by=coordinator,
    )
    html = coordinator_client.get(_url(task_force)).content.decode()
    assert "Lapsed" in html
    assert "Grant ended in June." in html
    assert "County Health" in html
    assert (
        reverse("assessments:milestone_edit", args=[task_force.slug, "funded-coordinator"]) in html
    )


def test_coordinator_of_another_task_force_gets_404(guidance, coordinator_client):
    other = TaskForceFactory()
    assert coordinator_client.get(_url(other)).status_code == 404


def test_user_without_a_task_force_gets_404(guidance, client, task_force):
    client.force_login(UserFactory())
    assert client.get(_url(task_force)).status_code == 404


def test_unknown_task_force_gets_404(guidance, coordinator_client):
    assert coordinator_client.get("/task-forces/no-such-task-force/").status_code == 404


def test_anonymous_is_sent_to_login(guidance, client, task_force):
    response = client.get(_url(task_force))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={_url(task_force)}"


def test_staff_may_read_and_edit_any_task_force(guidance, client, staff_user, task_force):
    client.force_login(staff_user)
    html = client.get(_url(task_force)).content.decode()
    assert "Share with partners" in html
    assert reverse("assessments:milestone_edit", args=[task_force.slug, "agency-awareness"]) in html


def test_page_query_count_is_bounded(
    guidance, task_force, coordinator_client, django_assert_max_num_queries
):
    for milestone in Milestone.objects.all()[:20]:
        MilestoneStatusFactory(task_force=task_force, milestone=milestone)
    # 19: two of them read the partner register (its agencies, the sectors),
    # one the evidence of every milestone (tests/evidence/test_evidence_shown.py), one
    # the review cycles waiting on the task force, one the milestones' resources,
    # one the menu's counts, one the last 90 days of activity.
    with django_assert_max_num_queries(19):
        assert coordinator_client.get(_url(task_force)).status_code == 200


def test_the_region_is_named_once(guidance, coordinator_client, task_force):
    html = coordinator_client.get(f"/task-forces/{task_force.slug}/").content.decode()
    assert f"Region: {task_force.region}" in html
    assert f"{task_force.region} region" not in html


def test_an_open_review_cycle_shows_until_the_task_force_submits(
    guidance, task_force, coordinator, coordinator_client
):
    manager = program_manager()
    cycle = open_cycle(manager, title="2027 annual self-assessment")
    TaskForceFactory(region="Coast")
    other = open_cycle(manager, title="Coast pilot", region="Coast")
    html = coordinator_client.get(_url(task_force)).content.decode()
    link = reverse("assessments:cycle_submission", args=[cycle.pk, task_force.slug])
    assert f'href="{link}"' in html
    assert "Review every milestone, write the narratives and submit." in html
    assert other.title not in html

    submission = cycle.submissions.get(task_force=task_force)
    submit(submission, coordinator)
    assert 'id="cycle-due"' not in coordinator_client.get(_url(task_force)).content.decode()

    submission.refresh_from_db()
    cycles.submission_return(submission=submission, comments="Add the dates.", user=manager)
    html = coordinator_client.get(_url(task_force)).content.decode()
    assert "Returned with comments: change and resubmit." in html
    # The comments themselves stay on the submission page.
    assert "Add the dates." not in html


def test_a_program_manager_sees_the_cycle_state_without_the_coordinators_to_do(
    guidance, task_force, client
):
    manager = program_manager()
    cycle = open_cycle(manager)
    # Its due date passed (the form refuses a date in the past).
    type(cycle).objects.filter(pk=cycle.pk).update(
        due_on=cycle.due_on - datetime.timedelta(days=31)
    )
    client.force_login(manager)
    html = client.get(_url(task_force)).content.decode()
    assert 'id="cycle-due"' in html
    assert 'text-bg-danger">Late</span>' in html
    assert "Review every milestone" not in html
