"""A narrative typed on the submission page is not lost when a confirm
button on the same page is pressed: the buttons belong to the draft's form,
so the text is saved with the confirmation, or comes back as typed."""

import re

import pytest
from django.test import Client

from assessments.cycles import services as cycles
from assessments.cycles.models import CycleSubmission
from assessments.models import StatusChange
from tests.cycle_support import open_cycle, program_manager

TYPED = "Met monthly; the MOU renewal is with the county board."


@pytest.fixture
def submission_page(guidance, task_force, coordinator):
    cycle = open_cycle(program_manager())
    client = Client()
    client.force_login(coordinator)
    url = f"/cycles/{cycle.pk}/task-forces/{task_force.slug}/"
    return client, url


def _draft_as_typed(**overrides):
    """What the browser posts from the draft's form after the coordinator
    typed into the first stage's narrative."""
    submission = CycleSubmission.objects.get()
    first = cycles.cycle_stages()[0]
    data = {"version": submission.version, f"narrative_{first.pk}": TYPED}
    data.update(overrides)
    return data


def test_every_confirm_button_posts_the_draft_form(submission_page):
    client, url = submission_page
    html = client.get(url).content.decode()
    buttons = re.findall(r"<button[^>]*>Confirm[^<]*", html)
    assert len(buttons) == 29  # 28 rows and "Confirm the 28 not yet reviewed"
    assert all('form="submission-form"' in b and "formaction=" in b for b in buttons)
    hidden = re.findall(r'<input type="hidden" form="submission-form" name="milestone"', html)
    assert len(hidden) == 28
    assert 'id="submission-form" data-warn-unsaved' in html


def test_confirming_one_milestone_saves_the_narrative_typed_before(submission_page):
    client, url = submission_page
    response = client.post(f"{url}milestones/task-force-mou/confirm/", _draft_as_typed())
    assert response.status_code == 302
    submission = CycleSubmission.objects.get()
    assert submission.narrative == {str(cycles.cycle_stages()[0].pk): TYPED}
    assert StatusChange.objects.filter(source=StatusChange.Source.REVIEW).count() == 1
    shown = client.get(response["Location"]).content.decode()
    assert TYPED in shown
    assert "Draft saved." in shown and "Confirmed as it stands" in shown


def test_confirming_the_rest_saves_the_narrative_typed_before(submission_page):
    client, url = submission_page
    data = _draft_as_typed(milestone=["task-force-mou", "agency-awareness"])
    assert client.post(f"{url}milestones/confirm/", data).status_code == 302
    submission = CycleSubmission.objects.get()
    assert TYPED in submission.narrative.values()
    assert len(cycles.reviewed_milestone_ids(submission)) == 2


def test_an_unchanged_draft_is_not_saved_again(submission_page):
    client, url = submission_page
    version = CycleSubmission.objects.get().version
    untouched = {"version": version}
    assert client.post(f"{url}milestones/task-force-mou/confirm/", untouched).status_code == 302
    submission = CycleSubmission.objects.get()
    assert submission.narrative == {}
    # The confirmation starts the submission; no draft save is counted on top.
    assert submission.version <= version + 1


def test_a_draft_that_cannot_be_saved_comes_back_as_typed_and_nothing_is_confirmed(submission_page):
    client, url = submission_page
    first = cycles.cycle_stages()[0]
    too_long = "x" * (cycles.NARRATIVE_MAX_LENGTH + 1)
    data = _draft_as_typed(**{f"narrative_{first.pk}": too_long})
    response = client.post(f"{url}milestones/task-force-mou/confirm/", data)
    assert response.status_code == 400
    assert too_long in response.content.decode()
    assert b"Not confirmed yet" in response.content
    assert not StatusChange.objects.filter(source=StatusChange.Source.REVIEW).exists()
    assert CycleSubmission.objects.get().narrative == {}


def test_a_stale_draft_comes_back_as_typed_and_nothing_is_confirmed(submission_page, coordinator):
    client, url = submission_page
    data = _draft_as_typed()
    # Someone else saved the draft since this submission_page was loaded.
    submission = CycleSubmission.objects.get()
    cycles.submission_save_draft(
        submission=submission,
        narrative={},
        plan=[],
        user=coordinator,
        expected_version=submission.version,
    )
    response = client.post(f"{url}milestones/task-force-mou/confirm/", data)
    assert response.status_code == 409
    assert TYPED in response.content.decode()
    assert not StatusChange.objects.filter(source=StatusChange.Source.REVIEW).exists()
