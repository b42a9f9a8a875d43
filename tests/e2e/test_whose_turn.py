"""Whose turn it is, in Chromium: a whole review cycle (open, submit,
return, resubmit, accept) and a help request (ask, reply, reply). At each
step the person whose turn it is gets the e-mail, sees the item under
"Needs your attention" and a count beside the menu entry; the person who
just acted does not. axe finds nothing serious on the pieces that are new:
the attention list, the menu counts, the accept confirmation, the unread
markers and the e-mail preferences."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from assessments.models import CycleSubmission, HelpRequest
from stages.models import Stage
from tests.e2e.jobs import run_worker
from tests.e2e.support import VIEWPORTS, describe_violations, is_blocking, log_in, run_axe
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "2027 annual self-assessment"


@pytest.fixture
def manager(db):
    user = UserFactory(first_name="Pat", last_name="Manager", email="pat@state.example")
    user.groups.add(Group.objects.get(name="Program managers"))
    return user


@pytest.fixture
def people(coordinator, manager):
    coordinator.first_name, coordinator.last_name = "Casey", "Coordinator"
    coordinator.email = "casey@county.example"
    coordinator.save()
    return coordinator, manager


class Step:
    """The browser pages of both people and what axe found on the way."""

    def __init__(self, new_context):
        self.found: list = []
        self.new_context = new_context

    def page(self, username: str) -> Page:
        page = self.new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
        log_in(page, username)
        return page

    def axe(self, page: Page, name: str) -> None:
        self.found.extend((name, v) for v in run_axe(page)["violations"] if is_blocking(v))


def _sent() -> dict[str, list[str]]:
    """What the worker sent since the last look: subjects by address."""
    run_worker()
    sent: dict[str, list[str]] = {}
    for message in mail.outbox:
        for address in message.to:
            sent.setdefault(address, []).append(message.subject)
    mail.outbox.clear()
    return sent


def _menu_count(page: Page, entry: str):
    return (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name=entry)
        .locator(".menu-count")
    )


def _attention(page: Page):
    page.goto("/")
    return page.locator("section.attention")


def _right_away(page: Page, groups: list[str]) -> None:
    """The person chooses, on the E-mail reminders page, to hear of these
    groups at once instead of in the daily e-mail."""
    page.get_by_role("link", name="E-mail reminders").click()
    for group in groups:
        page.get_by_role("group", name=group).get_by_label("Right away").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_be_visible()


def test_each_step_of_a_cycle_and_a_help_request_tells_the_one_whose_turn_it_is(
    new_context, task_force, guidance, people
):
    coordinator, manager = people
    step = Step(new_context)
    casey = step.page(coordinator.username)
    pat = step.page(manager.username)

    _right_away(casey, ["Review cycles opened, or their due dates changed"])
    step.axe(casey, "e-mail preferences")
    _right_away(
        pat,
        [
            "Submissions handed in for a decision",
            "Help requests opened, and task forces' replies",
        ],
    )

    # Nothing waits for anyone yet.
    expect(_attention(casey)).to_contain_text("Nothing needs your attention right now.")
    expect(_attention(pat)).to_contain_text("Nothing needs your attention right now.")

    # 1. The program manager opens a cycle: the coordinator's turn.
    pat.goto("/cycles/open/")
    pat.get_by_label("Title").fill(TITLE)
    due = timezone.localdate() + datetime.timedelta(days=20)
    pat.get_by_label("Due date").fill(due.isoformat())
    pat.get_by_role("button", name="Open the cycle").click()
    expect(pat.get_by_role("heading", level=1)).to_have_text(TITLE)
    sent = _sent()
    assert list(sent) == [coordinator.email]
    assert len(sent[coordinator.email]) == 1
    expect(_attention(casey)).to_contain_text(TITLE)
    expect(_menu_count(casey, "Review cycles")).to_contain_text("1")
    step.axe(casey, "dashboard with an item waiting")

    # 2. The coordinator reviews and submits: the program manager's turn.
    casey.get_by_role("link", name=TITLE).first.click()
    submission_url = casey.url
    casey.get_by_role("button", name="Confirm the 28 not yet reviewed as they stand").click()
    expect(casey.locator("#reviewed-count")).to_have_text("28 of 28")
    for stage in Stage.objects.all():
        casey.get_by_label(f"Narrative: {stage.name}").fill("Met monthly; totals only.")
    casey.get_by_role("button", name="Submit").click()
    expect(casey.get_by_role("status").filter(has_text="Submitted (version 1)")).to_be_visible()
    sent = _sent()
    assert list(sent) == [manager.email]
    (subject,) = sent[manager.email]
    assert task_force.name in subject
    attention = _attention(pat)
    expect(attention).to_contain_text(task_force.name)
    expect(_menu_count(pat, "Review cycles")).to_contain_text("1")
    expect(_attention(casey)).not_to_contain_text(TITLE)
    step.axe(pat, "program manager's dashboard")

    # 3. The program manager returns it: the coordinator's turn again.
    attention = _attention(pat)
    attention.get_by_role("link").filter(has_text=task_force.name).first.click()
    pat.get_by_label("Comments").fill("Add the MOU's target date.")
    pat.get_by_role("button", name="Return with comments").click()
    expect(pat.get_by_role("status").filter(has_text="Returned to the task force")).to_be_visible()
    assert {address: len(subjects) for address, subjects in _sent().items()} == {
        coordinator.email: 1
    }
    expect(_attention(casey)).to_contain_text(TITLE)
    expect(_menu_count(casey, "Review cycles")).to_contain_text("1")
    expect(_attention(pat)).to_contain_text("Nothing needs your attention right now.")

    # 4. The coordinator resubmits: the program manager's turn.
    casey.goto(submission_url)
    casey.get_by_role("button", name="Submit").click()
    expect(casey.get_by_role("status").filter(has_text="Submitted (version 2)")).to_be_visible()
    assert {address: len(subjects) for address, subjects in _sent().items()} == {manager.email: 1}
    expect(_attention(pat)).to_contain_text(task_force.name)

    # 5. The program manager accepts, after a confirmation: nobody's turn.
    pat.goto(submission_url)
    pat.get_by_role("button", name="Accept…").click()
    step.axe(pat, "accept confirmation")
    pat.get_by_role("button", name="Yes, accept version 2").click()
    expect(pat.get_by_role("status").filter(has_text="Accepted.")).to_be_visible()
    assert CycleSubmission.objects.get().state == "accepted"
    assert {address: len(subjects) for address, subjects in _sent().items()} == {
        coordinator.email: 1
    }
    expect(_attention(casey)).to_contain_text("Nothing needs your attention right now.")
    expect(_attention(pat)).to_contain_text("Nothing needs your attention right now.")
    expect(_menu_count(pat, "Review cycles")).to_have_count(0)

    # 6. The coordinator asks for help: the program manager's turn.
    casey.goto(f"/task-forces/{task_force.slug}/milestones/task-force-mou/")
    casey.get_by_role("link", name="Ask the state program for help").click()
    casey.get_by_label("Subject").fill("Model MOU")
    casey.get_by_label("What do you need?").fill("Is there a model MOU?")
    casey.get_by_role("button", name="Send to the state program").click()
    expect(casey.get_by_role("heading", level=1)).to_have_text("Model MOU")
    thread_url = casey.url
    assert {address: len(subjects) for address, subjects in _sent().items()} == {manager.email: 1}
    expect(_attention(pat)).to_contain_text(task_force.name)
    expect(_menu_count(pat, "Help requests")).to_contain_text("1")

    # 7. The program manager replies: the coordinator's turn, marked unread.
    pat.goto(thread_url)
    pat.get_by_role("textbox", name="Your reply").fill("Yes: section 2 of the guidance site.")
    pat.get_by_role("button", name="Send reply").click()
    expect(pat.locator(".help-thread")).to_contain_text("section 2")
    assert {address: len(subjects) for address, subjects in _sent().items()} == {
        coordinator.email: 1
    }
    expect(_attention(casey)).to_contain_text("Model MOU")
    expect(_menu_count(casey, "Help requests")).to_contain_text("1")
    casey.goto(thread_url)
    expect(casey.locator(".help-thread")).to_contain_text("New")
    step.axe(casey, "help thread with a new reply")
    # Read now: nothing waits for the coordinator any more.
    expect(_attention(casey)).to_contain_text("Nothing needs your attention right now.")
    expect(_menu_count(casey, "Help requests")).to_have_count(0)

    # 8. The coordinator replies: the program manager's turn.
    casey.goto(thread_url)
    casey.get_by_role("textbox", name="Your reply").fill("Thank you, found it.")
    casey.get_by_role("button", name="Send reply").click()
    expect(casey.locator(".help-thread")).to_contain_text("found it")
    assert {address: len(subjects) for address, subjects in _sent().items()} == {manager.email: 1}
    assert HelpRequest.objects.get().messages.count() == 3

    assert not step.found, describe_violations(step.found)
