"""The change history: written with every change, append-only, readable by
whoever may read the task force, never by partners."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.core import services
from assessments.models import MilestoneStatus, Status, StatusChange
from stages.models import Milestone
from tests.factories import PartnerLinkFactory, TaskForceFactory, UserFactory


def _update(task_force, slug, user, **values):
    values.setdefault("status", Status.PLANNING)
    return services.milestone_status_update(
        task_force=task_force, milestone=Milestone.objects.get(slug=slug), user=user, **values
    )


def test_a_sequence_of_changes_leaves_one_history_row_each(guidance, task_force, coordinator):
    _update(task_force, "task-force-mou", coordinator, status=Status.PLANNING)
    _update(
        task_force, "task-force-mou", coordinator, status=Status.IN_PROGRESS, lead_partner="DHS"
    )
    _update(
        task_force, "task-force-mou", coordinator, status=Status.IN_PROGRESS, lead_partner="DHS"
    )
    _update(
        task_force,
        "task-force-mou",
        coordinator,
        status=Status.IN_PROGRESS,
        lead_partner="DHS",
        target_date=datetime.date(2027, 1, 31),
    )
    _update(task_force, "task-force-mou", coordinator, status=Status.ACHIEVED, lead_partner="DHS")
    rows = list(StatusChange.objects.order_by("pk"))
    assert [(r.old_status, r.new_status) for r in rows] == [
        ("not_started", "planning"),
        ("planning", "in_progress"),
        # the identical save in between wrote nothing
        ("in_progress", "in_progress"),
        ("in_progress", "achieved"),
    ]
    assert rows[1].changes == {"status": ["planning", "in_progress"], "lead_partner": ["", "DHS"]}
    assert rows[2].changes == {"target_date": [None, "2027-01-31"]}
    assert rows[3].changes == {
        "status": ["in_progress", "achieved"],
        "target_date": ["2027-01-31", None],
    }
    assert all(
        r.changed_by == coordinator and r.changed_by_name == coordinator.username for r in rows
    )
    assert all(r.task_force == task_force for r in rows)


def test_a_failed_change_writes_no_history(guidance, task_force, coordinator):
    with pytest.raises(services.ValidationError):
        _update(task_force, "task-force-mou", coordinator, status="bogus")
    assert not StatusChange.objects.exists()
    assert not MilestoneStatus.objects.exists()


def test_history_rows_cannot_be_changed_or_deleted(guidance, task_force, coordinator):
    _update(task_force, "task-force-mou", coordinator)
    row = StatusChange.objects.get()
    row.new_status = Status.ACHIEVED
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        StatusChange.objects.update(new_status=Status.ACHIEVED)
    with pytest.raises(TypeError):
        StatusChange.objects.all().delete()
    assert StatusChange.objects.get().new_status == Status.PLANNING


def test_the_admin_cannot_change_or_delete_a_history_row(
    client, admin_user, guidance, task_force, coordinator
):
    _update(task_force, "task-force-mou", coordinator)
    row = StatusChange.objects.get()
    client.force_login(admin_user)
    change_url = reverse("admin:assessments_statuschange_change", args=[row.pk])
    assert client.get(change_url).status_code == 200  # readable
    client.post(change_url, {"new_status": "achieved"})
    delete_url = reverse("admin:assessments_statuschange_delete", args=[row.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:assessments_statuschange_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert StatusChange.objects.get().new_status == Status.PLANNING


def test_a_task_force_with_history_cannot_be_deleted(guidance, task_force, coordinator):
    from django.db.models import ProtectedError

    _update(task_force, "task-force-mou", coordinator)
    with pytest.raises(ProtectedError):
        task_force.delete()


def test_pages_say_since_when_a_milestone_has_its_status(guidance, task_force, coordinator, client):
    when = timezone.make_aware(datetime.datetime(2026, 3, 12, 10, 0))
    _update(task_force, "task-force-mou", coordinator, status=Status.ACHIEVED, at=when)
    # Editing the notes later does not move "since".
    _update(task_force, "task-force-mou", coordinator, status=Status.ACHIEVED, notes="renewed")
    client.force_login(coordinator)
    html = client.get(reverse("assessments:task_force", args=[task_force.slug])).content.decode()
    assert "Achieved since 12 Mar 2026" in html
    link = PartnerLinkFactory(task_force=task_force, token="since-token")
    assert link.pk
    partner = Client().get("/p/since-token/").content.decode()
    assert "Achieved since 12 Mar 2026" in partner


def _history(client, task_force, **params):
    return client.get(reverse("assessments:history", args=[task_force.slug]), params)


def test_history_page_lists_changes_newest_first_with_who(
    guidance, task_force, coordinator, client
):
    _update(task_force, "task-force-mou", coordinator, status=Status.PLANNING)
    _update(task_force, "youth-voice", coordinator, status=Status.ACHIEVED)
    client.force_login(coordinator)
    response = _history(client, task_force)
    assert response.status_code == 200
    changes = list(response.context["page"].object_list)
    assert [c.milestone.slug for c in changes] == ["youth-voice", "task-force-mou"]
    assert coordinator.username in response.content.decode()


def test_history_filters_by_stage_and_person(guidance, task_force, coordinator, client):
    colleague = UserFactory()
    task_force.coordinators.add(colleague)
    _update(task_force, "task-force-mou", coordinator)  # Foundation
    _update(task_force, "youth-voice", colleague)  # Sustainability
    client.force_login(coordinator)
    by_stage = _history(client, task_force, stage="sustainability").context["page"].object_list
    assert [c.milestone.slug for c in by_stage] == ["youth-voice"]
    by_person = _history(client, task_force, person=str(coordinator.pk)).context["page"]
    assert [c.changed_by for c in by_person.object_list] == [coordinator]
    unknown = _history(client, task_force, stage="no-such-stage").context["page"]
    assert list(unknown.object_list) == []


@pytest.mark.parametrize(
    "query",
    [
        {"person": "drop table", "stage": "<x>"},
        {"stage": "\x00"},
        {"person": "\x00"},
        {"person": "²"},  # str.isdigit() says yes; int() says no
        {"person": "99999999999999999999"},
        {"person": "-1"},
    ],
)
def test_invalid_history_filters_are_ignored(guidance, task_force, coordinator, client, query):
    _update(task_force, "task-force-mou", coordinator)
    client.force_login(coordinator)
    response = _history(client, task_force, **query)
    assert response.status_code == 200
    assert [c.milestone.slug for c in response.context["page"].object_list] == ["task-force-mou"]


def test_history_is_paginated_and_keeps_the_filters(guidance, task_force, coordinator, client):
    milestone = Milestone.objects.get(slug="task-force-mou")
    cycle = [Status.PLANNING, Status.IN_PROGRESS]
    for index in range(55):
        services.milestone_status_update(
            task_force=task_force, milestone=milestone, status=cycle[index % 2], user=coordinator
        )
    client.force_login(coordinator)
    first = _history(client, task_force, stage="foundation")
    assert len(first.context["page"].object_list) == 50
    assert 'stage=foundation&amp;page=2">Older</a>' in first.content.decode()
    second = _history(client, task_force, stage="foundation", page=2)
    assert len(second.context["page"].object_list) == 5
    assert 'stage=foundation&amp;page=1">Newer</a>' in second.content.decode()


def test_milestone_history_shows_only_that_milestone(guidance, task_force, coordinator, client):
    _update(task_force, "task-force-mou", coordinator)
    _update(task_force, "youth-voice", coordinator)
    client.force_login(coordinator)
    url = reverse("assessments:milestone_history", args=[task_force.slug, "youth-voice"])
    changes = client.get(url).context["page"].object_list
    assert [c.milestone.slug for c in changes] == ["youth-voice"]


def test_history_is_private_to_readers_of_the_task_force(guidance, task_force, coordinator, client):
    _update(task_force, "task-force-mou", coordinator)
    outsider = UserFactory()
    TaskForceFactory().coordinators.add(outsider)
    client.force_login(outsider)
    assert _history(client, task_force).status_code == 404
    client.logout()
    assert _history(client, task_force).status_code == 302


def test_partner_page_shows_no_history(guidance, task_force, coordinator, client):
    _update(task_force, "task-force-mou", coordinator, notes="internal only")
    PartnerLinkFactory(task_force=task_force, token="history-token")
    html = client.get("/p/history-token/").content.decode()
    assert "/history/" not in html
    assert coordinator.username not in html
    assert "internal only" not in html


def test_history_page_query_count_is_bounded(
    guidance, task_force, coordinator, client, django_assert_max_num_queries
):
    for slug in ["task-force-mou", "youth-voice", "treatment", "case-review"]:
        _update(task_force, slug, coordinator)
    client.force_login(coordinator)
    with django_assert_max_num_queries(12):
        assert _history(client, task_force).status_code == 200
