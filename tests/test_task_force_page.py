"""The coordinator's status page for one task force."""

from django.urls import reverse

from assessments.models import Status
from stages.models import Milestone
from tests.factories import MilestoneStatusFactory, TaskForceFactory, UserFactory


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
    # 15: two of them read the partner register (its agencies, the sectors),
    # one the evidence of every milestone (tests/test_evidence_shown.py).
    with django_assert_max_num_queries(15):
        assert coordinator_client.get(_url(task_force)).status_code == 200


def test_the_region_is_named_once(guidance, coordinator_client, task_force):
    html = coordinator_client.get(f"/task-forces/{task_force.slug}/").content.decode()
    assert f"Region: {task_force.region}" in html
    assert f"{task_force.region} region" not in html
