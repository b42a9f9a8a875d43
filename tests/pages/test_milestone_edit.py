"""Changing a milestone's status: the form, its errors and who may use it."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from assessments.core import services
from assessments.models import MilestoneStatus, Status
from stages.models import Milestone
from tests.factories import MilestoneStatusFactory, TaskForceFactory

MILESTONE = "task-force-mou"


def _url(task_force, milestone_slug=MILESTONE):
    return reverse("assessments:milestone_edit", args=[task_force.slug, milestone_slug])


def _valid(**overrides):
    data = {
        "status": "achieved",
        "lead_partner": "Sheriff's Office",
        "target_date": "2027-03-31",
        "notes": "Signed by all partners.",
        "version": 0,
    }
    data.update(overrides)
    return data


def test_form_shows_the_milestone_and_its_guidance(guidance, task_force, coordinator_client):
    response = coordinator_client.get(_url(task_force))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Create a Memorandum of Understanding (MOU) with task force partners" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="status"' in html


def test_saving_records_the_status_and_returns_to_the_page_with_a_confirmation(
    guidance, task_force, coordinator, coordinator_client
):
    response = coordinator_client.post(_url(task_force), _valid(), follow=True)
    page = reverse("assessments:task_force", args=[task_force.slug])
    assert response.redirect_chain == [(f"{page}#milestone-{MILESTONE}", 302)]
    assert (
        "Saved: Task Force MOU is now achieved, with target date 31 Mar 2027,"
        " lead partner Sheriff&#x27;s Office and notes."
    ) in response.content.decode()
    record = MilestoneStatus.objects.get(task_force=task_force)
    assert record.milestone.slug == MILESTONE
    assert record.status == Status.ACHIEVED
    assert record.lead_partner == "Sheriff's Office"
    assert record.target_date.isoformat() == "2027-03-31"
    assert record.notes == "Signed by all partners."
    assert record.updated_by == coordinator


def test_saving_again_updates_the_one_record(guidance, task_force, coordinator_client):
    coordinator_client.post(_url(task_force), _valid())
    coordinator_client.post(_url(task_force), _valid(status="lapsed", target_date="", version=1))
    record = MilestoneStatus.objects.get(task_force=task_force)
    assert record.status == Status.LAPSED
    assert record.target_date is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("status", "finished", "Choose one of the listed statuses"),
        ("status", "", "This field is required."),
        ("target_date", "31/31/2027", "Enter a date as YYYY-MM-DD"),
        ("target_date", "soon", "Enter a date as YYYY-MM-DD"),
        ("lead_partner", "x" * 201, "Ensure this value has at most 200 characters"),
        ("notes", "x" * 2001, "Ensure this value has at most 2000 characters"),
    ],
)
def test_invalid_input_is_refused_at_the_field_and_nothing_is_saved(
    guidance, task_force, coordinator_client, field, value, message
):
    existing = MilestoneStatusFactory(
        task_force=task_force,
        milestone=Milestone.objects.get(slug=MILESTONE),
        status=Status.PLANNING,
        notes="before",
    )
    response = coordinator_client.post(_url(task_force), _valid(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    existing.refresh_from_db()
    assert (existing.status, existing.notes) == (Status.PLANNING, "before")
    assert MilestoneStatus.objects.count() == 1


def test_a_retired_milestone_takes_no_update(guidance, task_force, coordinator_client):
    Milestone.objects.filter(slug=MILESTONE).update(is_active=False)
    get = coordinator_client.get(_url(task_force))
    assert "has been retired" in get.content.decode()
    response = coordinator_client.post(_url(task_force), _valid())
    assert response.status_code == 200
    assert "has been retired" in response.content.decode()
    assert response.context["form"].non_field_errors()
    assert not MilestoneStatus.objects.exists()


def test_coordinator_cannot_edit_other_task_force(guidance, coordinator_client):
    other = TaskForceFactory()
    assert coordinator_client.get(_url(other)).status_code == 404
    assert coordinator_client.post(_url(other), _valid()).status_code == 404
    assert not MilestoneStatus.objects.exists()


def test_anonymous_is_sent_to_login_and_saves_nothing(guidance, client, task_force):
    response = client.post(_url(task_force), _valid())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not MilestoneStatus.objects.exists()


def test_unknown_milestone_gets_404(guidance, task_force, coordinator_client):
    assert coordinator_client.get(_url(task_force, "no-such-milestone")).status_code == 404


def test_other_methods_are_not_allowed(guidance, task_force, coordinator_client):
    assert coordinator_client.put(_url(task_force)).status_code == 405
    assert coordinator_client.delete(_url(task_force)).status_code == 405


def test_the_service_refuses_a_retired_milestone(guidance, task_force, coordinator):
    milestone = Milestone.objects.get(slug=MILESTONE)
    milestone.is_active = False
    with pytest.raises(services.ValidationError):
        services.milestone_status_update(
            task_force=task_force, milestone=milestone, status=Status.ACHIEVED, user=coordinator
        )
    assert not MilestoneStatus.objects.exists()


def test_the_service_refuses_an_unknown_status(guidance, task_force, coordinator):
    milestone = Milestone.objects.get(slug=MILESTONE)
    with pytest.raises(services.ValidationError):
        services.milestone_status_update(
            task_force=task_force, milestone=milestone, status="done", user=coordinator
        )
    assert not MilestoneStatus.objects.exists()


def test_the_database_holds_one_status_per_task_force_and_milestone(guidance, task_force):
    milestone = Milestone.objects.get(slug=MILESTONE)
    MilestoneStatus.objects.create(task_force=task_force, milestone=milestone)
    with pytest.raises(IntegrityError), transaction.atomic():
        MilestoneStatus.objects.create(task_force=task_force, milestone=milestone)


def test_the_database_refuses_an_unknown_status(guidance, task_force):
    record = MilestoneStatus.objects.create(
        task_force=task_force, milestone=Milestone.objects.get(slug=MILESTONE)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        MilestoneStatus.objects.filter(pk=record.pk).update(status="done")
