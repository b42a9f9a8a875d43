"""The matrix's numbered columns show their milestone's name on hover and on
keyboard focus."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_column_header_shows_the_milestone_name_on_hover_and_focus(
    page: Page, guidance, task_force
):
    admin = UserFactory(is_staff=True, is_superuser=True)
    log_in(page, admin.username)
    page.goto("/overview/")
    header = page.locator("th.m-col").first
    tip = header.locator(".m-tip")
    expect(tip).to_be_hidden()
    header.hover()
    expect(tip).to_be_visible()
    expect(tip).to_have_text("Foundation: Agency Awareness")
    page.mouse.move(0, 0)
    expect(tip).to_be_hidden()
    header.locator(".m-head").focus()
    expect(tip).to_be_visible()
    # What a screen reader reads as the column's header.
    expect(page.get_by_role("columnheader", name="1.1 Agency Awareness")).to_be_visible()
