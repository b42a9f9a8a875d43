"""An invitation end to end: a real SMTP server, the e-mail as it arrives, and
its link followed in the browser to a working sign-in.

The admin signs in with a password and an authenticator code (staff must use
two-factor sign-in), invites a coordinator from the site, and the coordinator
opens the link from the e-mail, chooses a password and lands on the task force.
"""

import email
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.e2e.jobs import run_worker
from tests.e2e.support import PASSWORD
from tests.factories import TaskForceFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_PASSWORD = "Lane-county-coordinator-2027"


class Inbox:
    """An aiosmtpd handler that keeps every message it is sent."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings, live_server):
    """A local SMTP server, and the site configured to send through it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = live_server.url
    settings.SITE_NAME = "Oregon Task Force Stages"
    settings.DEFAULT_FROM_EMAIL = "Oregon Task Force Stages <no-reply@tf.example.org>"
    yield inbox
    controller.stop()


def _sign_in_with_code(page: Page, user, device: TOTPDevice) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    code = str(totp(device.bin_key, device.step, device.t0, device.digits)).zfill(6)
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def test_an_invitation_travels_by_smtp_and_its_link_leads_to_a_working_sign_in(
    page: Page, new_context, smtp_inbox, settings, guidance
):
    settings.TWO_FACTOR_REQUIRED = "staff"
    admin = UserFactory(is_staff=True, is_superuser=True, first_name="Avery", last_name="Admin")
    device = TOTPDevice.objects.create(user=admin, name="default", confirmed=True)
    task_force = TaskForceFactory(name="Lane County Anti-Trafficking Task Force")
    # Enough task forces for the picker to offer its filter.
    TaskForceFactory.create_batch(9)

    _sign_in_with_code(page, admin, device)
    page.get_by_role("link", name="Invitations").click()
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Reyes")
    page.get_by_label("E-mail address").fill("robin@example.org")
    page.get_by_label("Filter task forces by name").fill("lane")
    expect(page.get_by_role("checkbox", name=task_force.name)).to_be_visible()
    expect(page.locator(".choice-list .form-check:visible")).to_have_count(1)
    page.get_by_role("checkbox", name=task_force.name).check()
    expect(page.locator(".choice-filter [role=status]")).to_have_text("1 chosen · 1 of 10 shown")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status").filter(has_text="Invitation sent to")).to_be_visible()
    expect(page.locator("table")).to_contain_text("robin@example.org")

    run_worker()
    (message,) = smtp_inbox.messages
    assert message["To"] == "robin@example.org"
    assert message["From"] == "Oregon Task Force Stages <no-reply@tf.example.org>"
    assert message["Subject"] == "Avery Admin invited you to Oregon Task Force Stages"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert task_force.name in text and task_force.name in html
    link = re.search(rf"{re.escape(settings.SITE_URL)}/invitations/accept/\S+/", text)
    assert link, text

    invitee = new_context().new_page()
    invitee.goto(link.group(0))
    expect(invitee.get_by_role("heading", level=1)).to_contain_text("Welcome")
    invitee.get_by_label(re.compile(r"^\s*New password\W*$")).fill(NEW_PASSWORD)
    invitee.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Set password and continue").click()
    expect(invitee.get_by_role("heading", level=1)).to_have_text(task_force.name)

    # The link is spent; the password works through the sign-in form.
    invitee.get_by_role("button", name="Log out").click()
    invitee.goto(link.group(0))
    expect(invitee.get_by_role("heading", level=1)).to_have_text("This invitation was already used")
    invitee.goto("/accounts/login/")
    invitee.get_by_label("Username").fill("robin@example.org")
    invitee.get_by_label("Password").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Log in").click()
    expect(invitee.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    expect(invitee.get_by_role("link", name=task_force.name)).to_be_visible()
