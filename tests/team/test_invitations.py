"""Inviting people by e-mail: the invitation, its link, resending and withdrawing."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Invitation, TaskForce
from assessments.team import services as invitations
from tests.factories import TaskForceFactory, UserFactory

User = get_user_model()
NEW_PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def visitor():
    """Another browser: the invitee's, while staff_client stays signed in."""
    return Client()


@pytest.fixture
def staff_client(client, staff_user):
    staff_user.first_name, staff_user.last_name = "Avery", "Admin"
    staff_user.save()
    client.force_login(staff_user)
    return client


def _invite(client, task_forces, email="robin@example.org", role="coordinator", **extra):
    data = {
        "first_name": "Robin",
        "last_name": "Reyes",
        "email": email,
        "role": role,
        "task_forces": [tf.pk for tf in task_forces],
        **extra,
    }
    return client.post(reverse("assessments:invitations"), data)


def _link(message) -> str:
    return re.search(r"http://testserver(/invitations/accept/[^/\s]+/)", message.body).group(1)


def test_staff_invites_a_coordinator_who_gets_a_branded_email_with_a_link(
    staff_client, task_force, mailoutbox, settings
):
    settings.SITE_NAME = "Oregon Task Force Stages"
    settings.PROGRAM_NAME = "the Oregon DOJ program"
    settings.DEFAULT_FROM_EMAIL = "Oregon Task Force Stages <no-reply@tf.example.org>"
    response = _invite(staff_client, [task_force])
    assert response.status_code == 302

    account = User.objects.get(email="robin@example.org")
    assert account.username == "robin@example.org"
    assert not account.has_usable_password()
    assert task_force.coordinators.filter(pk=account.pk).exists()
    invitation = Invitation.objects.get(user=account)
    assert invitation.current_state == Invitation.State.PENDING
    assert invitation.invited_by_name == "Avery Admin"

    (message,) = mailoutbox
    assert message.to == ["robin@example.org"]
    assert message.from_email == "Oregon Task Force Stages <no-reply@tf.example.org>"
    assert message.subject == "Avery Admin invited you to Oregon Task Force Stages"
    assert "the Oregon DOJ program" in message.body
    assert task_force.name in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Choose your password" in html and task_force.name in html
    assert _link(message)


def test_links_use_the_configured_address_never_the_host_header(
    staff_client, task_force, mailoutbox, settings
):
    settings.SITE_URL = "https://tf.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example.com"]
    staff_client.post(
        reverse("assessments:invitations"),
        {
            "first_name": "Robin",
            "email": "robin@example.org",
            "role": "coordinator",
            "task_forces": [task_force.pk],
        },
        HTTP_HOST="evil.example.com",
    )
    body = mailoutbox[0].body
    assert "https://tf.example.org/invitations/accept/" in body
    assert "evil.example.com" not in body + mailoutbox[0].alternatives[0][0]


def test_the_invitee_chooses_a_password_and_lands_on_their_task_force(
    staff_client, visitor, task_force, mailoutbox
):
    _invite(staff_client, [task_force])
    staff_client.logout()
    link = _link(mailoutbox[0])

    page = visitor.get(link)
    assert page.status_code == 200
    assert b"robin@example.org" in page.content

    response = visitor.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:task_force", args=[task_force.slug])
    assert visitor.get(response["Location"]).status_code == 200

    account = User.objects.get(email="robin@example.org")
    assert account.check_password(NEW_PASSWORD)
    assert Invitation.objects.get(user=account).current_state == Invitation.State.ACCEPTED


