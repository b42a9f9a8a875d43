import pytest
from django.test import Client

from assessments.core import services
from assessments.cycles.models import PlanItem, Snapshot, SnapshotMilestone, SubmissionReview
from assessments.models import Status, StatusChange
from stages.models import Milestone
from tests.cycle_support import open_cycle, program_manager, submit
from tests.factories import UserFactory


@pytest.fixture
def snapshot(guidance, task_force, coordinator):
    cycle = open_cycle(program_manager())
    return submit(cycle.submissions.get(task_force=task_force), coordinator)


def test_a_snapshot_cannot_be_saved_again_or_deleted(snapshot):
    snapshot.narrative = {"1": "rewritten"}
    with pytest.raises(TypeError):
        snapshot.save()
    with pytest.raises(TypeError):
        snapshot.delete()
    row = snapshot.milestones.first()
    row.status = Status.ACHIEVED
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()


@pytest.mark.parametrize("model", [Snapshot, SnapshotMilestone, PlanItem, SubmissionReview])
def test_queryset_update_and_delete_are_refused(snapshot, model):
    with pytest.raises(TypeError):
        model.objects.all().update(pk=0)
    with pytest.raises(TypeError):
        model.objects.all().delete()


def test_later_edits_and_imports_do_not_alter_the_snapshot(snapshot, task_force, coordinator):
    before = snapshot.statuses()
    milestone = Milestone.objects.get(slug="task-force-mou")
    services.milestone_status_update(
        task_force=task_force, milestone=milestone, status=Status.ACHIEVED, user=coordinator
    )
    # The spreadsheet import's path: many statuses at once.
    services.milestone_statuses_update(
        edits=[
            services.StatusEdit(
                task_force=task_force,
                milestone=other,
                values={"status": Status.LAPSED, "notes": "", "lead_partner": "X"},
                expected_version=0,
            )
            for other in Milestone.objects.active().exclude(pk=milestone.pk)[:5]
        ],
        user=coordinator,
        source=StatusChange.Source.IMPORT,
    )
    snapshot = Snapshot.objects.get(pk=snapshot.pk)
    assert snapshot.statuses() == before
    assert set(snapshot.milestones.values_list("lead_partner", flat=True)) == {""}


def test_the_admin_shows_snapshots_and_reviews_read_only(snapshot):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/assessments/snapshot/{snapshot.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert b"/delete/" not in page.content
    assert client.post(f"/admin/assessments/snapshot/{snapshot.pk}/change/", {}).status_code == 403
    assert (
        client.post(
            f"/admin/assessments/snapshot/{snapshot.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get("/admin/assessments/snapshot/add/").status_code == 403
    assert Snapshot.objects.filter(pk=snapshot.pk).exists()
