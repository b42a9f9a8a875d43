"""The e-mail to a task force's coordinators when the state program replies:
a link behind login and where, never the subject or what anyone wrote; and a
mail server that is down loses no reply."""

import smtplib

import pytest
from django.urls import reverse

from assessments.help import services as help_requests
from assessments.models import HelpRequest
from tests.factories import MilestoneFactory, UserFactory, program_manager

SUBJECT = "Subject-Zebra-7731"
QUESTION = "Question-Quokka-4410 about the county office"
ANSWER = "Answer-Narwhal-9902 with the template"


@pytest.fixture
def setup(task_force, coordinator, settings):
    settings.SITE_URL = "https://tracker.example.gov"
    task_force.coordinators.add(UserFactory(email="second@example.org"))
    task_force.coordinators.add(UserFactory(email="gone@example.org", is_active=False))
    milestone = MilestoneFactory(name="Signed MOU with victim services")
    request = help_requests.help_request_create(
        task_force=task_force,
        milestone=milestone,
        subject=SUBJECT,
        body=QUESTION,
        user=coordinator,
    )
    return request, program_manager(), coordinator


def _reply(client, request, user, body=ANSWER):
    client.force_login(user)
    return client.post(
        reverse("assessments:help_reply", args=[request.task_force.slug, request.pk]),
        {"body": body, "version": HelpRequest.objects.get(pk=request.pk).version},
        follow=True,
    )


def test_a_reply_from_the_state_program_emails_the_coordinators_a_link_only(
    client, setup, mailoutbox, task_force
):
    request, manager, coordinator = setup
    response = _reply(client, request, manager)
    assert response.status_code == 200
    (message,) = mailoutbox
    assert sorted(message.to) == sorted([coordinator.email, "second@example.org"])
    html = message.alternatives[0][0]
    everything = message.subject + message.body + html
    thread = f"https://tracker.example.gov/task-forces/{task_force.slug}/help/{request.pk}/"
    assert thread in message.body and thread in html
    assert task_force.name in message.body
    assert "Signed MOU with victim services" in message.body
    for secret in (SUBJECT, QUESTION, ANSWER):
        assert secret not in everything


def test_a_coordinators_reply_sends_no_email(client, setup, mailoutbox):
    request, _, coordinator = setup
    _reply(client, request, coordinator)
    assert mailoutbox == []


def test_a_failed_send_keeps_the_reply_and_says_so(client, setup, monkeypatch, caplog):
    request, manager, _ = setup

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr(help_requests, "send_templated_mail", refuse)
    response = _reply(client, request, manager)
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.state == HelpRequest.State.ANSWERED
    assert request.messages.filter(body=ANSWER, from_state_program=True).exists()
    assert "could not be sent" in response.content.decode()
    assert "Could not send the help reply e-mail" in caplog.text
    assert "@example.org" not in caplog.text


def test_notify_returns_false_when_the_server_refuses(setup, monkeypatch):
    request, manager, _ = setup
    message = help_requests.help_request_reply(
        request=request, body=ANSWER, user=manager, expected_version=None
    )
    monkeypatch.setattr(
        help_requests, "send_templated_mail", lambda **kw: (_ for _ in ()).throw(OSError("no"))
    )
    assert help_requests.notify_help_reply(request=request, message=message) is False
