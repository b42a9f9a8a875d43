"""One invitation link used by several browsers at once, and used while it is
withdrawn, for real: threads with their own PostgreSQL connections. Exactly
one accept wins; the others, and a withdrawn link, get the 410 page.

SQLite serialises every writer on one file lock, so the race is run on
PostgreSQL only (DATABASE_URL=postgres://...); tests/team/test_invitations.py
checks the same re-check deterministically on any database."""

import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from assessments.models import Invitation
from assessments.team import services as invitations
from tests.e2e.jobs import run_worker
from tests.factories import TaskForceFactory, UserFactory

pytestmark = [
    # serialized_rollback: see tests/core/test_concurrent_writes.py.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a real race needs PostgreSQL's row locks"
    ),
]

BROWSERS = 6
ROUNDS = 5


def _invite(staff, email):
    task_force = TaskForceFactory()
    outcome = invitations.invitation_create(
        email=email,
        first_name="Robin",
        last_name="Reyes",
        role=Invitation.Role.COORDINATOR,
        task_forces=[task_force],
        invited_by=staff,
    )
    # The invitation e-mail is queued with the invitation: send it, as the
    # worker would, so the test can follow its link.
    run_worker()
    return outcome.invitation


def _token_from(mailoutbox) -> str:
    return re.search(r"/invitations/accept/([^/\s]+)/", mailoutbox[-1].body).group(1)


def _hold_after_validation(monkeypatch, barrier):
    """Every request waits, its password checked, until all are there: they
    then save at the same moment, the gap a real race goes through."""

    class Held(SetPasswordForm):
        def clean(self):
            cleaned = super().clean()
            barrier.wait(timeout=20)
            return cleaned

    monkeypatch.setattr("assessments.team.views.SetPasswordForm", Held)


def _run(targets):
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"


def _accept(url, password, results, index):
    client = Client(raise_request_exception=False)
    try:
        response = client.post(url, {"new_password1": password, "new_password2": password})
        results[index] = (response.status_code, "_auth_user_id" in client.session, password)
    except Exception as error:  # noqa: BLE001 - an escaped error is the finding
        results[index] = error
    finally:
        connections.close_all()


def test_six_browsers_using_one_link_at_once_sign_in_exactly_one(monkeypatch, mailoutbox):
    staff = UserFactory(is_staff=True)
    invitation = _invite(staff, "robin@example.org")
    url = reverse("assessments:invitation_accept", args=[_token_from(mailoutbox)])
    _hold_after_validation(monkeypatch, threading.Barrier(BROWSERS))
    results: list = [None] * BROWSERS

    _run(
        [
            lambda i=i: _accept(url, f"browser {i} chose this password", results, i)
            for i in range(BROWSERS)
        ]
    )

    assert not any(isinstance(r, Exception) for r in results), results
    winners = [r for r in results if r[0] == 302]
    assert len(winners) == 1, results
    assert sorted(r[0] for r in results) == [302] + [410] * (BROWSERS - 1)
    assert [r[1] for r in results].count(True) == 1
    account = get_user_model().objects.get(email="robin@example.org")
    assert account.check_password(winners[0][2])
    invitation.refresh_from_db()
    assert invitation.current_state == Invitation.State.ACCEPTED


def _accept_racing_withdraw(url, invitation, staff, barrier):
    """One accept and one withdrawal of the same link at the same moment:
    the accept's (status, signed in, password) and whether the withdrawal
    went through."""
    results: list = [None]
    withdrawn: list = [None]

    def withdraw():
        try:
            barrier.wait(timeout=20)
            invitations.invitation_withdraw(invitation=invitation, by=staff)
            withdrawn[0] = True
        except invitations.ValidationError:
            withdrawn[0] = False  # the accept won: nothing left to withdraw
        except Exception as error:  # noqa: BLE001
            withdrawn[0] = error
        finally:
            connections.close_all()

    _run([lambda: _accept(url, "correct horse battery staple 42", results, 0), withdraw])
    assert not isinstance(results[0], Exception), results
    assert withdrawn[0] in (True, False), withdrawn
    return results[0], withdrawn[0]


def test_a_link_used_while_it_is_withdrawn_either_wins_or_sets_nothing(monkeypatch, mailoutbox):
    staff = UserFactory(is_staff=True)
    barrier = threading.Barrier(2)
    _hold_after_validation(monkeypatch, barrier)
    outcomes = set()
    for round_ in range(ROUNDS):
        invitation = _invite(staff, f"robin{round_}@example.org")
        url = reverse("assessments:invitation_accept", args=[_token_from(mailoutbox)])
        (status, signed_in, _), withdrawn = _accept_racing_withdraw(url, invitation, staff, barrier)

        account = get_user_model().objects.get(pk=invitation.user_id)
        invitation.refresh_from_db()
        if withdrawn:
            assert (status, signed_in) == (410, False)
            assert not account.has_usable_password()
            assert invitation.current_state == Invitation.State.WITHDRAWN
        else:
            assert (status, signed_in) == (302, True)
            assert account.has_usable_password()
            assert invitation.current_state == Invitation.State.ACCEPTED
        outcomes.add("withdrawn" if withdrawn else "accepted")
    print(outcomes)  # noqa: T201 - seen with -s, to tell how the races went
