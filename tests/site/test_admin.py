"""What admins do in the Django admin: edit milestones, retire them, manage
task forces; and what the admin refuses."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.admin import MilestoneStatusAdminForm
from assessments.models import MilestoneStatus, Status, StatusChange, TaskForce
from stages.models import Milestone, Stage
from tests.factories import MilestoneStatusFactory, UserFactory


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def used_milestone(guidance, task_force):
    milestone = Milestone.objects.get(slug="task-force-mou")
    MilestoneStatusFactory(task_force=task_force, milestone=milestone, status=Status.ACHIEVED)
    return milestone


def test_milestones_are_listed_by_stage_searchable_and_filterable(guidance, admin_client):
    url = reverse("admin:stages_milestone_changelist")
    listed = admin_client.get(url).context["cl"].result_list
    assert [m.slug for m in listed][:2] == ["agency-awareness", "community-awareness"]
    assert listed[len(listed) - 1].slug == "youth-voice"
    found = admin_client.get(url, {"q": "shelter"}).context["cl"].result_list
    assert [m.name for m in found] == ["Long-Term Shelter"]
    stage = Stage.objects.get(slug="sustainability")
    filtered = admin_client.get(url, {"stage__id__exact": stage.pk}).context["cl"].result_list
    assert len(filtered) == 6


def test_admin_edits_a_milestones_name_description_and_order(guidance, admin_client):
    milestone = Milestone.objects.get(slug="youth-voice")
    response = admin_client.post(
        reverse("admin:stages_milestone_change", args=[milestone.pk]),
        {
            "stage": milestone.stage_id,
            "name": "Youth Voice and Leadership",
            "order": 9,
            "description": "New text.",
            "is_active": "on",
            # The resources inline (stages/admin.py), left empty.
            "resources-TOTAL_FORMS": "0",
            "resources-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.name, milestone.description, milestone.order) == (
        "Youth Voice and Leadership",
        "New text.",
        9,
    )
    assert milestone.slug == "youth-voice"  # the natural key cannot change


def test_deleting_a_milestone_with_recorded_statuses_is_refused(admin_client, used_milestone):
    url = reverse("admin:stages_milestone_delete", args=[used_milestone.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in (
        response.content.decode()
    )
    assert Milestone.objects.filter(pk=used_milestone.pk).exists()
    assert MilestoneStatus.objects.count() == 1


def test_bulk_deleting_used_milestones_is_refused(admin_client, used_milestone):
    response = admin_client.post(
        reverse("admin:stages_milestone_changelist"),
        {"action": "delete_selected", "_selected_action": [used_milestone.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert "cannot be deleted. Retire a milestone instead" in response.content.decode()
    assert Milestone.objects.count() == 28


def test_deleting_a_stage_whose_milestones_are_used_is_refused(admin_client, used_milestone):
    url = reverse("admin:stages_stage_delete", args=[used_milestone.stage_id])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert "cannot be deleted. Retire a milestone instead" in response.content.decode()
    assert Stage.objects.count() == 3
    assert Milestone.objects.count() == 28


def test_an_unused_milestone_can_be_deleted(guidance, admin_client):
    milestone = Milestone.objects.get(slug="youth-voice")
    response = admin_client.post(
        reverse("admin:stages_milestone_delete", args=[milestone.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


def test_retiring_a_milestone_keeps_its_statuses(admin_client, used_milestone):
    admin_client.post(
        reverse("admin:stages_milestone_changelist"),
        {"action": "retire", "_selected_action": [used_milestone.pk]},
    )
    used_milestone.refresh_from_db()
    assert not used_milestone.is_active
    assert MilestoneStatus.objects.filter(milestone=used_milestone).count() == 1


def test_admin_creates_a_task_force_with_a_coordinator(guidance, admin_client):
    coordinator = UserFactory()
    response = admin_client.post(
        reverse("admin:assessments_taskforce_add"),
        {
            "name": "Benton County Task Force",
            "slug": "benton",
            "region": "Willamette Valley",
            "coordinators": [coordinator.pk],
        },
    )
    assert response.status_code == 302
    task_force = TaskForce.objects.get(slug="benton")
    assert list(task_force.coordinators.all()) == [coordinator]
    assert task_force.can_edit(coordinator)


def test_statuses_cannot_be_added_or_deleted_in_the_admin(admin_client, used_milestone):
    record = MilestoneStatus.objects.get()
    assert admin_client.get(reverse("admin:assessments_milestonestatus_add")).status_code == 403
    delete = reverse("admin:assessments_milestonestatus_delete", args=[record.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert MilestoneStatus.objects.count() == 1


def test_an_admin_correction_goes_through_the_service_into_the_history(
    admin_client, admin_user, used_milestone
):
    record = MilestoneStatus.objects.get()
    change = reverse("admin:assessments_milestonestatus_change", args=[record.pk])
    response = admin_client.post(
        change, {"status": "lapsed", "lead_partner": "DHS", "notes": "", "version": record.version}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.updated_by) == (Status.LAPSED, admin_user)
    entry = StatusChange.objects.get()
    assert (entry.old_status, entry.new_status, entry.source) == ("achieved", "lapsed", "admin")
    assert entry.changed_by == admin_user


def test_an_admin_correction_based_on_an_old_version_is_refused(admin_client, used_milestone):
    record = MilestoneStatus.objects.get()
    record.updated_by = UserFactory(first_name="Ana", last_name="Reyes")
    record.save()
    change = reverse("admin:assessments_milestonestatus_change", args=[record.pk])
    response = admin_client.post(
        change, {"status": "lapsed", "notes": "", "version": record.version + 5}, follow=True
    )
    # Back on the status as it is now, told why nothing was saved.
    assert response.redirect_chain == [(change, 302)]
    saved_at = timezone.localtime(record.updated_at)
    assert (
        f"Not saved: Ana Reyes saved this at {saved_at:%H:%M}, after you opened it. "
        "Check what it holds now, then change it again if needed."
    ) in response.content.decode()
    record.refresh_from_db()
    assert record.status == Status.ACHIEVED
    assert not StatusChange.objects.exists()


def test_the_admin_form_leaves_the_version_check_to_the_service(used_milestone):
    # One check, in the service: the form itself accepts any version.
    form = MilestoneStatusAdminForm(
        {"status": "lapsed", "notes": "", "version": 99}, instance=MilestoneStatus.objects.get()
    )
    assert form.is_valid(), form.errors


def test_a_coordinator_cannot_open_the_admin(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
