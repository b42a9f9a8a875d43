import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from assessments.core import services
from assessments.cycles import services as cycles
from assessments.cycles.models import CycleSubmission
from assessments.models import Status, StatusChange
from stages.models import Milestone
from tests.cycle_support import open_cycle, program_manager, submit
from tests.factories import TaskForceFactory


def _cycle_with(count):
    for _ in range(count):
        TaskForceFactory()
    manager = program_manager()
    return manager, open_cycle(manager)


@pytest.mark.parametrize("count", [2, 30])
def test_the_cycle_page_reads_in_constant_queries(guidance, django_assert_max_num_queries, count):
    manager, cycle = _cycle_with(count)
    client = Client()
    client.force_login(manager)
    client.get(f"/cycles/{cycle.pk}/")  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        page = client.get(f"/cycles/{cycle.pk}/")
    assert page.status_code == 200
    assert page.context["counts"]["total"] == count


@pytest.mark.parametrize("count", [2, 30])
def test_the_cycle_list_reads_in_constant_queries(guidance, django_assert_max_num_queries, count):
    manager, cycle = _cycle_with(count)
    client = Client()
    client.force_login(manager)
    client.get("/cycles/")
    with django_assert_max_num_queries(10):
        page = client.get("/cycles/")
    assert cycle.title.encode() in page.content


def test_late_is_from_the_day_after_the_due_date(guidance, task_force, coordinator):
    cycle = open_cycle(program_manager(), days=0)
    due = cycle.due_on
    submissions = CycleSubmission.objects.filter(cycle=cycle)
    assert not submissions.with_late(due).get().late
    assert submissions.with_late(due + datetime.timedelta(days=1)).get().late
    assert submissions.late(due + datetime.timedelta(days=1)).count() == 1
    assert cycles.state_counts(submissions, due + datetime.timedelta(days=1))["late"] == 1
    submit(submissions.get(), coordinator)
    assert not submissions.with_late(due + datetime.timedelta(days=1)).get().late


def test_the_cycle_page_counts_each_state_and_filters(guidance, coordinator, task_force):
    TaskForceFactory(region="Coast")
    manager = program_manager()
    cycle = open_cycle(manager)
    submit(cycle.submissions.get(task_force=task_force), coordinator)
    client = Client()
    client.force_login(manager)
    page = client.get(f"/cycles/{cycle.pk}/")
    assert page.context["counts"]["submitted"] == 1
    assert page.context["counts"]["not_started"] == 1
    assert b'data-count="submitted">1<' in page.content
    coast = client.get(f"/cycles/{cycle.pk}/?region=Coast")
    assert [s.task_force.region for s in coast.context["page"].object_list] == ["Coast"]
    submitted = client.get(f"/cycles/{cycle.pk}/?state=submitted")
    assert [s.task_force for s in submitted.context["page"].object_list] == [task_force]


def test_a_full_cycle_through_the_pages(guidance, task_force, coordinator):
    manager = program_manager()
    pm, co = Client(), Client()
    pm.force_login(manager)
    co.force_login(coordinator)
    due = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = pm.post("/cycles/open/", {"title": "2027 annual", "due_on": due, "region": ""})
    cycle = cycles.ReviewCycle.objects.get()
    assert response.status_code == 302
    url = f"/cycles/{cycle.pk}/task-forces/{task_force.slug}/"
    for milestone in cycles.listed_milestones():
        co.post(f"{url}milestones/{milestone.slug}/confirm/")
    data = {"version": CycleSubmission.objects.get().version, "action": "submit"}
    for stage in cycles.cycle_stages():
        data[f"narrative_{stage.pk}"] = "Totals only."
    assert co.post(f"{url}save/", data).status_code == 302
    assert CycleSubmission.objects.get().state == "submitted"
    version = CycleSubmission.objects.get().version
    blank = pm.post(f"{url}decide/", {"version": version, "decision": "returned", "comments": ""})
    assert blank.status_code == 400
    pm.post(f"{url}decide/", {"version": version, "decision": "returned", "comments": "Fix it"})
    page = co.get(url)
    assert b"Fix it" in page.content
    data["version"] = CycleSubmission.objects.get().version
    co.post(f"{url}save/", data)
    confirmed = {"decision": "accepted", "confirmed": "yes"}
    stale = pm.post(f"{url}decide/", {"version": version, **confirmed})
    assert stale.status_code == 409
    pm.post(f"{url}decide/", {"version": CycleSubmission.objects.get().version, **confirmed})
    submission = CycleSubmission.objects.get()
    assert submission.state == "accepted"
    assert submission.snapshots.count() == 2
    assert b"Version 2" in co.get(url).content


def test_a_stale_draft_save_is_a_409(guidance, task_force, coordinator):
    cycle = open_cycle(program_manager())
    client = Client()
    client.force_login(coordinator)
    url = f"/cycles/{cycle.pk}/task-forces/{task_force.slug}/save/"
    assert client.post(url, {"version": 0, "action": "save"}).status_code == 302
    assert client.post(url, {"version": 0, "action": "save"}).status_code == 409


