"""Shared set-up for the tests of e-mails about events (issue 30): a task
force with two named coordinators, a neighbour task force with its own, two
program managers and a member of staff, all with full names."""

import datetime
from dataclasses import dataclass

import pytest
from django.core import mail
from django.utils import timezone

from assessments.cycles import services as cycles
from assessments.help import services as help_requests
from assessments.models import NotificationPreference, TaskForce
from assessments.notifications import reminders
from tests.conftest import _run_jobs
from tests.factories import MilestoneFactory, TaskForceFactory, UserFactory, program_manager

NARRATIVE = "Narrative-Ocelot-5521 about the county shelter"
COMMENT = "Comment-Heron-8812 please add the MOU dates\nSecond-Line-Walrus-3390 with a name"
QUESTION_SUBJECT = "Subject-Zebra-7731"
QUESTION = "Question-Quokka-4410 about the county office"
ANSWER = "Answer-Narwhal-9902 with the template"
SECRETS = (NARRATIVE, COMMENT.splitlines()[0], "Second-Line-Walrus-3390", QUESTION_SUBJECT)
SECRETS += (QUESTION, ANSWER)


@dataclass
class People:
    task_force: TaskForce
    casey: object  # coordinator
    robin: object  # second coordinator
    neighbour_task_force: TaskForce
    nora: object  # the neighbour's coordinator
    pat: object  # program manager
    quinn: object  # program manager
    sam: object  # staff, not a program manager

    def everyone(self):
        return [self.casey, self.robin, self.nora, self.pat, self.quinn, self.sam]


@pytest.fixture
def people(db, settings):
    settings.SITE_URL = "https://tracker.example.gov"
    task_force = TaskForceFactory(name="Lane County Task Force", slug="lane")
    neighbour = TaskForceFactory(name="Coos County Task Force", slug="coos")
    casey = UserFactory(username="casey.login", first_name="Casey", last_name="Demo")
    robin = UserFactory(username="robin.login", first_name="Robin", last_name="Cole")
    nora = UserFactory(username="nora.login", first_name="Nora", last_name="Hill")
    task_force.coordinators.add(casey, robin)
    neighbour.coordinators.add(nora)
    pat = program_manager(username="pat.login", first_name="Pat", last_name="Manager")
    quinn = program_manager(username="quinn.login", first_name="Quinn", last_name="Ames")
    sam = UserFactory(username="sam.login", first_name="Sam", last_name="Staff", is_staff=True)
    return People(task_force, casey, robin, neighbour, nora, pat, quinn, sam)


def choose(user, kind, frequency):
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"frequency": frequency}
    )


def sent():
    """Run the queued jobs as the worker would; the e-mails sent, then forget them."""
    _run_jobs()
    messages = list(mail.outbox)
    mail.outbox.clear()
    return messages


def to(messages) -> list[str]:
    return sorted(address for message in messages for address in message.to)


def everything(message) -> str:
    return message.subject + message.body + message.alternatives[0][0]


def assert_no_secrets(messages):
    for message in messages:
        text = everything(message)
        for secret in SECRETS:
            assert secret not in text
        # Never a username: each of these people has a full name.
        assert ".login" not in text


def daily(day: datetime.date):
    """send_reminders for `day`, then the e-mails it queued."""
    result = reminders.send_reminders(today=day)
    return result, sent()


def one_milestone():
    return MilestoneFactory(name="Signed MOU with victim services")


def open_cycle(manager, *, days=30, region=""):
    return cycles.cycle_open(
        title="2027 annual self-assessment",
        due_on=timezone.localdate() + datetime.timedelta(days=days),
        region=region,
        user=manager,
    )


def submit(cycle, task_force, coordinator):
    submission = cycles.submission_for(cycle.pk, task_force)
    for milestone in cycles.listed_milestones():
        cycles.milestone_review(submission=submission, milestone=milestone, user=coordinator)
    submission.refresh_from_db()
    submission = cycles.submission_save_draft(
        submission=submission,
        narrative={str(stage.pk): NARRATIVE for stage in cycles.cycle_stages()},
        plan=[],
        user=coordinator,
        expected_version=submission.version,
    )
    cycles.submission_submit(
        submission=submission, user=coordinator, expected_version=submission.version
    )
    submission.refresh_from_db()
    return submission


def ask(task_force, coordinator, milestone=None):
    return help_requests.help_request_create(
        task_force=task_force,
        milestone=milestone,
        subject=QUESTION_SUBJECT,
        body=QUESTION,
        user=coordinator,
    )
