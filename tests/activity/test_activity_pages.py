"""The activity log's pages: log, add, "add another like this", edit with
its version check, remove; who may do what; bad input refused with nothing
saved; every change in the history."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.activity import services
from assessments.models import ActivityChange, ActivityCount, ActivityEntry, ActivityKind, Measure
from tests.activity.support import client_for, days_ago, form_data, log, sector
from tests.factories import TaskForceFactory, UserFactory, program_manager

pytestmark = pytest.mark.django_db


def _add_url(task_force):
    return reverse("assessments:activity_add", args=[task_force.slug])


def _edit_url(entry):
    return reverse("assessments:activity_edit", args=[entry.task_force.slug, entry.pk])


def _remove_url(entry):
    return reverse("assessments:activity_remove", args=[entry.task_force.slug, entry.pk])


def _log_url(task_force):
    return reverse("assessments:activity_log", args=[task_force.slug])


def _nothing_saved():
    return (
        ActivityEntry.objects.count(),
        ActivityCount.objects.count(),
        ActivityChange.objects.count(),
    )


# Adding --------------------------------------------------------------------


def test_a_coordinator_logs_a_meeting_with_counts_by_sector(
    task_force, coordinator_client, coordinator
):
    response = coordinator_client.post(_add_url(task_force), form_data())
    assert response.status_code == 302
    assert response["Location"] == _log_url(task_force)
    entry = ActivityEntry.objects.get()
    assert (entry.task_force, entry.kind, entry.date) == (
        task_force,
        ActivityKind.TASK_FORCE_MEETING,
        days_ago(1),
    )
    counts = {(c.measure, c.sector.slug): c.count for c in entry.counts.all()}
    # Only counts above zero are kept.
    assert counts == {("agencies", "law-enforcement"): 3, ("attendees", "victim-services"): 5}
    change = ActivityChange.objects.get()
    assert (change.action, change.entry_pk, change.changed_by) == ("created", entry.pk, coordinator)
    assert change.changes["counts"] == [
        None,
        {"agencies": {"law-enforcement": 3}, "attendees": {"victim-services": 5}},
    ]
    page = coordinator_client.get(_log_url(task_force)).content.decode()
    assert "Monthly task force meeting" in page


def test_the_form_is_built_for_a_phone(task_force, coordinator_client):
    html = coordinator_client.get(_add_url(task_force)).content.decode()
    # Every count: the number pad, never below 0; one per sector and measure.
    assert html.count('inputmode="numeric"') == 16 * len(Measure.values)
    assert 'min="0"' in html
    assert "Never write a participant's name" in html
    assert "never anything that identifies a victim or survivor" in html


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"title": ""}, "title", "Give the entry a title"),
        ({"date": days_ago(-1).isoformat()}, "date", "Log what has happened"),
        ({"date": "17/06/2026"}, "date", "Enter a date as YYYY-MM-DD"),
        ({"kind": "party"}, "kind", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_saved(
    task_force, coordinator_client, values, field, message
):
    response = coordinator_client.post(_add_url(task_force), form_data(**values))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert "Nothing was saved" in response.content.decode()
    assert _nothing_saved() == (0, 0, 0)


def test_a_negative_count_is_refused_and_named(task_force, coordinator_client):
    trained = f"trained-{sector('health-care').pk}"
    response = coordinator_client.post(_add_url(task_force), form_data(**{trained: "-2"}))
    assert response.status_code == 400
    assert "People trained: Health care: Counts are whole numbers, 0 or more." in (
        response.content.decode()
    )
    assert _nothing_saved() == (0, 0, 0)


def test_the_service_refuses_a_negative_count_too(task_force, coordinator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="0 or more"):
        log(task_force, coordinator, counts={"trained": {sector("labor"): -1}})
    assert _nothing_saved() == (0, 0, 0)


def test_the_database_refuses_a_negative_count(task_force, coordinator):
    from django.db import IntegrityError, transaction

    entry = log(task_force, coordinator)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityCount.objects.create(
            entry=entry, measure="trained", sector=sector("labor"), count=-1
        )


def test_add_another_like_this_prefills_a_copy_dated_today(
    task_force, coordinator_client, coordinator, guidance
):
    from stages.models import Milestone

    case_review = Milestone.objects.get(slug="initiate-case-review")
    entry = log(
        task_force,
        coordinator,
        days=30,
        kind=ActivityKind.CASE_REVIEW,
        title="Monthly case review",
        milestones=[case_review],
        counts={"agencies": {sector("prosecution"): 2}},
    )
    response = coordinator_client.get(_add_url(task_force) + f"?like={entry.pk}")
    form = response.context["form"]
    assert form.initial["date"] == days_ago(0)
    assert form.initial["kind"] == ActivityKind.CASE_REVIEW
    assert form.initial["title"] == "Monthly case review"
    assert form.initial["milestones"] == [case_review.pk]
    assert form.initial[f"agencies-{sector('prosecution').pk}"] == 2
    assert "version" not in form.initial
    assert "A copy of" in response.content.decode()
    # Saving the copy adds a second entry and leaves the first alone.
    data = {
        "date": days_ago(0).isoformat(),
        "kind": ActivityKind.CASE_REVIEW,
        "title": "Monthly case review",
        "milestones": [case_review.pk],
        f"agencies-{sector('prosecution').pk}": "2",
    }
    assert coordinator_client.post(_add_url(task_force), data).status_code == 302
    assert ActivityEntry.objects.count() == 2
    assert ActivityEntry.objects.get(pk=entry.pk).date == days_ago(30)


def test_add_another_like_this_of_another_task_force_is_404(task_force, coordinator_client):
    other = log(TaskForceFactory())
    assert coordinator_client.get(_add_url(task_force) + f"?like={other.pk}").status_code == 404


# Editing and removing --------------------------------------------------------


def test_an_edit_changes_the_entry_and_records_what_changed(
    task_force, coordinator_client, coordinator
):
    entry = log(task_force, coordinator, counts={"agencies": {sector("law-enforcement"): 3}})
    data = form_data(title="Quarterly meeting", version=entry.version)
    data[f"agencies-{sector('law-enforcement').pk}"] = "4"
    assert coordinator_client.post(_edit_url(entry), data).status_code == 302
    entry.refresh_from_db()
    assert (entry.title, entry.version) == ("Quarterly meeting", 2)
    change = ActivityChange.objects.filter(action="updated").get()
    assert change.changes["title"] == ["Monthly task force meeting", "Quarterly meeting"]
    assert change.changes["counts"][1]["agencies"] == {"law-enforcement": 4}
    assert "date" not in change.changes
    html = coordinator_client.get(_log_url(task_force)).content.decode()
    assert "Monthly task force meeting → Quarterly meeting" in html


def test_a_stale_edit_is_refused_with_a_clear_error_and_saves_nothing(
    task_force, coordinator_client, coordinator
):
    entry = log(task_force, coordinator)
    someone = UserFactory(first_name="Dana", last_name="Reyes")
    task_force.coordinators.add(someone)
    services.activity_entry_update(
        entry=entry,
        date=entry.date,
        kind=entry.kind,
        title="Changed meanwhile",
        milestones=[],
        counts={},
        user=someone,
        expected_version=1,
    )
    before = _nothing_saved()
    response = coordinator_client.post(_edit_url(entry), form_data(title="Mine", version=1))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Not saved: Dana Reyes saved this" in html
    assert ActivityEntry.objects.get().title == "Changed meanwhile"
    assert _nothing_saved() == before
    # The form keeps what they typed, now based on the saved version.
    assert response.context["form"]["version"].value() == 2


def test_an_edit_form_without_its_version_is_refused(task_force, coordinator_client, coordinator):
    entry = log(task_force, coordinator)
    response = coordinator_client.post(_edit_url(entry), form_data(title="Mine"))
    assert response.status_code == 400
    assert "reload the page" in response.content.decode()
    assert ActivityEntry.objects.get().title == "Monthly task force meeting"


def test_a_save_that_changes_nothing_records_nothing(task_force, coordinator):
    entry = log(task_force, coordinator, counts={"agencies": {sector("labor"): 2}})
    services.activity_entry_update(
        entry=entry,
        date=entry.date,
        kind=entry.kind,
        title=entry.title,
        milestones=[],
        counts={"agencies": {sector("labor"): 2, sector("business"): 0}},
        user=coordinator,
        expected_version=1,
    )
    assert ActivityChange.objects.count() == 1
    assert ActivityEntry.objects.get().version == 1


def test_removing_keeps_the_history_with_what_the_entry_held(
    task_force, coordinator_client, coordinator
):
    entry = log(task_force, coordinator, counts={"trained": {sector("health-care"): 12}})
    page = coordinator_client.get(_remove_url(entry))
    assert "Remove “Monthly task force meeting”?" in page.content.decode()
    response = coordinator_client.post(_remove_url(entry), {"version": entry.version})
    assert response.status_code == 302
    assert not ActivityEntry.objects.exists()
    assert not ActivityCount.objects.exists()
    removed = ActivityChange.objects.get(action="removed")
    assert removed.entry_pk == entry.pk
    assert removed.changes["counts"] == [{"trained": {"health-care": 12}}, None]
    assert ActivityChange.objects.filter(entry_pk=entry.pk).count() == 2


def test_a_stale_removal_is_refused(task_force, coordinator_client, coordinator):
    entry = log(task_force, coordinator)
    response = coordinator_client.post(_remove_url(entry), {"version": 0})
    assert response.status_code == 409
    assert "Not saved" in response.content.decode()
    assert ActivityEntry.objects.exists()


def test_history_rows_are_append_only(task_force, coordinator):
    log(task_force, coordinator)
    change = ActivityChange.objects.get()
    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        ActivityChange.objects.all().delete()


# Who may do what -------------------------------------------------------------


def test_another_task_forces_coordinator_gets_404_everywhere(task_force, coordinator):
    entry = log(task_force, coordinator)
    stranger = UserFactory()
    TaskForceFactory().coordinators.add(stranger)
    client = client_for(stranger)
    for url in (_log_url(task_force), _add_url(task_force), _edit_url(entry), _remove_url(entry)):
        assert client.get(url).status_code == 404
    assert client.post(_add_url(task_force), form_data()).status_code == 404
    assert client.post(_remove_url(entry), {"version": 1}).status_code == 404
    assert ActivityEntry.objects.count() == 1


def test_an_entry_of_another_task_force_is_404_under_ones_own(task_force, coordinator_client):
    other = log(TaskForceFactory())
    url = reverse("assessments:activity_edit", args=[task_force.slug, other.pk])
    assert coordinator_client.get(url).status_code == 404


def test_a_program_manager_reads_the_log_and_gets_403_on_edits(task_force, coordinator):
    entry = log(task_force, coordinator)
    client = client_for(program_manager())
    page = client.get(_log_url(task_force))
    assert page.status_code == 200
    assert "Log an activity" not in page.content.decode()
    assert client.get(_add_url(task_force)).status_code == 403
    assert client.post(_add_url(task_force), form_data()).status_code == 403
    assert client.post(_edit_url(entry), form_data(version=1)).status_code == 403
    assert client.post(_remove_url(entry), {"version": 1}).status_code == 403
    assert ActivityEntry.objects.count() == 1


def test_a_partner_link_holder_is_sent_to_log_in(task_force, client):
    assert client.get(_log_url(task_force))["Location"].startswith("/accounts/login/")


# The task force page and the log's query counts ------------------------------


def test_the_task_force_page_shows_the_last_90_days_per_kind(
    task_force, coordinator_client, coordinator, guidance
):
    log(task_force, coordinator, days=1)
    log(task_force, coordinator, days=89)
    log(task_force, coordinator, days=90)  # 91 days ago counting today: outside
    log(task_force, coordinator, days=5, kind=ActivityKind.OUTREACH, title="School assembly")
    html = coordinator_client.get(
        reverse("assessments:task_force", args=[task_force.slug])
    ).content.decode()
    assert "Activity in the last 90 days" in html
    assert "<strong>2</strong> task force meeting" in html
    assert "<strong>1</strong> outreach or awareness event" in html


def _fill(task_force, n):
    for i in range(n):
        log(
            task_force,
            days=i % 300,
            counts={"agencies": {sector("law-enforcement"): 1}, "trained": {sector("labor"): i}},
        )


@pytest.mark.parametrize("n", [3, 40])
def test_the_log_page_reads_a_fixed_number_of_queries(
    task_force, coordinator_client, django_assert_num_queries, n, guidance
):
    _fill(task_force, n)
    coordinator_client.get(_log_url(task_force))  # the session, once
    # Session, user, its permissions (2), task force, whether they coordinate
    # it, the page count, the 90 days, the changes, the entries with their
    # totals, their milestones, and the menu's counts.
    with django_assert_num_queries(12):
        assert coordinator_client.get(_log_url(task_force)).status_code == 200


def test_the_task_force_history_shows_activity_changes_and_the_export_lists_them(
    task_force, coordinator_client, coordinator, guidance
):
    entry = log(task_force, coordinator, title="Subcommittee on data")
    services.activity_entry_remove(entry=entry, user=coordinator, expected_version=1)
    html = coordinator_client.get(
        reverse("assessments:history", args=[task_force.slug])
    ).content.decode()
    assert html.count("list-group-item activity-change") == 2
    assert "(activity log)" in html
    assert "Removed" in html
    url = reverse("assessments:task_force_export_history", args=[task_force.slug, "csv"])
    content = coordinator_client.get(url).content.decode("utf-8-sig")
    rows = [row for row in csv.DictReader(io.StringIO(content)) if row["record"] == "activity"]
    assert [(row["subject"], row["action"]) for row in rows] == [
        ("Subcommittee on data", "removed"),
        ("Subcommittee on data", "created"),
    ]


def test_the_log_names_who_changed_what_in_the_same_queries_for_1_and_8_editors(
    task_force, coordinator_client
):
    def editor_logs(i):
        editor = UserFactory(username=f"login-code-{i}", first_name=f"Editor{i}", last_name="Lee")
        log(task_force, editor, days=1 + i)

    def queries():
        coordinator_client.get(_log_url(task_force))
        with CaptureQueriesContext(connection) as captured:
            html = coordinator_client.get(_log_url(task_force)).content.decode()
        return len(captured), html

    editor_logs(0)
    one, html = queries()
    for i in range(1, 8):
        editor_logs(i)
    eight, html = queries()
    assert one == eight
    # Who made each change, by name: never the username they sign in with.
    assert all(f"Editor{i} Lee added" in html for i in range(8))
    assert "login-code-" not in html
