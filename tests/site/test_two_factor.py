"""Two-factor sign-in: who must use it, setting it up, signing in with a code
or a recovery code, the lockout, the admin and the security log."""

from base64 import b32decode

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PartnerLinkFactory, UserFactory

PASSWORD = "a-long-test-password"
IP = "192.0.2.7"


@pytest.fixture(autouse=True)
def _production_rule(settings):
    settings.TWO_FACTOR_REQUIRED = "staff"


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return str(totp(device.bin_key, device.step, device.t0, device.digits, offset)).zfill(6)


def _with_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="default", confirmed=True)


def _password_step(client, user, password=PASSWORD, **extra):
    return client.post(
        reverse("login"),
        {
            "login_view-current_step": "auth",
            "auth-username": user.get_username(),
            "auth-password": password,
        },
        REMOTE_ADDR=IP,
        **extra,
    )


def _code_step(client, code, step="token"):
    return client.post(
        reverse("login"),
        {"login_view-current_step": step, f"{step}-otp_token": code},
        REMOTE_ADDR=IP,
    )


def _to_recovery_step(client):
    client.post(
        reverse("login"), {"login_view-current_step": "token", "wizard_goto_step": "backup"}
    )


def test_staff_without_a_second_factor_reach_only_the_set_up_pages(client, staff_user, db):
    client.force_login(staff_user)
    response = client.get(reverse("assessments:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:setup"))
    # The admin is behind the same rule.
    admin = client.get(reverse("admin:index"))
    assert admin["Location"].startswith(reverse("two_factor:setup"))
    assert client.get(reverse("two_factor:setup")).status_code == 200


def test_program_managers_must_set_it_up_too(client, db):
    manager = UserFactory()
    manager.groups.add(Group.objects.get(name="Program managers"))
    client.force_login(manager)
    response = client.get(reverse("assessments:overview"))
    assert response["Location"].startswith(reverse("two_factor:setup"))


def test_coordinators_may_go_without_it(coordinator_client):
    assert coordinator_client.get(reverse("assessments:dashboard")).status_code == 200


def test_everyone_must_use_it_when_configured(coordinator_client, settings):
    settings.TWO_FACTOR_REQUIRED = "everyone"
    response = coordinator_client.get(reverse("assessments:dashboard"))
    assert response["Location"].startswith(reverse("two_factor:setup"))


def test_optional_for_all_when_configured(client, staff_user, settings):
    settings.TWO_FACTOR_REQUIRED = "optional"
    client.force_login(staff_user)
    assert client.get(reverse("assessments:dashboard")).status_code == 200


def test_set_up_shows_a_server_drawn_qr_code_and_the_secret_then_turns_it_on(
    client, staff_user, events
):
    client.force_login(staff_user)
    next_url = reverse("assessments:overview")
    setup = f"{reverse('two_factor:setup')}?next={next_url}"
    page = client.post(setup, {"setup_view-current_step": "welcome"})
    secret = page.context["secret_key"]
    # Shown in groups of four, for typing by hand.
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page.content.decode()
    qr = client.get(reverse("two_factor:qr"))
    assert qr.status_code == 200
    assert qr["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in qr.content

    wrong = client.post(
        setup, {"setup_view-current_step": "generator", "generator-token": "000000"}
    )
    assert wrong.status_code == 200
    assert "That code did not work" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=staff_user).exists()

    code = str(totp(b32decode(secret))).zfill(6)
    done = client.post(setup, {"setup_view-current_step": "generator", "generator-token": code})
    assert done.status_code == 302
    assert done["Location"].startswith(reverse("two_factor:setup_complete"))
    assert TOTPDevice.objects.get(user=staff_user).confirmed
    assert events("two_factor.setup")
    # Verified in this session: the pages open, and the way on is kept.
    assert client.get(done["Location"]).context["next"] == next_url
    assert client.get(next_url).status_code == 200


def test_recovery_codes_are_made_after_set_up_and_logged(client, staff_user, events):
    device = _with_device(staff_user)
    _password_step(client, staff_user)
    _code_step(client, _code(device))
    response = client.post(reverse("two_factor:backup_tokens"), {"next": "/overview/"})
    assert response.status_code == 302
    assert StaticToken.objects.filter(device__user=staff_user).count() == 10
    assert events("two_factor.recovery_codes.created")


def test_sign_in_with_password_and_authenticator_code(client, staff_user, events):
    device = _with_device(staff_user)
    first = _password_step(client, staff_user)
    assert first.status_code == 200
    assert b"6-digit code" in first.content
    assert "_auth_user_id" not in client.session

    done = _code_step(client, _code(device))
    assert done.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert events("login.second_factor")


def test_a_wrong_code_does_not_sign_in_and_is_logged(client, staff_user, events):
    _with_device(staff_user)
    _password_step(client, staff_user)
    response = _code_step(client, "000000")
    assert response.status_code == 200
    page = response.content.decode()
    assert "That code did not work" in page
    assert "after 5 wrong codes, signing in pauses for 15 minutes" in page
    assert "Invalid token" not in page
    assert "_auth_user_id" not in client.session
    (failure,) = events("login.second_factor.failure")
    assert failure.attempted_username == staff_user.get_username()
    assert failure.ip == IP


