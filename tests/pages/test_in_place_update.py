"""Changing a status in place (htmx) and, without JavaScript, by a normal post."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.core import services
from assessments.models import MilestoneStatus, Status, StatusChange
from stages.models import Milestone
from tests.factories import UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(task_force, slug="task-force-mou"):
    return reverse("assessments:milestone_edit", args=[task_force.slug, slug])


def _quick(status, version=0, **extra):
    return {
        "status": status,
        "version": version,
        "lead_partner": "",
        "target_date": "",
        "notes": "",
        **extra,
    }


@pytest.fixture
def task_force_page(guidance, task_force, coordinator_client):
    return coordinator_client.get(reverse("assessments:task_force", args=[task_force.slug]))


def test_the_task_force_page_offers_a_status_form_per_milestone(task_force_page, task_force):
    html = task_force_page.content.decode()
    assert html.count('class="quick-status"') == 28
    assert f'hx-post="{_url(task_force)}"' in html
    assert f'action="{_url(task_force)}"' in html  # works without JavaScript too
    assert 'for="status-task-force-mou"' in html  # labelled for screen readers
    assert "static/vendor/htmx/htmx.min.js" in html
    assert '"includeIndicatorStyles": false' in html  # no inline styles under the CSP


def test_an_in_place_change_returns_the_row_and_the_moved_progress(
    task_force_page, task_force, coordinator_client
):
    response = coordinator_client.post(_url(task_force), _quick("achieved"), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(
        '<li class="list-group-item milestone" id="milestone-task-force-mou"'
        ' data-status="achieved">'
    )
    assert "Saved: Task Force MOU is now achieved." in html
    assert 'role="status" aria-live="polite"' in html
    # The progress that moved with it, swapped out of band.
    assert 'id="progress-summary" hx-swap-oob="true"' in html
    assert "<strong>1 of 28</strong> milestones achieved" in html
    assert 'id="stage-count-foundation" hx-swap-oob="true">1 of 11 achieved' in html
    assert 'id="priorities" hx-swap-oob="true"' in html
    record = MilestoneStatus.objects.get()
    assert record.status == Status.ACHIEVED
    assert StatusChange.objects.count() == 1


def test_in_place_change_keeps_the_other_fields(
    guidance, task_force, coordinator, coordinator_client
):
    milestone = Milestone.objects.get(slug="task-force-mou")
    record = services.milestone_status_update(
        task_force=task_force,
        milestone=milestone,
        status=Status.PLANNING,
        lead_partner="DHS",
        notes="keep me",
        user=coordinator,
    )
    page = coordinator_client.get(reverse("assessments:task_force", args=[task_force.slug]))
    assert 'name="notes" value="keep me"' in page.content.decode()
    coordinator_client.post(
        _url(task_force),
        _quick("in_progress", version=record.version, lead_partner="DHS", notes="keep me"),
        **HTMX,
    )
    record.refresh_from_db()
    assert (record.status, record.lead_partner, record.notes) == ("in_progress", "DHS", "keep me")


def test_a_stale_in_place_change_is_refused_in_the_row(guidance, task_force, coordinator_client):
    milestone = Milestone.objects.get(slug="task-force-mou")
    services.milestone_status_update(
        task_force=task_force,
        milestone=milestone,
        status=Status.LAPSED,
        user=UserFactory(username="ana", first_name="Ana", last_name="Reyes"),
    )
    response = coordinator_client.post(_url(task_force), _quick("achieved", version=0), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    saved_at = timezone.localtime(MilestoneStatus.objects.get().updated_at)
    assert (
        f"Not saved: Ana Reyes saved this at {saved_at:%H:%M}, after you opened it. "
        "Check what it holds now, then change it again if needed."
    ) in html
    assert 'role="alert"' in html
    assert MilestoneStatus.objects.get().status == Status.LAPSED


def test_an_invalid_in_place_change_is_refused_in_the_row(guidance, task_force, coordinator_client):
    response = coordinator_client.post(_url(task_force), _quick("finished"), **HTMX)
    assert "Not saved: Choose one of the listed statuses" in response.content.decode()
    assert not MilestoneStatus.objects.exists()


def test_without_javascript_the_same_form_posts_and_redirects(
    task_force_page, task_force, coordinator_client
):
    response = coordinator_client.post(_url(task_force), _quick("planning"))
    assert response.status_code == 302
    assert response["Location"].endswith("#milestone-task-force-mou")
    assert MilestoneStatus.objects.get().status == Status.PLANNING


def test_in_place_changes_obey_the_same_access_rules(world, client):
    client.force_login(world["users"]["program_manager"])
    response = client.post(_url(world["own"]), _quick("lapsed", version=1), **HTMX)
    assert response.status_code == 403
    client.force_login(world["users"]["other_coordinator"])
    assert client.post(_url(world["own"]), _quick("lapsed", version=1), **HTMX).status_code == 404
    assert MilestoneStatus.objects.get().status == Status.ACHIEVED


def test_line_breaks_in_notes_do_not_count_as_a_change(
    guidance, task_force, coordinator, coordinator_client
):
    milestone = Milestone.objects.get(slug="task-force-mou")
    record = services.milestone_status_update(
        task_force=task_force,
        milestone=milestone,
        status=Status.PLANNING,
        notes="line one\nline two",
        user=coordinator,
    )
    # A browser sends the hidden copy of the notes back with CRLF.
    coordinator_client.post(
        _url(task_force),
        _quick("achieved", version=record.version, notes="line one\r\nline two"),
        **HTMX,
    )
    change = StatusChange.objects.order_by("pk").last()
    assert set(change.changes) == {"status"}
    record.refresh_from_db()
    assert record.notes == "line one\nline two"


def test_a_stale_change_from_your_own_other_window_says_so(
    guidance, task_force, coordinator, coordinator_client
):
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.LAPSED,
        user=coordinator,
    )
    response = coordinator_client.post(_url(task_force), _quick("achieved", version=0), **HTMX)
    html = response.content.decode()
    assert "Not saved: You saved this in another window at " in html
    assert MilestoneStatus.objects.get().status == Status.LAPSED


def test_the_in_place_reply_shows_the_saved_row_and_its_progress_without_the_board_queries(
    guidance, task_force, coordinator, coordinator_client
):
    # Two saves in the same stage: the reply counts both, and the priorities
    # no longer list the milestone just achieved.
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="agency-awareness"),
        status=Status.ACHIEVED,
        user=coordinator,
    )
    response = coordinator_client.post(_url(task_force), _quick("achieved"), **HTMX)
    html = response.content.decode()
    assert "<strong>2 of 28</strong> milestones achieved" in html
    assert 'id="stage-count-foundation" hx-swap-oob="true">2 of 11 achieved' in html
    priorities = html[html.index('id="priorities"') :]
    assert 'href="#milestone-task-force-mou"' not in priorities
    assert 'href="#milestone-community-awareness"' in priorities
    assert f"by {coordinator.get_full_name() or coordinator.get_username()}" in html
