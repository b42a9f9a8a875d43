"""Where a refused password's reasons appear: under the new password for the
rules ("too similar to the username", "too short"), under the confirmation
for a mismatch, in the invitation, the reset and the change alike."""

import re

import pytest
from django.core import mail
from django.urls import reverse


def _errors_by_field(response) -> dict:
    return response.context["form"].errors


def _change(client, new1, new2):
    return client.post(
        reverse("password_change"),
        {"old_password": "a-long-test-password", "new_password1": new1, "new_password2": new2},
    )


def test_a_password_like_the_username_is_refused_at_the_new_password(
    coordinator_client, coordinator
):
    similar = f"{coordinator.username}1"
    errors = _errors_by_field(_change(coordinator_client, similar, similar))
    assert any("too similar" in message for message in errors["new_password1"])
    assert "new_password2" not in errors
    coordinator.refresh_from_db()
    assert coordinator.check_password("a-long-test-password")


def test_the_error_is_shown_next_to_the_new_password_field(coordinator_client):
    html = _change(coordinator_client, "short1", "short1").content.decode()
    field = html.index('name="new_password1"')
    confirmation = html.index('name="new_password2"')
    message = html.index("too short")
    assert field < message < confirmation


def test_a_mismatch_is_at_the_confirmation_alone(coordinator_client, coordinator):
    errors = _errors_by_field(_change(coordinator_client, "short1", "short2"))
    assert errors["new_password2"]
    assert "new_password1" not in errors


@pytest.fixture
def reset_link(client, coordinator):
    client.post(reverse("password_reset"), {"email": coordinator.email})
    path = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    # The reset view trades the token in the link for one kept in the session.
    return client.get(path, follow=True).redirect_chain[-1][0]


def test_a_reset_shows_the_rules_at_the_new_password(client, coordinator, reset_link):
    response = client.post(reset_link, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    errors = _errors_by_field(response)
    assert any("too common" in message for message in errors["new_password1"])
    assert "new_password2" not in errors
    coordinator.refresh_from_db()
    assert coordinator.check_password("a-long-test-password")