def test_a_weak_password_is_refused_and_nothing_is_saved(
    staff_client, visitor, task_force, mailoutbox
):
    _invite(staff_client, [task_force])
    link = _link(mailoutbox[0])
    response = visitor.post(link, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    assert b"too common" in response.content
    account = User.objects.get(email="robin@example.org")
    assert not account.has_usable_password()
    assert Invitation.objects.get(user=account).current_state == Invitation.State.PENDING
    assert "_auth_user_id" not in visitor.session


def test_a_used_link_says_so_and_cannot_set_the_password_again(
    staff_client, visitor, task_force, mailoutbox
):
    _invite(staff_client, [task_force])
    link = _link(mailoutbox[0])
    visitor.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    visitor.logout()

    again = visitor.post(link, {"new_password1": "another pass 12345", "new_password2": "x"})
    assert again.status_code == 410
    assert b"already used" in again.content
    assert User.objects.get(email="robin@example.org").check_password(NEW_PASSWORD)


def test_an_expired_link_says_so_and_who_to_ask(staff_client, visitor, task_force, mailoutbox):
    _invite(staff_client, [task_force])
    link = _link(mailoutbox[0])
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    response = visitor.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 410
    assert b"has expired" in response.content
    assert b"Avery Admin" in response.content
    assert not User.objects.get(email="robin@example.org").has_usable_password()


def test_an_unknown_link_is_404_with_a_clear_page(client, db):
    response = client.get(reverse("assessments:invitation_accept", args=["no-such-token"]))
    assert response.status_code == 404
    assert b"not valid" in response.content


def test_the_link_works_for_the_configured_number_of_days(
    staff_client, task_force, mailoutbox, settings
):
    settings.INVITATION_DAYS = 3
    before = timezone.now()
    _invite(staff_client, [task_force])
    expires = Invitation.objects.get().expires_at
    assert before + datetime.timedelta(days=3) <= expires
    assert expires <= timezone.now() + datetime.timedelta(days=3)


def test_resending_sends_a_new_link_and_the_old_one_stops_working(
    staff_client, visitor, task_force, mailoutbox
):
    _invite(staff_client, [task_force])
    old_link = _link(mailoutbox[0])
    invitation = Invitation.objects.get()
    response = staff_client.post(reverse("assessments:invitation_resend", args=[invitation.pk]))
    assert response.status_code == 302
    new_link = _link(mailoutbox[1])
    assert new_link != old_link

    assert visitor.get(old_link).status_code == 404
    assert visitor.get(new_link).status_code == 200


def test_withdrawing_asks_first_then_kills_the_link_and_removes_the_access(
    staff_client, visitor, task_force, mailoutbox
):
    _invite(staff_client, [task_force])
    link = _link(mailoutbox[0])
    invitation = Invitation.objects.get()
    url = reverse("assessments:invitation_withdraw", args=[invitation.pk])

    confirm = staff_client.get(url)
    assert confirm.status_code == 200
    assert b"Withdraw the invitation to Robin Reyes?" in confirm.content
    assert Invitation.objects.get().is_open

    assert staff_client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.current_state == Invitation.State.WITHDRAWN
    assert not task_force.coordinators.filter(email="robin@example.org").exists()
    response = visitor.get(link)
    assert response.status_code == 410
    assert b"was withdrawn" in response.content
    assert b"Avery Admin" in response.content


def test_a_withdrawn_invitation_cannot_be_resent(staff_client, task_force, mailoutbox):
    _invite(staff_client, [task_force])
    invitation = Invitation.objects.get()
    staff_client.post(reverse("assessments:invitation_withdraw", args=[invitation.pk]))
    response = staff_client.post(
        reverse("assessments:invitation_resend", args=[invitation.pk]), follow=True
    )
    assert b"already withdrawn" in response.content
    assert len(mailoutbox) == 1


def test_inviting_an_existing_account_attaches_it_instead_of_making_another(
    staff_client, task_force, mailoutbox
):
    existing = UserFactory(email="Robin@Example.org")
    response = _invite(staff_client, [task_force], email="robin@example.org")
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="robin@example.org").count() == 1
    assert task_force.coordinators.filter(pk=existing.pk).exists()
    invitation = Invitation.objects.get()
    assert invitation.existing_account and invitation.current_state == Invitation.State.ACCEPTED
    (message,) = mailoutbox
    assert "accept" not in message.body
    assert "/accounts/login/" in message.body


def test_inviting_someone_already_invited_extends_the_open_invitation(
    staff_client, task_force, mailoutbox
):
    second = TaskForceFactory()
    _invite(staff_client, [task_force])
    _invite(staff_client, [second])
    invitation = Invitation.objects.get()
    assert set(invitation.task_forces.all()) == {task_force, second}
    assert len(mailoutbox) == 2
    assert second.name in mailoutbox[1].body


def test_two_accounts_with_the_address_is_a_clear_error_and_saves_nothing(
    staff_client, task_force, mailoutbox
):
    UserFactory(email="robin@example.org")
    UserFactory(email="ROBIN@example.org")
    response = _invite(staff_client, [task_force])
    assert response.status_code == 400
    assert b"More than one account uses this address" in response.content
    assert not Invitation.objects.exists()
    assert not task_force.coordinators.exists()
    assert mailoutbox == []


def test_a_coordinator_needs_a_task_force(staff_client, task_force, mailoutbox):
    response = _invite(staff_client, [])
    assert response.status_code == 400
    assert b"Choose at least one task force" in response.content
    assert not User.objects.filter(email="robin@example.org").exists()


