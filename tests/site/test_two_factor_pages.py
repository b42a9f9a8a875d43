"""The set-up and recovery-code pages as a person uses them on a phone: a
key in groups of four, a code field the phone's number keyboard fills, no
menu of links that only bounce back to set-up, and recovery codes to print
or keep as a file."""

import re
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken

from tests.site.test_two_factor import _code, _code_step, _password_step, _with_device


@pytest.fixture(autouse=True)
def _production_rule(settings):
    settings.TWO_FACTOR_REQUIRED = "staff"


def _generator_step(client):
    return client.post(reverse("two_factor:setup"), {"setup_view-current_step": "welcome"})


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input named {name}"
    return match.group(0)


def test_the_key_is_shown_in_groups_of_four(client, staff_user):
    client.force_login(staff_user)
    page = _generator_step(client)
    secret = page.context["secret_key"]
    grouped = page.context["secret_key_groups"]
    assert grouped.replace(" ", "") == secret
    assert all(len(group) == 4 for group in grouped.split()[:-1])
    assert f'id="totp-secret">{grouped}</code>' in page.content.decode()


def test_the_code_field_is_a_plain_numeric_text_field(client, staff_user):
    client.force_login(staff_user)
    field = _input(_generator_step(client).content.decode(), "generator-token")
    assert 'type="text"' in field
    assert 'inputmode="numeric"' in field
    assert 'autocomplete="one-time-code"' in field
    assert 'type="number"' not in field


def test_a_code_with_a_leading_zero_typed_as_text_turns_it_on(client, staff_user):
    client.force_login(staff_user)
    secret = _generator_step(client).context["secret_key"]
    code = str(totp(b32decode(secret))).zfill(6)
    done = client.post(
        reverse("two_factor:setup"),
        {"setup_view-current_step": "generator", "generator-token": code},
    )
    assert done.status_code == 302


def test_letters_in_the_code_are_refused_and_nothing_is_set_up(client, staff_user):
    client.force_login(staff_user)
    _generator_step(client)
    page = client.post(
        reverse("two_factor:setup"),
        {"setup_view-current_step": "generator", "generator-token": "12ab56"},
    )
    assert page.status_code == 200
    assert staff_user.totpdevice_set.count() == 0
    assert "Type only the digits your authenticator app shows." in page.content.decode()


def test_no_site_menu_while_set_up_is_required(client, staff_user):
    client.force_login(staff_user)
    html = client.get(reverse("two_factor:setup")).content.decode()
    assert reverse("assessments:overview") not in html
    assert 'href="/"' not in html
    # Signing out is still possible.
    assert f'action="{reverse("logout")}"' in html


def test_the_menu_is_there_when_set_up_is_a_choice(coordinator_client):
    html = coordinator_client.get(reverse("two_factor:setup")).content.decode()
    assert reverse("assessments:overview") in html


def _signed_in_with_codes(client, user) -> list[str]:
    device = _with_device(user)
    _password_step(client, user)
    _code_step(client, _code(device))
    client.post(reverse("two_factor:backup_tokens"))
    return list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def test_recovery_codes_can_be_printed_or_downloaded(client, staff_user):
    _signed_in_with_codes(client, staff_user)
    html = client.get(reverse("two_factor:backup_tokens")).content.decode()
    assert f'href="{reverse("two_factor:backup_tokens")}?format=txt" download' in html
    assert "data-print hidden>Print</button>" in html


def test_the_downloaded_file_holds_the_codes_and_is_not_cached(client, staff_user, events):
    codes = _signed_in_with_codes(client, staff_user)
    response = client.get(reverse("two_factor:backup_tokens"), {"format": "txt"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert len(codes) == 10
    assert all(code in body for code in codes)
    assert events("two_factor.recovery_codes.downloaded")


def test_no_file_without_codes(client, staff_user):
    device = _with_device(staff_user)
    _password_step(client, staff_user)
    _code_step(client, _code(device))
    response = client.get(reverse("two_factor:backup_tokens"), {"format": "txt"})
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:backup_tokens")


def test_no_file_without_the_second_factor_in_this_session(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("two_factor:backup_tokens"), {"format": "txt"})
    assert response.status_code != 200
    assert b"recovery codes" not in response.content
