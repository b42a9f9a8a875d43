"""Comparing two snapshots of a task force, or a snapshot with today: the
moves per stage on known data, the page, its CSV, the PDF report's section,
who may see it, and bad parameters."""

import csv
import io

import pytest
from django.urls import reverse

from assessments.cycles import compare as cycle_compare
from assessments.cycles.compare import Move, move_of
from assessments.models import MilestoneStatus, Status, SubmissionReview
from stages.models import Milestone
from tests.factories import ReviewCycleFactory, TaskForceFactory, UserFactory, snapshot_of

A, N, P, W, L = (
    Status.ACHIEVED,
    Status.NOT_STARTED,
    Status.PLANNING,
    Status.IN_PROGRESS,
    Status.LAPSED,
)

BEFORE = {
    "agency-awareness": A,
    "community-awareness": A,
    "task-force-formation": W,
    "task-force-mou": P,
    "funded-coordinator": A,
    "update-response-protocols": L,
}
AFTER = {
    "agency-awareness": A,
    "community-awareness": L,  # back
    "task-force-formation": A,  # forward
    "task-force-mou": P,  # unchanged
    "funded-coordinator": A,
    "medical-response-plan": P,  # newly started
    "initiate-case-review": A,  # newly started (and achieved)
    "update-response-protocols": W,  # forward from lapsed
}


@pytest.mark.parametrize(
    ("before", "after", "move"),
    [
        (N, P, Move.STARTED),
        (N, A, Move.STARTED),
        (N, L, Move.STARTED),
        (P, W, Move.FORWARD),
        (W, A, Move.FORWARD),
        (L, P, Move.FORWARD),
        (L, A, Move.FORWARD),
        (A, L, Move.BACK),
        (W, L, Move.BACK),
        (A, P, Move.BACK),
        (P, N, Move.BACK),
        (L, N, Move.BACK),
        (A, A, None),
        (N, N, None),
    ],
)
def test_moves_follow_the_documented_order(before, after, move):
    assert move_of(before, after) == move


@pytest.fixture
def world(guidance):
    task_force = TaskForceFactory(name="Lane")
    old_cycle = ReviewCycleFactory(title="2025 annual self-assessment")
    new_cycle = ReviewCycleFactory(title="2026 annual self-assessment")
    before = snapshot_of(task_force, old_cycle, BEFORE, decision=SubmissionReview.Decision.ACCEPTED)
    after = snapshot_of(task_force, new_cycle, AFTER, state="submitted")
    return task_force, before, after


def _slugs(rows):
    return [row.milestone.slug for row in rows]


def test_snapshot_against_snapshot_on_known_data(world):
    task_force, before, after = world
    comparison = cycle_compare.compare(task_force, before, after)
    foundation, stabilization, sustainability = comparison.stages
    assert foundation.stage.slug == "foundation"
    assert (foundation.before.achieved, foundation.after.achieved) == (3, 4)
    assert (foundation.before.percent, foundation.after.percent) == (27, 36)
    assert foundation.change == 9
    assert _slugs(foundation.forward) == ["task-force-formation"]
    assert _slugs(foundation.back) == ["community-awareness"]
    assert _slugs(foundation.started) == ["medical-response-plan", "initiate-case-review"]
    assert _slugs(stabilization.forward) == ["update-response-protocols"]
    assert stabilization.back == [] and stabilization.started == []
    assert stabilization.change == 0
    assert sustainability.rows and not any(row.move for row in sustainability.rows)
    # Overall: 3 -> 4 of 28.
    assert (comparison.before.achieved, comparison.after.achieved) == (3, 4)
    assert comparison.change == 14 - 11
    assert "2025 annual self-assessment, version 1" in comparison.before_label


def test_snapshot_against_today_reads_the_current_statuses(world):
    task_force, before, _ = world
    mou = Milestone.objects.get(slug="task-force-mou")
    MilestoneStatus.objects.create(task_force=task_force, milestone=mou, status=A)
    MilestoneStatus.objects.create(
        task_force=task_force, milestone=Milestone.objects.get(slug="agency-awareness"), status=L
    )
    comparison = cycle_compare.compare(task_force, before, None)
    foundation = comparison.stages[0]
    assert comparison.after_label == "Today"
    assert _slugs(foundation.forward) == ["task-force-mou"]
    # No row today is not started: the other achieved ones moved back.
    assert set(_slugs(foundation.back)) == {
        "agency-awareness",
        "community-awareness",
        "task-force-formation",
        "funded-coordinator",
    }
    assert foundation.after.achieved == 1


