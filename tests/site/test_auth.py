"""Logging in and out."""

from django.urls import reverse

from tests.login import login_data


def test_login_page_renders_for_anonymous(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Forgot your password?" in response.content.decode()


def test_coordinator_logs_in_and_lands_on_the_dashboard(client, coordinator):
    response = client.post(
        reverse("login"), login_data(coordinator.username, "a-long-test-password")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:dashboard")


def test_a_wrong_password_says_so_and_does_not_log_in(client, coordinator):
    response = client.post(reverse("login"), login_data(coordinator.username, "no"))
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(coordinator_client):
    assert coordinator_client.get(reverse("logout")).status_code == 405
    response = coordinator_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert coordinator_client.get(reverse("assessments:dashboard")).status_code == 302
