"""An invitation e-mail says how to reach the person who sent it: their name
and e-mail address, or the program's support address when they have none."""

import pytest

from tests.factories import UserFactory
from tests.team.test_invitations import _invite


@pytest.fixture
def avery(client, db):
    staff = UserFactory(
        is_staff=True, first_name="Avery", last_name="Admin", email="avery.admin@state.example"
    )
    client.force_login(staff)
    return staff


def _texts(message) -> tuple[str, str]:
    return message.body, message.alternatives[0][0]


def test_a_new_account_is_told_how_to_reach_the_inviter(client, avery, task_force, mailoutbox):
    _invite(client, [task_force])
    text, html = _texts(mailoutbox[0])
    assert "Write to Avery Admin at avery.admin@state.example." in text
    assert 'href="mailto:avery.admin@state.example"' in html


def test_an_existing_account_is_told_too(client, avery, task_force, mailoutbox):
    UserFactory(email="robin@example.org", username="robin@example.org")
    _invite(client, [task_force])
    text, html = _texts(mailoutbox[0])
    assert "Accept or decline" in html  # the role-offered e-mail
    assert "Write to Avery Admin at avery.admin@state.example." in text


def test_an_inviter_without_an_address_leaves_the_support_address(
    client, avery, task_force, mailoutbox, settings
):
    settings.SUPPORT_EMAIL = "help@state.example"
    avery.email = ""
    avery.save()
    _invite(client, [task_force])
    text, _ = _texts(mailoutbox[0])
    assert "Write to Avery Admin at help@state.example." in text


def test_no_contact_line_without_any_address(client, avery, task_force, mailoutbox, settings):
    settings.SUPPORT_EMAIL = ""
    avery.email = ""
    avery.save()
    _invite(client, [task_force])
    text, _ = _texts(mailoutbox[0])
    assert "Questions about this invitation" not in text