def test_a_retired_milestone_is_listed_only_if_recorded_and_never_counted(world):
    task_force, before, after = world
    Milestone.objects.filter(slug__in=["youth-voice", "task-force-formation"]).update(
        is_active=False
    )
    comparison = cycle_compare.compare(task_force, before, after)
    foundation, _, sustainability = comparison.stages
    # Recorded in both snapshots: listed, moved forward, but not counted.
    assert "task-force-formation" in _slugs(foundation.forward)
    assert foundation.after.total == 10 and foundation.after.achieved == 3
    # Recorded in neither (youth-voice was active when they were frozen, so
    # it has not-started rows: still listed as recorded).
    assert "youth-voice" in _slugs(sustainability.rows)
    Milestone.objects.filter(slug="primary-prevention").update(is_active=False)
    # A milestone with no row on either side and retired is not listed.
    comparison = cycle_compare.compare_statuses(
        {}, {}, milestones=list(Milestone.objects.all()), stages=cycle_compare.guidance()[1]
    )
    assert "primary-prevention" not in _slugs(comparison.stages[2].rows)


def _url(task_force, **params):
    url = reverse("assessments:compare", args=[task_force.slug])
    return url, params


def test_the_page_lists_moves_per_stage(world, client, staff_user, django_assert_max_num_queries):
    task_force, before, after = world
    client.force_login(staff_user)
    url = reverse("assessments:compare", args=[task_force.slug])
    with django_assert_max_num_queries(9):  # 8 and the menu's counts
        response = client.get(url, {"a": before.pk, "b": after.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "3</strong> → <strong>4</strong> of 28 milestones achieved" in html
    assert "+9 points" in html
    assert "Moved back</strong> (1)" in html and "Community Awareness" in html
    assert "Newly started</strong> (2)" in html
    # Selectors of the task force's snapshots, labelled by cycle and version.
    assert "2026 annual self-assessment, version 1" in html


def test_without_parameters_the_page_compares_the_accepted_snapshot_with_today(
    world, client, staff_user
):
    task_force, before, _ = world
    client.force_login(staff_user)
    response = client.get(reverse("assessments:compare", args=[task_force.slug]))
    assert response.status_code == 200
    assert response.context["comparison"].before_label == cycle_compare.snapshot_label(before)
    assert response.context["comparison"].after_label == "Today"


def test_a_task_force_without_snapshots_says_so(guidance, client, staff_user):
    task_force = TaskForceFactory()
    client.force_login(staff_user)
    response = client.get(reverse("assessments:compare", args=[task_force.slug]))
    assert response.status_code == 200
    assert b"has not submitted a review cycle yet" in response.content


def test_queries_do_not_grow_with_more_snapshots(
    guidance, client, staff_user, django_assert_max_num_queries
):
    task_force = TaskForceFactory()
    snapshots = [
        snapshot_of(task_force, ReviewCycleFactory(), BEFORE, decision="accepted") for _ in range(8)
    ]
    client.force_login(staff_user)
    url = reverse("assessments:compare", args=[task_force.slug])
    with django_assert_max_num_queries(9):  # 8 and the menu's counts
        assert client.get(url, {"a": snapshots[0].pk, "b": "today"}).status_code == 200


def test_another_task_forces_snapshot_is_a_404(world, client, staff_user):
    task_force, before, _ = world
    other = TaskForceFactory()
    theirs = snapshot_of(other, ReviewCycleFactory(), BEFORE)
    client.force_login(staff_user)
    url = reverse("assessments:compare", args=[task_force.slug])
    assert client.get(url, {"a": theirs.pk, "b": "today"}).status_code == 404
    assert client.get(url, {"a": before.pk, "b": theirs.pk}).status_code == 404
    assert client.get(url, {"a": 999999, "b": "today"}).status_code == 404
    csv_url = reverse("assessments:compare_csv", args=[task_force.slug])
    assert client.get(csv_url, {"a": theirs.pk, "b": "today"}).status_code == 404


def test_a_coordinator_reads_their_own_and_gets_404_for_others(world, client):
    task_force, before, _ = world
    mine = TaskForceFactory()
    coordinator = UserFactory()
    mine.coordinators.add(coordinator)
    client.force_login(coordinator)
    url = reverse("assessments:compare", args=[task_force.slug])
    assert client.get(url, {"a": before.pk, "b": "today"}).status_code == 404
    csv_url = reverse("assessments:compare_csv", args=[task_force.slug])
    assert client.get(csv_url, {"a": before.pk, "b": "today"}).status_code == 404
    task_force.coordinators.add(coordinator)
    assert client.get(url, {"a": before.pk, "b": "today"}).status_code == 200


def test_signed_out_visitors_are_sent_to_log_in(world, client):
    task_force, before, _ = world
    response = client.get(reverse("assessments:compare", args=[task_force.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"a": "abc", "b": "today"}, "Choose a submitted snapshot to compare."),
        ({"a": "", "b": "today"}, "This field is required."),
        ({"b": "today"}, "This field is required."),
        ({"a": "1", "b": "yesterday"}, "Choose a snapshot, or &quot;today&quot;."),
        ({"a": "SAME", "b": "SAME"}, "Choose two different moments to compare."),
    ],
)
def test_bad_parameters_are_a_form_error(world, client, staff_user, params, message):
    task_force, before, _ = world
    params = {key: str(before.pk) if value == "SAME" else value for key, value in params.items()}
    client.force_login(staff_user)
    for name in ("compare", "compare_csv"):
        response = client.get(reverse(f"assessments:{name}", args=[task_force.slug]), params)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert response.context["comparison"] is None


def test_csv_lists_every_milestone_with_its_move(world, client, staff_user):
    task_force, before, after = world
    client.force_login(staff_user)
    response = client.get(
        reverse("assessments:compare_csv", args=[task_force.slug]), {"a": before.pk, "b": after.pk}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 28
    by_slug = {row["milestone"]: row for row in rows}
    assert by_slug["community-awareness"]["change"] == "Moved back"
    assert by_slug["community-awareness"]["status_after"] == "lapsed"
    assert by_slug["task-force-formation"]["change"] == "Moved forward"
    assert by_slug["medical-response-plan"]["change"] == "Newly started"
    assert by_slug["task-force-mou"]["change"] == ""
    assert by_slug["agency-awareness"]["stage_change_points"] == "9"


def test_the_task_force_page_links_to_compare(world, client, staff_user):
    task_force, _, _ = world
    client.force_login(staff_user)
    response = client.get(reverse("assessments:task_force", args=[task_force.slug]))
    assert reverse("assessments:compare", args=[task_force.slug]).encode() in response.content


# --- The report's "Compared with" section ---------------------------------------


def _report(client, task_force):
    return client.get(reverse("assessments:report", args=[task_force.slug])).content.decode()


def test_the_report_compares_the_latest_accepted_snapshot_with_today(world, client, staff_user):
    task_force, before, _ = world  # `after` is submitted, not yet accepted
    MilestoneStatus.objects.create(
        task_force=task_force, milestone=Milestone.objects.get(slug="task-force-mou"), status=A
    )
    client.force_login(staff_user)
    html = _report(client, task_force)
    assert f"Compared with {cycle_compare.snapshot_label(before)}" in html
    assert "Task Force MOU (Planning → Achieved)" in html


def test_the_report_falls_back_to_a_submitted_snapshot_but_never_a_returned_one(
    guidance, client, staff_user
):
    task_force = TaskForceFactory()
    cycle = ReviewCycleFactory()
    returned = snapshot_of(task_force, cycle, BEFORE, state="returned", decision="returned")
    client.force_login(staff_user)
    assert "Compared with" not in _report(client, task_force)
    resubmitted = snapshot_of(task_force, cycle, AFTER, number=2, state="submitted")
    html = _report(client, task_force)
    assert f"Compared with {cycle_compare.snapshot_label(resubmitted)}" in html
    assert cycle_compare.snapshot_label(returned) not in html


def test_the_report_without_snapshots_has_no_compare_section(guidance, client, staff_user):
    client.force_login(staff_user)
    assert "Compared with" not in _report(client, TaskForceFactory())


def test_the_statewide_report_has_no_compare_section(world, client, staff_user):
    client.force_login(staff_user)
    html = client.get(reverse("assessments:statewide_report")).content.decode()
    assert "Compared with" not in html


def test_the_pdf_report_carries_the_section(world, client, staff_user):
    try:
        import weasyprint  # noqa: F401
    except OSError as error:  # pragma: no cover - Pango missing
        pytest.skip(f"WeasyPrint cannot load Pango here: {error}")
    from pypdf import PdfReader

    task_force, before, _ = world
    client.force_login(staff_user)
    response = client.get(reverse("assessments:report", args=[task_force.slug]), {"format": "pdf"})
    assert response.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Compared with 2025 annual self-assessment" in text


def test_csv_queries_do_not_grow_with_more_snapshots(
    guidance, client, staff_user, django_assert_max_num_queries
):
    task_force = TaskForceFactory()
    snapshots = [snapshot_of(task_force, ReviewCycleFactory(), BEFORE) for _ in range(6)]
    client.force_login(staff_user)
    url = reverse("assessments:compare_csv", args=[task_force.slug])
    with django_assert_max_num_queries(9):  # 8 and the menu's counts
        response = client.get(url, {"a": snapshots[0].pk, "b": snapshots[-1].pk})
    assert response.status_code == 200


@pytest.mark.django_db
def test_submission_page_links_each_version_to_compare_with_today(client):
    coordinator = UserFactory()
    task_force = TaskForceFactory()
    task_force.coordinators.add(coordinator)
    cycle = ReviewCycleFactory()
    snapshot = snapshot_of(task_force, cycle)
    client.force_login(coordinator)
    response = client.get(reverse("assessments:cycle_submission", args=[cycle.pk, task_force.slug]))
    assert response.status_code == 200
    compare = reverse("assessments:compare", args=[task_force.slug])
    assert f'href="{compare}?a={snapshot.pk}&amp;b=today"' in response.content.decode()
