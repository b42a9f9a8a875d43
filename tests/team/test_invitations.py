"""Inviting people by e-mail: the invitation, its link, resending and withdrawing."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone

from assessments.models import Invitation, TaskForce
from assessments.team import services as invitations
from taskforce_site.models import OutgoingEmail
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
    # Under the password chosen, not under its confirmation.
    assert "too common" in " ".join(response.context["form"].errors["new_password1"])
    assert "new_password2" not in response.context["form"].errors
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

    assert visitor.get(old_link).status_code == 410
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


def test_inviting_an_existing_account_asks_it_instead_of_making_another(
    staff_client, task_force, mailoutbox
):
    existing = UserFactory(email="Robin@Example.org")
    response = _invite(staff_client, [task_force], email="robin@example.org")
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="robin@example.org").count() == 1
    invitation = Invitation.objects.get()
    assert invitation.user == existing
    assert invitation.existing_account and invitation.current_state == Invitation.State.PENDING
    (message,) = mailoutbox
    # No link that sets a password: the answer page is behind login.
    assert "/invitations/accept/" not in message.body
    assert f"/invitations/{invitation.pk}/answer/" in message.body


def test_inviting_someone_already_invited_makes_a_second_invitation_with_its_own_link(
    staff_client, visitor, task_force, mailoutbox
):
    second = TaskForceFactory()
    _invite(staff_client, [task_force])
    _invite(staff_client, [second])
    first, latest = Invitation.objects.order_by("pk")
    assert first.user == latest.user
    assert set(first.task_forces.all()) == {task_force}
    assert set(latest.task_forces.all()) == {second}
    assert second.name in mailoutbox[1].body
    # Both links work; using one signs in and spends both.
    assert visitor.get(_link(mailoutbox[0])).status_code == 200
    visitor.post(
        _link(mailoutbox[1]), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert visitor.get(_link(mailoutbox[0])).status_code == 410
    assert not Invitation.objects.open().exists()


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


def test_a_mail_server_failure_keeps_the_invitation_and_the_mail_is_retried(
    staff_client, task_force, monkeypatch, mailoutbox, run_jobs
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    response = _invite(staff_client, [task_force])
    # The invitation stands; the worker tries the e-mail again later.
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    retry = OutgoingEmail.objects.get()
    assert (retry.to, retry.template, retry.status, retry.attempts) == (
        invitation.email,
        "invitation",
        OutgoingEmail.Status.QUEUED,
        1,
    )
    assert retry.last_error.startswith("ConnectionRefusedError")
    monkeypatch.undo()
    with time_machine.travel(retry.next_attempt_at, tick=False):
        run_jobs()
    (message,) = mailoutbox
    assert message.to == [invitation.email] and "/invitations/accept/" in message.body


@pytest.mark.no_worker
def test_an_invitation_that_rolls_back_queues_no_mail(staff_client, task_force, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("after the mail was queued")

    monkeypatch.setattr("assessments.team.services.log_event", broken)
    with pytest.raises(RuntimeError):
        _invite(staff_client, [task_force])
    assert not Invitation.objects.exists()
    assert not OutgoingEmail.objects.exists()


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


# Another task force's invitation, existing accounts, and the link's races ---


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def other_team(db):
    """A second task force and its coordinator, in a browser of their own."""
    task_force = TaskForceFactory()
    coordinator = UserFactory(first_name="Blake", last_name="Other")
    task_force.coordinators.add(coordinator)
    browser = Client()
    browser.force_login(coordinator)
    return task_force, coordinator, browser


def _team_invite(browser, task_force, email="robin@example.org"):
    return browser.post(
        reverse("assessments:team", args=[task_force.slug]),
        {
            "first_name": "Robin",
            "last_name": "Reyes",
            "email": email,
            "task_forces": [task_force.pk],
        },
        follow=True,
    )


def test_inviting_an_address_another_task_force_invited_leaves_its_invitation_alone(
    coordinator_client, task_force, other_team, visitor, mailoutbox
):
    other, other_coordinator, other_browser = other_team
    _team_invite(other_browser, other)
    theirs = Invitation.objects.get()
    their_link = _link(mailoutbox[0])

    response = _team_invite(coordinator_client, task_force)
    assert response.status_code == 200
    # Nothing tells this inviter the address was already invited.
    assert _messages(response) == [
        "Invitation sent to robin@example.org. The link works for 7 days."
    ]

    theirs.refresh_from_db()
    assert set(theirs.task_forces.all()) == {other}
    assert theirs.invited_by == other_coordinator
    assert visitor.get(their_link).status_code == 200
    mine = Invitation.objects.exclude(pk=theirs.pk).get()
    assert set(mine.task_forces.all()) == {task_force}
    assert mine.user == theirs.user

    # Their coordinator still manages their own invitation; withdrawing it
    # leaves what this task force gave.
    resend = other_browser.post(reverse("assessments:invitation_resend", args=[theirs.pk]))
    assert resend.status_code == 302
    withdraw = other_browser.post(reverse("assessments:invitation_withdraw", args=[theirs.pk]))
    assert withdraw.status_code == 302
    theirs.refresh_from_db()
    assert theirs.current_state == Invitation.State.WITHDRAWN
    assert task_force.coordinators.filter(pk=mine.user.pk).exists()
    assert not other.coordinators.filter(pk=mine.user.pk).exists()
    assert visitor.get(_link(mailoutbox[1])).status_code == 200


def test_the_inviter_is_told_the_same_for_a_new_and_an_existing_account(
    coordinator_client, task_force, mailoutbox
):
    UserFactory(email="known@example.org")
    new = _team_invite(coordinator_client, task_force, email="new@example.org")
    known = _team_invite(coordinator_client, task_force, email="known@example.org")
    assert [m.replace("new@", "known@") for m in _messages(new)] == _messages(known)


def test_an_existing_account_gets_no_role_until_it_accepts_the_e_mail(
    coordinator_client, coordinator, task_force, visitor, mailoutbox
):
    coordinator.first_name, coordinator.last_name = "Casey", "Coord"
    coordinator.save()
    existing = UserFactory(email="robin@example.org", first_name="Robin", last_name="Reyes")
    _team_invite(coordinator_client, task_force)
    invitation = Invitation.objects.get()
    assert invitation.existing_account and invitation.is_open
    assert not task_force.coordinators.filter(pk=existing.pk).exists()

    (message,) = mailoutbox
    answer_url = reverse("assessments:invitation_answer", args=[invitation.pk])
    assert message.to == ["robin@example.org"]
    assert "Casey Coord" in message.subject
    for part in (message.body, message.alternatives[0][0]):
        assert "Robin Reyes" in part and "Casey Coord" in part and task_force.name in part
        assert f"http://testserver{answer_url}" in part
        assert dateformat.format(timezone.localtime(invitation.expires_at), "j M Y") in part
        assert "accept or decline" in part

    # Signing in is not accepting.
    visitor.force_login(existing)
    invitation.refresh_from_db()
    assert invitation.is_open
    assert visitor.get(reverse("assessments:task_force", args=[task_force.slug])).status_code == 404

    page = visitor.get(answer_url)
    assert page.status_code == 200
    assert b"Casey Coord" in page.content and task_force.name.encode() in page.content
    html = page.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1 and "<main" in html
    response = visitor.post(answer_url, {"answer": "accept"})
    assert response.status_code == 302
    assert task_force.coordinators.filter(pk=existing.pk).exists()
    invitation.refresh_from_db()
    assert invitation.current_state == Invitation.State.ACCEPTED


def test_an_existing_account_can_decline_and_gets_nothing(
    coordinator_client, task_force, visitor, mailoutbox
):
    existing = UserFactory(email="robin@example.org")
    _team_invite(coordinator_client, task_force)
    invitation = Invitation.objects.get()
    visitor.force_login(existing)
    answer_url = reverse("assessments:invitation_answer", args=[invitation.pk])
    assert visitor.post(answer_url, {"answer": "decline"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.current_state == Invitation.State.DECLINED
    assert not task_force.coordinators.filter(pk=existing.pk).exists()
    # Answered once: accepting afterwards changes nothing.
    assert visitor.post(answer_url, {"answer": "accept"}).status_code == 410
    assert not task_force.coordinators.filter(pk=existing.pk).exists()


def test_only_the_invited_account_may_answer(coordinator_client, task_force, visitor, mailoutbox):
    UserFactory(email="robin@example.org")
    _team_invite(coordinator_client, task_force)
    answer_url = reverse("assessments:invitation_answer", args=[Invitation.objects.get().pk])
    anonymous = visitor.get(answer_url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    someone_else = UserFactory()
    visitor.force_login(someone_else)
    assert visitor.post(answer_url, {"answer": "accept"}).status_code == 404
    # Not even the inviter.
    assert coordinator_client.get(answer_url).status_code == 404
    assert not task_force.coordinators.filter(pk=someone_else.pk).exists()


def test_withdrawing_an_unanswered_offer_keeps_the_access_the_account_had(
    coordinator_client, task_force, mailoutbox
):
    colleague = UserFactory(email="robin@example.org")
    task_force.coordinators.add(colleague)
    _team_invite(coordinator_client, task_force)
    invitation = Invitation.objects.get()
    coordinator_client.post(reverse("assessments:invitation_withdraw", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.current_state == Invitation.State.WITHDRAWN
    assert task_force.coordinators.filter(pk=colleague.pk).exists()


def test_an_open_offer_does_not_stop_the_reminders_a_coordinator_gets(
    coordinator_client, task_force, other_team, mailoutbox
):
    from assessments.core.reminders import coordinators_by_task_force

    other, other_coordinator, _ = other_team
    _team_invite(coordinator_client, task_force, email=other_coordinator.email)
    assert Invitation.objects.get().is_open
    assert other_coordinator.pk in coordinators_by_task_force()[other.pk]


def test_a_link_replaced_by_a_resend_says_so(staff_client, visitor, task_force, mailoutbox):
    _invite(staff_client, [task_force])
    old_link = _link(mailoutbox[0])
    staff_client.post(reverse("assessments:invitation_resend", args=[Invitation.objects.get().pk]))
    response = visitor.post(
        old_link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert b"This link was replaced: use the newest e-mail" in response.content
    assert not User.objects.get(email="robin@example.org").has_usable_password()


def _act_while_the_password_is_checked(monkeypatch, action):
    """Run `action` after the accept form is validated and before its answer
    is saved: what another request can do in that gap."""
    from django.contrib.auth.forms import SetPasswordForm

    class Racing(SetPasswordForm):
        def clean(self):
            cleaned = super().clean()
            action()
            return cleaned

    monkeypatch.setattr("assessments.team.views.SetPasswordForm", Racing)


def test_a_link_withdrawn_while_the_password_is_checked_sets_nothing(
    staff_client, staff_user, visitor, task_force, mailoutbox, monkeypatch
):
    _invite(staff_client, [task_force])
    link = _link(mailoutbox[0])
    invitation = Invitation.objects.get()
    _act_while_the_password_is_checked(
        monkeypatch,
        lambda: invitations.invitation_withdraw(invitation=invitation, by=staff_user),
    )
    response = visitor.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 410
    assert b"was withdrawn" in response.content
    assert not User.objects.get(email="robin@example.org").has_usable_password()
    assert "_auth_user_id" not in visitor.session
    invitation.refresh_from_db()
    assert invitation.current_state == Invitation.State.WITHDRAWN


def test_a_link_resent_while_the_password_is_checked_sets_nothing(
    staff_client, staff_user, visitor, task_force, mailoutbox, monkeypatch
):
    _invite(staff_client, [task_force])
    link = _link(mailoutbox[0])
    invitation = Invitation.objects.get()
    _act_while_the_password_is_checked(
        monkeypatch,
        lambda: invitations.invitation_resend(invitation=invitation, by=staff_user),
    )
    response = visitor.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 410
    assert b"This link was replaced" in response.content
    assert not User.objects.get(email="robin@example.org").has_usable_password()
    assert "_auth_user_id" not in visitor.session