def test_a_mail_server_failure_invites_nobody(staff_client, task_force, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    response = _invite(staff_client, [task_force])
    assert response.status_code == 400
    assert b"could not be sent" in response.content
    assert not User.objects.filter(email="robin@example.org").exists()
    assert not Invitation.objects.exists()


def test_staff_invite_a_program_manager(staff_client, db, mailoutbox):
    response = _invite(staff_client, [], role="program_manager")
    assert response.status_code == 302
    account = User.objects.get(email="robin@example.org")
    assert account.groups.filter(name="Program managers").exists()
    assert "program manager" in mailoutbox[0].body


def test_coordinator_invites_to_their_own_task_force(coordinator_client, task_force, mailoutbox):
    response = coordinator_client.post(
        reverse("assessments:team", args=[task_force.slug]),
        {"first_name": "Robin", "email": "robin@example.org", "task_forces": [task_force.pk]},
    )
    assert response.status_code == 302
    assert task_force.coordinators.filter(email="robin@example.org").exists()
    assert len(mailoutbox) == 1


def test_coordinator_cannot_invite_to_a_task_force_that_is_not_theirs(
    coordinator_client, task_force, mailoutbox
):
    other = TaskForceFactory()
    response = _invite(coordinator_client, [other])
    assert response.status_code == 400
    assert not other.coordinators.exists()
    assert not User.objects.filter(email="robin@example.org").exists()
    # Nor through the other task force's team page, which they cannot see.
    page = coordinator_client.post(
        reverse("assessments:team", args=[other.slug]),
        {"first_name": "Robin", "email": "robin@example.org", "task_forces": [other.pk]},
    )
    assert page.status_code == 404
    assert mailoutbox == []


def test_coordinator_cannot_invite_a_program_manager(coordinator, task_force):
    with pytest.raises(invitations.PermissionDenied):
        invitations.invitation_create(
            email="robin@example.org",
            first_name="Robin",
            last_name="",
            role="program_manager",
            task_forces=[task_force],
            invited_by=coordinator,
        )
    assert not User.objects.filter(email="robin@example.org").exists()


def test_coordinator_cannot_resend_or_withdraw_another_task_forces_invitation(
    staff_client, visitor, task_force, mailoutbox
):
    other = TaskForceFactory()
    _invite(staff_client, [other])
    invitation = Invitation.objects.get()
    outsider = UserFactory()
    task_force.coordinators.add(outsider)
    visitor.force_login(outsider)
    assert (
        visitor.post(reverse("assessments:invitation_resend", args=[invitation.pk])).status_code
        == 404
    )
    assert (
        visitor.post(reverse("assessments:invitation_withdraw", args=[invitation.pk])).status_code
        == 404
    )
    assert Invitation.objects.get().is_open
    assert len(mailoutbox) == 1


def test_program_manager_and_accounts_without_task_forces_cannot_invite(client, db):
    manager = UserFactory()
    manager.groups.add(Group.objects.get(name="Program managers"))
    client.force_login(manager)
    assert client.get(reverse("assessments:invitations")).status_code == 403
    client.force_login(UserFactory())
    assert client.get(reverse("assessments:invitations")).status_code == 403


def test_the_list_shows_who_invited_whom_and_when(staff_client, task_force, mailoutbox):
    _invite(staff_client, [task_force])
    page = staff_client.get(reverse("assessments:invitations"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Robin Reyes" in text and "robin@example.org" in text
    assert "Avery Admin" in text
    assert task_force.name in text
    assert "Pending until" in text


def test_coordinators_see_only_invitations_to_their_task_forces(
    staff_client, visitor, coordinator, task_force, mailoutbox
):
    other = TaskForceFactory()
    _invite(staff_client, [task_force], email="mine@example.org")
    _invite(staff_client, [other], email="theirs@example.org")
    visitor.force_login(coordinator)
    text = visitor.get(reverse("assessments:invitations")).content.decode()
    assert "mine@example.org" in text
    assert "theirs@example.org" not in text


def test_the_invitation_list_query_count_is_bounded(
    staff_client, django_assert_max_num_queries, mailoutbox
):
    task_forces = TaskForceFactory.create_batch(3)
    for n in range(6):
        _invite(staff_client, task_forces, email=f"person{n}@example.org")
    with django_assert_max_num_queries(12):
        assert staff_client.get(reverse("assessments:invitations")).status_code == 200


def test_signing_in_after_a_password_reset_spends_the_invitation(
    staff_client, visitor, task_force, mailoutbox
):
    _invite(staff_client, [task_force])
    link = _link(mailoutbox[0])
    account = User.objects.get(email="robin@example.org")
    account.set_password(NEW_PASSWORD)
    account.save()
    visitor.force_login(account)
    visitor.logout()
    assert visitor.get(link).status_code == 410


def test_the_invitation_link_is_not_in_the_security_log(
    staff_client, visitor, task_force, mailoutbox, caplog
):
    _invite(staff_client, [task_force])
    link = _link(mailoutbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    visitor.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert token not in caplog.text
    assert TaskForce.objects.count() == 1
