"""Password reset by e-mail, password rules, long passphrases."""

import re

from django.core import mail
from django.urls import reverse

from tests.login import login_data

LONG = "correct horse battery staple " * 4  # 116 characters


def test_password_reset_by_email_end_to_end(client, coordinator):
    response = client.post(reverse("password_reset"), {"email": coordinator.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": LONG, "new_password2": LONG})
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.check_password(LONG)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_a_used_or_made_up_reset_link_says_so(client, db):
    response = client.get("/accounts/reset/MQ/not-a-real-token/")
    assert "has already been used or has expired" in response.content.decode()


def test_password_rules_refuse_short_and_common_passwords(coordinator_client, coordinator):
    url = reverse("password_change")
    for weak in ("short1", "password123", "1234567890123"):
        response = coordinator_client.post(
            url,
            {
                "old_password": "a-long-test-password",
                "new_password1": weak,
                "new_password2": weak,
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors["new_password2"]
    coordinator.refresh_from_db()
    assert coordinator.check_password("a-long-test-password")


def test_a_long_passphrase_can_be_set_and_used_to_log_in(client, coordinator_client, coordinator):
    response = coordinator_client.post(
        reverse("password_change"),
        {"old_password": "a-long-test-password", "new_password1": LONG, "new_password2": LONG},
    )
    assert response.status_code == 302
    coordinator_client.post(reverse("logout"))
    response = client.post(reverse("login"), login_data(coordinator.username, LONG))
    assert response.status_code == 302
