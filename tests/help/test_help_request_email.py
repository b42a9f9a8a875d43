"""The e-mail to a task force's coordinators when the state program replies:
a link behind login and where, never the subject or what anyone wrote; and a
mail server that is down loses no reply, and gets the e-mail later."""

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.help import services as help_requests
from assessments.models import HelpRequest
from taskforce_site.models import OutgoingEmail
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


def test_a_reply_from_the_state_program_emails_each_coordinator_a_link_only(
    client, setup, mailoutbox, task_force
):
    request, manager, coordinator = setup
    response = _reply(client, request, manager)
    assert response.status_code == 200
    # One message per coordinator: an address refused does not hold up the other.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([coordinator.email, "second@example.org"])
    thread = f"https://tracker.example.gov/task-forces/{task_force.slug}/help/{request.pk}/"
    for message in mailoutbox:
        assert len(message.to) == 1
        html = message.alternatives[0][0]
        everything = message.subject + message.body + html
        assert thread in message.body and thread in html
        assert task_force.name in message.body
        assert "Signed MOU with victim services" in message.body
        for secret in (SUBJECT, QUESTION, ANSWER):
            assert secret not in everything


def test_a_coordinators_reply_sends_no_email(client, setup, mailoutbox):
    request, _, coordinator = setup
    _reply(client, request, coordinator)
    assert mailoutbox == []


def test_a_refused_send_keeps_the_reply_and_is_retried(client, setup, settings, run_jobs):
    request, manager, _ = setup
    settings.EMAIL_BACKEND = "tests.site.test_email_queue.RefusingBackend"
    response = _reply(client, request, manager)
    assert response.status_code == 200
    assert "Reply sent." in response.content.decode()
    request.refresh_from_db()
    assert request.state == HelpRequest.State.ANSWERED
    assert request.messages.filter(body=ANSWER, from_state_program=True).exists()
    retries = OutgoingEmail.objects.filter(template="event")
    assert {(r.status, r.attempts) for r in retries} == {(OutgoingEmail.Status.QUEUED, 1)}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(retries[0].next_attempt_at, tick=False):
        run_jobs()
    assert len(mail.outbox) == 2


@pytest.mark.no_worker
def test_a_reply_that_is_refused_queues_no_email(setup, run_jobs):
    request, manager, _ = setup
    with pytest.raises(ValidationError):
        help_requests.help_request_reply(
            request=request, body="", user=manager, expected_version=None
        )
    assert not OutgoingEmail.objects.exists()


def test_the_reply_email_is_queued_with_the_reply(setup, run_jobs):
    request, manager, _ = setup
    help_requests.help_request_reply(
        request=request, body=ANSWER, user=manager, expected_version=None
    )
    assert OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).count() == 2
    assert mail.outbox == []
    run_jobs()
    assert len(mail.outbox) == 2
    assert not OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists()
