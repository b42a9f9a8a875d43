"""Who is told of what, right away (issue 30): each event reaches the people
of the table in docs/user-guide/coordinators.md#e-mail-reminders, each once,
with who did what, when and a link; never the text anyone wrote, never a
username, never anyone outside the task force or the state program, and
nothing when the change rolls back."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from assessments.core.events import Event
from assessments.cycles import services as cycles
from assessments.help import services as help_requests
from assessments.models import AnnouncedItem, SentNotification
from assessments.team import services as team
from taskforce_site.models import OutgoingEmail
from tests.factories import UserFactory
from tests.notifications.event_support import (
    ANSWER,
    COMMENT,
    ask,
    assert_no_secrets,
    choose,
    everything,
    one_milestone,
    open_cycle,
    sent,
    submit,
    to,
)

pytestmark = pytest.mark.django_db


# Review cycles -----------------------------------------------------------------


def test_a_cycle_opening_tells_the_coordinators_who_chose_right_away(people):
    choose(people.casey, "cycles_opened", "immediate")
    choose(people.nora, "cycles_opened", "immediate")
    open_cycle(people.pat)
    messages = sent()
    # Robin keeps the default (the daily e-mail); the program manager opened it.
    assert to(messages) == sorted([people.casey.email, people.nora.email])
    casey = next(m for m in messages if m.to == [people.casey.email])
    assert casey.subject.startswith("A review cycle is open for Lane County Task Force")
    assert "Pat Manager opened the review cycle “2027 annual self-assessment”" in casey.body
    assert "due on 17 Jul 2026" in casey.body
    cycle_page = "https://tracker.example.gov/cycles/"
    assert cycle_page in casey.body and "/task-forces/lane/" in casey.body
    assert "Hello Casey Demo," in casey.body
    assert_no_secrets(messages)


def test_a_cycle_of_one_region_tells_only_its_task_forces(people):
    people.neighbour_task_force.region = "South Coast"
    people.neighbour_task_force.save()
    for person in (people.casey, people.nora):
        choose(person, "cycles_opened", "immediate")
    open_cycle(people.pat, region="South Coast")
    assert to(sent()) == [people.nora.email]


def test_a_due_date_change_tells_the_task_forces_still_to_hand_in(people):
    one_milestone()
    choose(people.casey, "cycles_opened", "immediate")
    choose(people.nora, "cycles_opened", "immediate")
    cycle = open_cycle(people.pat)
    sent()
    submission = submit(cycle, people.neighbour_task_force, people.nora)
    cycles.submission_accept(submission=submission, user=people.pat)
    sent()
    cycle.due_on = cycle.due_on.replace(day=28)
    cycle.save()
    cycles.cycle_due_date_changed(cycle=cycle, user=people.sam)
    messages = sent()
    # Coos has been accepted: nothing left to hand in, nothing to tell.
    assert to(messages) == [people.casey.email]
    assert messages[0].subject == "New due date for 2027 annual self-assessment: 28 Jul 2026"
    assert "Sam Staff changed the due date" in messages[0].body


def test_the_admin_due_date_change_sends_the_news(people, client):
    choose(people.casey, "cycles_opened", "immediate")
    cycle = open_cycle(people.pat)
    sent()
    admin = UserFactory(is_staff=True, is_superuser=True, first_name="Ada", last_name="Admin")
    client.force_login(admin)
    response = client.post(
        f"/admin/assessments/reviewcycle/{cycle.pk}/change/",
        {
            "title": cycle.title,
            "due_on": "2026-08-03",
            "instructions": "",
            "closed_at_0": "",
            "closed_at_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    messages = list(mail.outbox)
    assert to(messages) == [people.casey.email]
    assert "now due on 3 Aug 2026" in messages[0].body


def test_each_version_handed_in_tells_the_program_managers_who_chose_right_away(people):
    one_milestone()
    choose(people.pat, "submissions_in", "immediate")
    cycle = open_cycle(people.quinn)
    sent()
    submission = submit(cycle, people.task_force, people.casey)
    messages = sent()
    # Quinn keeps the default (daily); Sam is staff and did not opt in.
    assert to(messages) == [people.pat.email]
    assert messages[0].subject == (
        "Lane County Task Force handed in version 1 of its submission to "
        "2027 annual self-assessment"
    )
    assert "Casey Demo handed in version 1" in messages[0].body
    cycles.submission_return(submission=submission, comments=COMMENT, user=people.pat)
    sent()
    submit(cycle, people.task_force, people.robin)
    messages = sent()
    assert to(messages) == [people.pat.email]
    assert "Robin Cole handed in version 2" in messages[0].body
    assert_no_secrets(messages)


def test_staff_who_opt_in_hear_of_submissions(people):
    one_milestone()
    choose(people.sam, "submissions_in", "immediate")
    cycle = open_cycle(people.quinn)
    submit(cycle, people.task_force, people.casey)
    assert people.sam.email in to(sent())


def test_a_return_tells_the_coordinators_right_away_without_the_comment(people):
    one_milestone()
    cycle = open_cycle(people.pat)
    submission = submit(cycle, people.task_force, people.casey)
    sent()
    cycles.submission_return(submission=submission, comments=COMMENT, user=people.pat)
    messages = sent()
    assert to(messages) == sorted([people.casey.email, people.robin.email])
    message = messages[0]
    assert message.subject == (
        "The submission of Lane County Task Force to 2027 annual self-assessment was returned"
    )
    assert "Pat Manager returned version 1" in message.body
    assert "The comment begins" not in message.body
    assert_no_secrets(messages)


def test_the_setting_puts_the_comments_first_line_in_the_return_email(people, settings):
    settings.NOTIFY_INCLUDE_RETURN_COMMENT = True
    one_milestone()
    cycle = open_cycle(people.pat)
    submission = submit(cycle, people.task_force, people.casey)
    sent()
    cycles.submission_return(submission=submission, comments=COMMENT, user=people.pat)
    messages = sent()
    first, second = COMMENT.splitlines()
    for message in messages:
        assert f'The comment begins: "{first}"' in message.body
        assert first in message.alternatives[0][0]
        assert second not in everything(message)


def test_an_acceptance_tells_the_coordinators_right_away(people):
    one_milestone()
    cycle = open_cycle(people.pat)
    submission = submit(cycle, people.task_force, people.casey)
    sent()
    cycles.submission_accept(submission=submission, user=people.quinn)
    messages = sent()
    assert to(messages) == sorted([people.casey.email, people.robin.email])
    assert messages[0].subject.endswith("was accepted")
    assert "Quinn Ames accepted version 1" in messages[0].body


# Help requests -------------------------------------------------------------------


def test_a_new_help_request_tells_the_program_managers_who_chose_right_away(people):
    milestone = one_milestone()
    choose(people.pat, "help_queue", "immediate")
    choose(people.quinn, "help_queue", "immediate")
    ask(people.task_force, people.casey, milestone)
    messages = sent()
    # Sam is staff and did not opt in; no coordinator hears of it.
    assert to(messages) == sorted([people.pat.email, people.quinn.email])
    assert messages[0].subject == (
        "Lane County Task Force asked for help about Signed MOU with victim services"
    )
    assert "Casey Demo asked" in messages[0].body
    assert_no_secrets(messages)


def test_a_coordinators_reply_goes_to_the_assignee_alone(people):
    choose(people.pat, "help_queue", "immediate")
    choose(people.quinn, "help_queue", "immediate")
    request = ask(people.task_force, people.casey)
    sent()
    help_requests.help_request_assign(
        request=request, assignee=people.quinn, user=people.pat, expected_version=None
    )
    sent()
    help_requests.help_request_reply(
        request=request, body=ANSWER, user=people.robin, expected_version=None
    )
    messages = sent()
    assert to(messages) == [people.quinn.email]
    assert "Robin Cole replied" in messages[0].body
    assert_no_secrets(messages)


def test_the_state_programs_reply_assignment_and_closing_tell_the_coordinators(people):
    request = ask(people.task_force, people.casey)
    sent()
    help_requests.help_request_assign(
        request=request, assignee=people.quinn, user=people.pat, expected_version=None
    )
    assigned = sent()
    assert to(assigned) == sorted([people.casey.email, people.robin.email])
    assert "Pat Manager assigned the help request" in assigned[0].body
    assert "to Quinn Ames" in assigned[0].body
    help_requests.help_request_reply(
        request=request, body=ANSWER, user=people.quinn, expected_version=None
    )
    replied = sent()
    assert to(replied) == sorted([people.casey.email, people.robin.email])
    assert "Quinn Ames replied" in replied[0].body
    help_requests.help_request_close(request=request, user=people.quinn, expected_version=None)
    closed = sent()
    assert to(closed) == sorted([people.casey.email, people.robin.email])
    assert "Quinn Ames closed the help request" in closed[0].body
    assert_no_secrets(assigned + replied + closed)


def test_a_coordinator_closing_their_own_request_tells_nobody(people):
    for person in people.everyone():
        for kind in ("help_queue", "help_answers"):
            choose(person, kind, "immediate")
    request = ask(people.task_force, people.casey)
    sent()
    help_requests.help_request_close(request=request, user=people.robin, expected_version=None)
    assert sent() == []


# The team ---------------------------------------------------------------------------


def test_an_accepted_offer_tells_whoever_sent_it(people):
    choose(people.casey, "invitations_accepted", "immediate")
    invitee = UserFactory(username="lee.login", first_name="Lee", last_name="Park")
    outcome = team.invitation_create(
        email=invitee.email,
        first_name="",
        last_name="",
        role="coordinator",
        task_forces=[people.task_force],
        invited_by=people.casey,
    )
    sent()
    team.invitation_answer(invitation=outcome.invitation, user=invitee, accept=True)
    messages = sent()
    assert to(messages) == [people.casey.email]
    assert messages[0].subject == "Lee Park accepted your invitation"
    assert "your invitation to coordinate Lane County Task Force" in messages[0].body
    assert invitee.email not in everything(messages[0])


def test_signing_in_through_an_invitation_tells_whoever_sent_it_once(people):
    choose(people.sam, "invitations_accepted", "immediate")
    outcome = team.invitation_create(
        email="new.person@example.org",
        first_name="",
        last_name="",
        role="program_manager",
        task_forces=[],
        invited_by=people.sam,
    )
    sent()
    account = outcome.invitation.user
    team.invitations_accepted_by_sign_in(account)
    team.invitations_accepted_by_sign_in(account)
    messages = sent()
    assert to(messages) == [people.sam.email]
    # No full name: the e-mail says who in other words, never the address.
    assert messages[0].subject == "The person you invited accepted your invitation"
    assert "to be a program manager" in messages[0].body
    assert "new.person@example.org" not in everything(messages[0])


def test_a_task_force_left_without_coordinator_tells_the_state_program(people):
    for person in (people.pat, people.sam, people.casey, people.nora):
        choose(person, "no_coordinator", "immediate")
    team.coordinator_remove(task_force=people.task_force, account=people.robin, by=people.sam)
    assert sent() == []  # Casey is still there
    team.coordinator_remove(task_force=people.task_force, account=people.casey, by=people.sam)
    messages = sent()
    # Sam did it; coordinators are not told (nor is Quinn, daily by default).
    assert to(messages) == [people.pat.email]
    assert messages[0].subject == "Lane County Task Force has no coordinator"
    assert "when Casey Demo was taken off the task force by Sam Staff" in messages[0].body


# Across events -----------------------------------------------------------------------


def test_nobody_outside_the_task_force_or_the_state_program_is_told(people):
    one_milestone()
    for person in people.everyone():
        for kind in (
            "cycles_opened",
            "submissions_in",
            "decisions",
            "help_queue",
            "help_answers",
            "invitations_accepted",
            "no_coordinator",
        ):
            choose(person, kind, "immediate")
    outsider = UserFactory(first_name="Olly", last_name="Out")
    choose(outsider, "decisions", "immediate")
    people.neighbour_task_force.region = "South Coast"
    people.neighbour_task_force.save()
    cycle = open_cycle(people.pat, region=people.task_force.region)
    submission = submit(cycle, people.task_force, people.casey)
    cycles.submission_return(submission=submission, comments=COMMENT, user=people.pat)
    request = ask(people.task_force, people.casey)
    help_requests.help_request_reply(
        request=request, body=ANSWER, user=people.pat, expected_version=None
    )
    messages = sent()
    allowed = {p.email for p in (people.casey, people.robin, people.pat, people.quinn, people.sam)}
    assert messages and set(to(messages)) <= allowed
    assert people.nora.email not in to(messages) and outsider.email not in to(messages)
    assert_no_secrets(messages)


def test_a_change_that_rolls_back_records_and_sends_nothing(people, run_jobs):
    one_milestone()
    cycle = open_cycle(people.pat)
    submission = submit(cycle, people.task_force, people.casey)
    sent()
    before = (Event.objects.count(), SentNotification.objects.count())
    with pytest.raises(RuntimeError), transaction.atomic():
        cycles.submission_return(submission=submission, comments=COMMENT, user=people.pat)
        assert OutgoingEmail.objects.filter(status="queued").count() == 2
        raise RuntimeError("the request failed after the return")
    assert (Event.objects.count(), SentNotification.objects.count()) == before
    assert not OutgoingEmail.objects.filter(status="queued").exists()
    assert sent() == []


def test_off_sends_nothing_right_away_or_later(people):
    one_milestone()
    choose(people.casey, "decisions", "never")
    cycle = open_cycle(people.pat)
    submission = submit(cycle, people.task_force, people.robin)
    sent()
    cycles.submission_accept(submission=submission, user=people.pat)
    assert to(sent()) == [people.robin.email]


def test_each_person_is_sent_an_event_once_and_it_is_recorded(people):
    one_milestone()
    cycle = open_cycle(people.pat)
    submission = submit(cycle, people.task_force, people.casey)
    sent()
    cycles.submission_accept(submission=submission, user=people.pat)
    sent()
    event = Event.objects.get(kind="submission_accepted")
    assert set(
        AnnouncedItem.objects.filter(key=event.key).values_list("recipient_id", flat=True)
    ) == {people.casey.pk, people.robin.pk}
    record = SentNotification.objects.filter(recipient=people.casey).latest("pk")
    assert (record.kinds, record.item_keys) == (["decisions"], [event.key])
    # The database holds it: a second record of the same is refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnouncedItem.objects.create(
            recipient=people.casey, key=event.key, run_date=record.run_date
        )


def test_someone_without_a_full_name_is_named_by_role_never_by_username(people, settings):
    settings.PROGRAM_NAME = "the state anti-trafficking program"
    one_milestone()
    anonymous_manager = UserFactory(username="pm.address@example.org")
    anonymous_manager.groups.add(Group.objects.get(name="Program managers"))
    cycle = open_cycle(anonymous_manager)
    submission = submit(cycle, people.task_force, people.casey)
    sent()
    cycles.submission_return(submission=submission, comments=COMMENT, user=anonymous_manager)
    messages = sent()
    assert messages
    for message in messages:
        assert "pm.address" not in everything(message)
        assert "The state anti-trafficking program returned version 1" in message.body
        assert message.subject[0].isupper() and message.body.split("\n\n")[1][0].isupper()


def test_returning_on_the_review_page_emails_the_coordinators_once_saved(people, client):
    one_milestone()
    cycle = open_cycle(people.pat)
    submission = submit(cycle, people.task_force, people.casey)
    sent()
    client.force_login(people.pat)
    url = reverse("assessments:cycle_submission_decide", args=[cycle.pk, "lane"])
    refused = client.post(url, {"decision": "returned", "comments": "", "version": 0})
    assert refused.status_code in (400, 409) and mail.outbox == []
    response = client.post(
        url, {"decision": "returned", "comments": COMMENT, "version": submission.version}
    )
    assert response.status_code == 302
    assert to(mail.outbox) == sorted([people.casey.email, people.robin.email])
    assert_no_secrets(mail.outbox)


def _open_each_link(client, people, messages):
    by_address = {p.email: p for p in people.everyone()}
    for message in messages:
        (url,) = {
            word
            for word in message.body.split()
            if word.startswith("https://tracker.example.gov/")
            and "/unsubscribe/" not in word
            and "/account/" not in word
        }
        client.force_login(by_address[message.to[0]])
        path = url.removeprefix("https://tracker.example.gov")
        assert client.get(path).status_code == 200, (message.subject, message.to)


def test_each_emails_link_opens_for_the_person_told(people, client):
    one_milestone()
    for person in people.everyone():
        for kind in ("submissions_in", "help_queue", "no_coordinator", "invitations_accepted"):
            choose(person, kind, "immediate")
    cycle = open_cycle(people.pat)
    submission = submit(cycle, people.task_force, people.casey)
    cycles.submission_return(submission=submission, comments=COMMENT, user=people.pat)
    ask(people.task_force, people.casey)
    messages = sent()
    invitee = UserFactory(first_name="Lee", last_name="Park")
    outcome = team.invitation_create(
        email=invitee.email,
        first_name="",
        last_name="",
        role="coordinator",
        task_forces=[people.neighbour_task_force],
        invited_by=people.nora,
    )
    offer = sent()  # the invitation itself, to Lee
    assert to(offer) == [invitee.email]
    team.invitation_answer(invitation=outcome.invitation, user=invitee, accept=True)
    messages += sent()
    subjects = {message.subject for message in messages}
    assert any("handed in" in subject for subject in subjects)
    assert any("returned" in subject for subject in subjects)
    assert any("asked for help" in subject for subject in subjects)
    assert "Lee Park accepted your invitation" in subjects
    _open_each_link(client, people, messages)
    team.coordinator_remove(task_force=people.task_force, account=people.robin, by=people.sam)
    team.coordinator_remove(task_force=people.task_force, account=people.casey, by=people.sam)
    messages = sent()
    assert messages and {m.subject for m in messages} == {
        "Lane County Task Force has no coordinator"
    }
    _open_each_link(client, people, messages)