def test_wrong_codes_count_toward_the_lockout(client, staff_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # this test is about the lockout
    device = _with_device(staff_user)
    _password_step(client, staff_user)
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert _code_step(client, "000000").status_code == 200
    locked = _code_step(client, "000000")
    assert locked.status_code == 429
    # The password was right: the page blames the codes, in plain words, and
    # names nobody (whoever reads the screen knows who they are).
    page = locked.content.decode()
    assert "After 5 wrong codes, signing in is paused here for 15 minutes" in page
    assert "wrong password" not in page
    assert staff_user.get_username() not in page
    # Even the right code, or the password again, is refused during the cool-off.
    right_code = _code_step(client, _code(device))
    assert right_code.status_code == 429
    assert "wrong codes" in right_code.content.decode()
    assert _password_step(client, staff_user).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_works_once(client, staff_user, events):
    _with_device(staff_user)
    backup = StaticDevice.objects.create(user=staff_user, name="backup")
    backup.token_set.create(token="abcd1234")
    backup.token_set.create(token="efgh5678")

    _password_step(client, staff_user)
    client.post(
        reverse("login"), {"login_view-current_step": "token", "wizard_goto_step": "backup"}
    )
    assert _code_step(client, "abcd1234", step="backup").status_code == 302
    (used,) = events("login.recovery_code_used")
    assert used.recovery_codes_left == 1

    client.logout()
    _password_step(client, staff_user)
    client.post(
        reverse("login"), {"login_view-current_step": "token", "wizard_goto_step": "backup"}
    )
    again = _code_step(client, "abcd1234", step="backup")
    assert again.status_code == 200
    assert "That recovery code did not work" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_without_the_second_factor_must_sign_in_again(client, staff_user, events):
    _with_device(staff_user)
    client.force_login(staff_user)  # the password alone, as before the rule applied
    response = client.get(reverse("assessments:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert events("two_factor.session_not_verified")


def test_those_who_must_use_it_cannot_turn_it_off(client, staff_user):
    device = _with_device(staff_user)
    _password_step(client, staff_user)
    _code_step(client, _code(device))
    response = client.post(reverse("two_factor:disable"), {"understand": "on"})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=staff_user).exists()


def test_a_coordinator_may_turn_it_off(client, coordinator, events):
    device = _with_device(coordinator)
    _password_step(client, coordinator)
    _code_step(client, _code(device))
    response = client.post(reverse("two_factor:disable"), {"understand": "on"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert events("two_factor.disabled")


def test_staff_reset_someones_second_factor_in_the_admin_and_it_is_logged(
    client, admin_user, events
):
    device = _with_device(admin_user)
    lost = UserFactory(is_staff=True)
    _with_device(lost)
    _password_step(client, admin_user)
    _code_step(client, _code(device))
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [lost.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=lost).exists()
    (reset,) = events("two_factor.reset_by_staff")
    assert reset.target_user_id == lost.pk
    assert reset.user_id == admin_user.pk


def _reset_in_the_admin(admin_user, account) -> None:
    """An admin, signed in with their own code in another browser, resets
    `account`'s second factor."""
    device = _with_device(admin_user)
    admin_browser = Client()
    _password_step(admin_browser, admin_user)
    _code_step(admin_browser, _code(device))
    response = admin_browser.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [account.pk]},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("rule", ["staff", "optional"])
def test_a_staff_reset_signs_the_account_out_everywhere(client, admin_user, settings, rule):
    settings.TWO_FACTOR_REQUIRED = rule
    lost = UserFactory(is_staff=True)
    device = _with_device(lost)
    _password_step(client, lost)
    _code_step(client, _code(device))
    assert client.get(reverse("assessments:dashboard")).status_code == 200

    _reset_in_the_admin(admin_user, lost)

    # Whoever holds the old session (the lost phone's browser, say) must give
    # the password before setting up a new authenticator.
    assert "_auth_user_id" not in client.session
    setup = client.get(reverse("two_factor:setup"))
    assert setup.status_code == 302
    assert setup["Location"].startswith(reverse("login"))
    dashboard = client.get(reverse("assessments:dashboard"))
    assert dashboard["Location"].startswith(reverse("login"))


def test_a_staff_reset_leaves_other_accounts_signed_in(client, admin_user, coordinator):
    lost = UserFactory(is_staff=True)
    _with_device(lost)
    client.force_login(coordinator)
    _reset_in_the_admin(admin_user, lost)
    assert client.get(reverse("assessments:dashboard")).status_code == 200


def test_the_admins_own_login_page_leads_to_the_sites_sign_in(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_partner_links_need_no_account_or_second_factor(client, guidance):
    token = "partner-token-0123456789abcdefghijklmnop"
    PartnerLinkFactory(token=token)
    assert client.get(reverse("assessments:partner", args=[token])).status_code == 200