def _returned_and_resubmitted(submission, coordinator, manager, times):
    submit(submission, coordinator)
    for _ in range(times):
        submission.refresh_from_db()
        cycles.submission_return(submission=submission, comments="Add dates.", user=manager)
        submission.refresh_from_db()
        cycles.submission_submit(
            submission=submission, user=coordinator, expected_version=submission.version
        )
    submission.refresh_from_db()
    return submission


@pytest.mark.parametrize("resubmissions", [0, 3])
def test_the_submission_page_reads_in_constant_queries_whatever_its_versions(
    guidance, task_force, coordinator, django_assert_max_num_queries, resubmissions
):
    manager = program_manager()
    submission = open_cycle(manager).submissions.get(task_force=task_force)
    submission = _returned_and_resubmitted(submission, coordinator, manager, resubmissions)
    assert submission.snapshots.count() == resubmissions + 1
    url = f"/cycles/{submission.cycle_id}/task-forces/{task_force.slug}/"
    for user in (coordinator, manager):
        client = Client()
        client.force_login(user)
        client.get(url)  # warm the session and permission caches
        # 16 today: one read per kind, none per version, and the menu's counts.
        with django_assert_max_num_queries(16):
            page = client.get(url)
        assert page.status_code == 200
        assert f"Version {resubmissions + 1}".encode() in page.content


def _confirm_the_rest_url(cycle, task_force):
    return f"/cycles/{cycle.pk}/task-forces/{task_force.slug}/milestones/confirm/"


def test_confirming_the_rest_reviews_what_the_page_listed_in_one_action(
    guidance, task_force, coordinator
):
    cycle = open_cycle(program_manager())
    mou = Milestone.objects.get(slug="task-force-mou")
    services.milestone_status_update(
        task_force=task_force, milestone=mou, status=Status.ACHIEVED, user=coordinator
    )
    client = Client()
    client.force_login(coordinator)
    url = f"/cycles/{cycle.pk}/task-forces/{task_force.slug}/"
    page = client.get(url)
    # The MOU changed since the cycle opened: reviewed already, not listed.
    assert page.context["unreviewed_count"] == 27
    listed = re.findall(r'name="milestone" value="([a-z0-9-]+)"', page.content.decode())
    assert len(listed) == 27 and "task-force-mou" not in listed
    assert b"Confirm the 27 not yet reviewed as they stand" in page.content

    response = client.post(_confirm_the_rest_url(cycle, task_force), {"milestone": listed})
    assert response.status_code == 302
    submission = CycleSubmission.objects.get()
    assert submission.state == "in_progress"
    assert len(cycles.reviewed_milestone_ids(submission)) == 28
    reviews = StatusChange.objects.filter(source=StatusChange.Source.REVIEW)
    assert sorted(reviews.values_list("milestone__slug", flat=True)) == sorted(listed)
    page = client.get(url)
    assert page.context["unreviewed_count"] == 0
    assert b"Confirmed 27 milestones as they stand." in page.content
    assert b'id="confirm-the-rest"' not in page.content


def test_confirming_the_rest_with_nothing_listed_saves_nothing(guidance, task_force, coordinator):
    cycle = open_cycle(program_manager())
    client = Client()
    client.force_login(coordinator)
    response = client.post(
        _confirm_the_rest_url(cycle, task_force), {"milestone": ["no-such-milestone"]}
    )
    assert response.status_code == 302
    assert not StatusChange.objects.exists()
    assert CycleSubmission.objects.get().state == "not_started"
    assert b"Nothing to confirm" in client.get(response["Location"]).content


def test_confirming_the_rest_after_submitting_is_refused_and_saves_nothing(
    guidance, task_force, coordinator
):
    cycle = open_cycle(program_manager())
    submit(cycle.submissions.get(), coordinator)
    before = StatusChange.objects.count()
    client = Client()
    client.force_login(coordinator)
    response = client.post(
        _confirm_the_rest_url(cycle, task_force), {"milestone": ["task-force-mou"]}, follow=True
    )
    assert StatusChange.objects.count() == before
    assert CycleSubmission.objects.get().state == "submitted"
    assert b"alert-danger" in response.content


def test_a_retired_milestone_is_refused_and_nothing_of_the_action_is_saved(
    guidance, task_force, coordinator
):
    submission = open_cycle(program_manager()).submissions.get()
    retired = Milestone.objects.get(slug="task-force-mou")
    Milestone.objects.filter(pk=retired.pk).update(is_active=False)
    retired.refresh_from_db()
    active = Milestone.objects.get(slug="agency-awareness")
    with pytest.raises(ValidationError):
        cycles.milestones_review(
            submission=submission, milestones=[active, retired], user=coordinator
        )
    assert not StatusChange.objects.exists()
    assert CycleSubmission.objects.get().state == "not_started"
