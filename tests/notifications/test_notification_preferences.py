"""/account/notifications/: each signed-in person chooses per kind."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from assessments.models import PROGRAM_MANAGERS_GROUP, NotificationPreference
from assessments.notifications.services import notification_preferences_set
from tests.factories import UserFactory

URL = reverse("assessments:notification_preferences")


def _choices(**chosen):
    data = {
        "target_date": "daily",
        "review_due": "daily",
        "mou_renewal": "daily",
        "invitation_pending": "daily",
        "cycle_due": "daily",
        # The event groups (issue 30); a field only for the roles they concern.
        "cycles_opened": "daily",
        "submissions_in": "daily",
        "decisions": "immediate",
        "help_queue": "daily",
        "help_answers": "immediate",
        "invitations_accepted": "daily",
        "no_coordinator": "daily",
    }
    data.update(chosen)
    return data


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_defaults_are_shown_and_choices_saved(coordinator_client, coordinator):
    page = coordinator_client.get(URL)
    assert page.status_code == 200
    assert b"Target dates coming up or overdue" in page.content
    # Coordinators do not get the statewide digest, so they are not asked.
    assert b"Weekly statewide digest" not in page.content
    response = coordinator_client.post(URL, _choices(review_due="weekly", mou_renewal="never"))
    assert response.status_code == 302
    saved = dict(
        NotificationPreference.objects.filter(user=coordinator).values_list("kind", "frequency")
    )
    assert saved["review_due"] == "weekly" and saved["mou_renewal"] == "never"


def test_the_user_menu_links_to_the_page(coordinator_client):
    page = coordinator_client.get(reverse("assessments:dashboard"))
    assert f'href="{URL}"'.encode() in page.content


def test_an_unknown_frequency_saves_nothing(coordinator_client, coordinator):
    response = coordinator_client.post(URL, _choices(target_date="hourly"))
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not NotificationPreference.objects.exists()


def test_program_managers_choose_the_digest_weekly_or_never(client, db):
    manager = UserFactory()
    manager.groups.add(Group.objects.get(name=PROGRAM_MANAGERS_GROUP))
    client.force_login(manager)
    page = client.get(URL)
    assert b"Weekly statewide digest" in page.content
    assert client.post(URL, _choices(digest="daily")).status_code == 200
    assert not NotificationPreference.objects.exists()
    assert client.post(URL, _choices(digest="never")).status_code == 302
    assert NotificationPreference.objects.get(user=manager, kind="digest").frequency == "never"


def test_the_service_and_the_database_refuse_a_daily_digest(db):
    user = UserFactory()
    with pytest.raises(ValidationError):
        notification_preferences_set(user=user, frequencies={"digest": "daily"})
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(user=user, kind="digest", frequency="daily")


def test_one_preference_per_person_and_kind(db):
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind="target_date", frequency="daily")
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(user=user, kind="target_date", frequency="never")


def test_staff_find_the_record_of_sent_reminders_from_their_preferences(client, db):
    sent = reverse("assessments:sent_notifications")
    coordinator = UserFactory()
    client.force_login(coordinator)
    assert f'href="{sent}"'.encode() not in client.get(URL).content
    client.force_login(UserFactory(is_staff=True))
    assert f'href="{sent}"'.encode() in client.get(URL).content
