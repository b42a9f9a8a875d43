"""E-mail reminders in Chromium: a coordinator sets their choices from the
user menu, then unsubscribes through a reminder's link without signing in;
axe finds no serious or critical issue on those pages or on staff's record
of e-mails sent."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import NotificationPreference, Status
from tests.e2e.jobs import run_worker
from tests.e2e.support import VIEWPORTS, describe_violations, is_blocking, log_in, run_axe
from tests.factories import MilestoneStatusFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_choices_and_one_click_unsubscribe(
    new_context, task_force, coordinator, settings, live_server, screenshot_dir
):
    settings.SITE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MilestoneStatusFactory(
        task_force=task_force,
        status=Status.PLANNING,
        target_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    staff = UserFactory(is_staff=True)
    page = new_context(bypass_csp=True, viewport=VIEWPORTS["1280"]).new_page()
    found = []

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        for width, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            found.extend((f"{name} @ {width}px", v) for v in run_axe(page)["violations"])
            page.screenshot(path=screenshot_dir / f"reminders-{name}-{width}.png", full_page=True)
        page.set_viewport_size(VIEWPORTS["1280"])

    log_in(page, coordinator.username)
    page.get_by_role("link", name="E-mail reminders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mail reminders")
    check("preferences")
    page.get_by_role("group", name="MOU renewals coming up").get_by_label("Once a week").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="saved")).to_be_visible()
    assert NotificationPreference.objects.get(user=coordinator, kind="mou_renewal").frequency == (
        "weekly"
    )

    call_command("send_reminders")
    run_worker()
    # The coordinator's own e-mail: on the digest's weekday staff get one too.
    (message,) = [m for m in mail.outbox if m.to == [coordinator.email]]
    link = re.search(r"Unsubscribe from \"Target dates[^\"]*\": (\S+)", message.body).group(1)
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    check("unsubscribe")
    # Opening the link changed nothing.
    assert NotificationPreference.objects.get(user=coordinator, kind="target_date").frequency == (
        "daily"
    )
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    check("unsubscribed")
    assert NotificationPreference.objects.get(user=coordinator, kind="target_date").frequency == (
        "never"
    )

    log_in(page, staff.username)
    page.get_by_role("link", name="E-mail reminders").click()
    page.get_by_role("link", name="Reminders sent").click()
    expect(page.get_by_role("cell", name=re.compile(coordinator.email))).to_be_visible()
    check("sent")

    blocking = [(where, v) for where, v in found if is_blocking(v)]
    assert not blocking, describe_violations(blocking)
