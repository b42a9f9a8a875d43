"""A help request thread marks what this person has not read yet: "New" on
messages others wrote since their last visit (in words, not colour alone);
opening the thread (a GET, not a HEAD) marks it read for them only."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from assessments.help import services as help_requests
from assessments.help.selectors import unread_replies_for
from assessments.models import HelpRequestRead
from tests.factories import TaskForceFactory, UserFactory, program_manager

NEW = 'New<span class="visually-hidden"> since your last visit</span>'


@pytest.fixture
def manager(db):
    return program_manager(first_name="Pat", last_name="Manager")


@pytest.fixture
def thread(guidance, task_force, coordinator):
    return help_requests.help_request_create(
        task_force=task_force, milestone=None, subject="MOU template", body="Any?", user=coordinator
    )


def _url(request):
    return f"/task-forces/{request.task_force.slug}/help/{request.pk}/"


def _open(user, request):
    client = Client()
    client.force_login(user)
    response = client.get(_url(request))
    assert response.status_code == 200
    return response.content.decode()


def _reply(request, user, body):
    request.refresh_from_db()
    return help_requests.help_request_reply(
        request=request, body=body, user=user, expected_version=request.version
    )


def test_own_messages_are_never_new(thread, coordinator):
    assert NEW not in _open(coordinator, thread)


def test_a_reply_is_new_once_then_read(thread, coordinator, manager):
    _open(coordinator, thread)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        reply = _reply(thread, manager, "Here is one.")
        html = _open(coordinator, thread)
    assert html.count(NEW) == 1
    assert f'<a href="#message-{reply.pk}">1 new message</a> since your last visit' in html
    assert f'id="message-{reply.pk}"' in html
    assert NEW not in _open(coordinator, thread)  # read now


def test_a_thread_never_opened_shows_every_message_of_others_as_new(thread, manager):
    html = _open(manager, thread)
    assert html.count(NEW) == 1
    assert "you had not opened this request before" in html


def test_reading_is_per_person(thread, task_force, coordinator, manager):
    colleague = UserFactory()
    task_force.coordinators.add(colleague)
    _reply(thread, manager, "Answer.")
    _open(coordinator, thread)
    assert list(unread_replies_for(coordinator)) == []
    assert list(unread_replies_for(colleague)) == [thread]
    assert _open(colleague, thread).count(NEW) == 2  # the question and the answer


def test_a_head_request_marks_nothing_read(thread, coordinator, manager):
    _reply(thread, manager, "Answer.")
    client = Client()
    client.force_login(coordinator)
    assert client.head(_url(thread)).status_code == 200
    assert list(unread_replies_for(coordinator)) == [thread]


def test_opening_again_moves_the_marker_without_a_second_row(thread, coordinator):
    _open(coordinator, thread)
    first = HelpRequestRead.objects.get(user=coordinator, request=thread).read_at
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        _open(coordinator, thread)
    marker = HelpRequestRead.objects.get(user=coordinator, request=thread)
    assert marker.read_at > first


def test_a_coordinator_reply_is_not_an_unread_reply_for_the_other_coordinators(
    thread, task_force, coordinator
):
    colleague = UserFactory()
    task_force.coordinators.add(colleague)
    _reply(thread, coordinator, "More detail.")
    assert list(unread_replies_for(colleague)) == []


def test_another_task_forces_thread_is_404_and_marks_nothing(thread, manager):
    stranger = UserFactory()
    TaskForceFactory().coordinators.add(stranger)
    client = Client()
    client.force_login(stranger)
    assert client.get(_url(thread)).status_code == 404
    assert not HelpRequestRead.objects.filter(user=stranger).exists()


def _thread_queries(client, request) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(_url(request))  # after the replies' e-mail jobs, which the first request runs
    with CaptureQueriesContext(connection) as captured:
        assert client.get(_url(request)).status_code == 200
    return len(captured)


def test_the_thread_page_reads_in_constant_queries(
    thread, coordinator, manager, django_assert_num_queries
):
    client = Client()
    client.force_login(coordinator)
    client.get(_url(thread))
    _reply(thread, manager, "First answer.")
    few = _thread_queries(client, thread)
    for n in range(6):
        _reply(thread, manager if n % 2 == 0 else coordinator, f"Message {n}.")
    # The marker read and moved (2), the thread (1), the menu's counts (1) among them.
    client.get(_url(thread))
    with django_assert_num_queries(few):
        assert client.get(_url(thread)).status_code == 200
    assert few <= 13, few
