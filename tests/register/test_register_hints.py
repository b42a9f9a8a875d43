"""What the partner register says on the task force page: the summary, and
the hints and contradiction flags on the four milestones it informs, around
their date boundaries (an injected `today`)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.core import services
from assessments.models import MouStatus, Sector, Status
from assessments.register.selectors import (
    DATA_SYSTEMS,
    DIVERSIFY,
    SURVIVOR_REPRESENTATION,
    TASK_FORCE_MOU,
    register_summary,
)
from stages.models import Milestone
from tests.factories import PartnerAgencyFactory, PartnerLinkFactory

TODAY = datetime.date(2027, 2, 1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def window(settings):
    settings.REGISTER_EXPIRY_WINDOW_DAYS = 60
    return 60


def _signed(task_force, renews_on=None, **kwargs):
    return PartnerAgencyFactory(
        task_force=task_force,
        mou_status=MouStatus.SIGNED,
        mou_signed_on=datetime.date(2025, 1, 1),
        mou_renews_on=renews_on,
        **kwargs,
    )


def _notes(task_force, today=TODAY):
    return register_summary(task_force, today).notes


def test_hint_counts_signed_current_mous_and_names_the_expiry_day(task_force, window):
    for _ in range(4):
        _signed(task_force)
    _signed(task_force, datetime.date(2027, 3, 3))
    PartnerAgencyFactory(task_force=task_force, mou_status=MouStatus.DRAFTING)
    note = _notes(task_force)[TASK_FORCE_MOU]
    assert note.hint == "5 partners with a signed, current MOU; 1 expires on 3 Mar 2027."
    assert note.flag == ""


def test_hint_gives_the_first_of_several_expiring_and_counts_expired(task_force, window):
    _signed(task_force, datetime.date(2027, 3, 20))
    _signed(task_force, datetime.date(2027, 2, 10))
    _signed(task_force, TODAY - DAY)
    note = _notes(task_force)[TASK_FORCE_MOU]
    assert note.hint == (
        "2 partners with a signed, current MOU; 2 expire within 60 days, the first on "
        "10 Feb 2027; 1 MOU expired."
    )


def test_expiry_in_another_year_names_the_year(task_force, window):
    _signed(task_force, datetime.date(2027, 1, 10))
    note = _notes(task_force, datetime.date(2026, 12, 1))[TASK_FORCE_MOU]
    assert "1 expires on 10 Jan 2027" in note.hint


def test_mou_flag_when_the_only_mou_expired_yesterday(task_force):
    _signed(task_force, TODAY - DAY)
    note = _notes(task_force)[TASK_FORCE_MOU]
    assert note.flag.startswith("Recorded as achieved, but no partner in the register has")


def test_no_mou_flag_when_the_mou_expires_today(task_force):
    _signed(task_force, TODAY)
    assert _notes(task_force)[TASK_FORCE_MOU].flag == ""


def test_no_mou_flag_when_the_mou_expires_tomorrow(task_force):
    _signed(task_force, TODAY + DAY)
    assert _notes(task_force)[TASK_FORCE_MOU].flag == ""


@pytest.mark.parametrize("days, expiring", [(60, True), (61, False)])
def test_window_edge_decides_expiring(task_force, window, days, expiring):
    _signed(task_force, TODAY + datetime.timedelta(days=days))
    summary = register_summary(task_force, TODAY)
    assert len(summary.expiring) == (1 if expiring else 0)
    assert len(summary.current) == (0 if expiring else 1)
    assert ("expires on" in summary.notes[TASK_FORCE_MOU].hint) == expiring


def test_mou_flag_when_mous_are_only_drafted(task_force):
    PartnerAgencyFactory(task_force=task_force, mou_status=MouStatus.LEGAL_REVIEW)
    assert _notes(task_force)[TASK_FORCE_MOU].flag


def test_agencies_that_left_do_not_count(task_force):
    _signed(task_force, left_on=TODAY - DAY)
    summary = register_summary(task_force, TODAY)
    assert summary.notes[TASK_FORCE_MOU].flag
    assert summary.active == () and len(summary.left) == 1


def test_empty_register_raises_no_flag(task_force):
    notes = _notes(task_force)
    assert set(notes) == {TASK_FORCE_MOU, DIVERSIFY, SURVIVOR_REPRESENTATION, DATA_SYSTEMS}
    assert all(note.flag == "" for note in notes.values())
    assert "register is empty" in notes[TASK_FORCE_MOU].hint


def test_data_systems_flag_without_a_current_data_sharing_mou(task_force):
    _signed(task_force, mou_covers_data_sharing=False)
    _signed(task_force, TODAY - DAY, mou_covers_data_sharing=True)  # expired yesterday
    note = _notes(task_force)[DATA_SYSTEMS]
    assert note.hint == "No signed, current MOU covers data sharing."
    assert note.flag


def test_data_systems_no_flag_with_a_data_sharing_mou_expiring_today(task_force):
    _signed(task_force, TODAY, mou_covers_data_sharing=True)
    note = _notes(task_force)[DATA_SYSTEMS]
    assert note.hint == "1 signed, current MOU covers data sharing."
    assert note.flag == ""


def test_survivor_representation_flag_only_without_an_active_survivor_led_organization(
    task_force,
):
    survivor_led = Sector.objects.get(slug=Sector.SURVIVOR_LED)
    PartnerAgencyFactory(task_force=task_force, sector=survivor_led, left_on=TODAY - DAY)
    assert _notes(task_force)[SURVIVOR_REPRESENTATION].flag
    PartnerAgencyFactory(task_force=task_force, sector=survivor_led)
    note = _notes(task_force)[SURVIVOR_REPRESENTATION]
    assert note.hint == "1 active survivor-led organization in the register."
    assert note.flag == ""


@pytest.mark.parametrize("slug", Sector.DIVERSIFYING)
def test_diversify_flag_is_lifted_by_any_of_the_three_sectors(task_force, slug):
    PartnerAgencyFactory(task_force=task_force)  # victim services
    assert _notes(task_force)[DIVERSIFY].flag
    PartnerAgencyFactory(task_force=task_force, sector=Sector.objects.get(slug=slug))
    note = _notes(task_force)[DIVERSIFY]
    assert note.flag == ""
    assert "2 of 16 sectors covered" in note.hint


def test_summary_lists_sectors_covered_and_missing(task_force):
    PartnerAgencyFactory(task_force=task_force)
    PartnerAgencyFactory(task_force=task_force, sector=Sector.objects.get(slug="education"))
    summary = register_summary(task_force, TODAY)
    assert [s.slug for s in summary.covered] == ["victim-services", "education"]
    assert len(summary.missing) == 14


# On the page: the flag shows only when the status is achieved.


def _achieve(task_force, coordinator, slug, status=Status.ACHIEVED):
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug=slug),
        status=status,
        user=coordinator,
    )


def _page(client, task_force):
    return client.get(reverse("assessments:task_force", args=[task_force.slug])).content.decode()


def test_page_shows_the_hint_and_flags_an_achieved_mou_with_none_current(
    guidance, task_force, coordinator, coordinator_client
):
    today = timezone.localdate()
    _signed(task_force, today - DAY)
    html = _page(coordinator_client, task_force)
    assert "0 partners with a signed, current MOU; 1 MOU expired." in html
    assert "Check this status" not in html  # not started: nothing contradicts
    _achieve(task_force, coordinator, TASK_FORCE_MOU)
    html = _page(coordinator_client, task_force)
    assert "Check this status:</strong> Recorded as achieved, but no partner" in html
    assert 'id="register-summary"' in html


def test_page_shows_no_flag_when_the_register_agrees(
    guidance, task_force, coordinator, coordinator_client
):
    _signed(task_force, timezone.localdate())  # expires today: still in force
    _achieve(task_force, coordinator, TASK_FORCE_MOU)
    html = _page(coordinator_client, task_force)
    assert "1 partner with a signed, current MOU; 1 expires on" in html
    assert "Check this status" not in html


def test_in_place_save_answers_with_the_flag(guidance, task_force, coordinator, coordinator_client):
    _signed(task_force, timezone.localdate() - DAY)
    url = reverse("assessments:milestone_edit", args=[task_force.slug, SURVIVOR_REPRESENTATION])
    response = coordinator_client.post(
        url, {"status": "achieved", "version": 0}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Recorded as achieved, but the register has no active survivor-led" in (
        response.content.decode()
    )
    assert task_force.statuses.get().status == Status.ACHIEVED  # the coordinator decides


def test_partner_page_shows_no_hints(guidance, task_force, coordinator):
    PartnerLinkFactory(task_force=task_force, token="hint-token-0123456789abcdefghijklmnop")
    _signed(task_force, timezone.localdate() - DAY)
    _achieve(task_force, coordinator, TASK_FORCE_MOU)
    html = Client().get("/p/hint-token-0123456789abcdefghijklmnop/").content.decode()
    assert "Partner register" not in html and "Check this status" not in html


def test_summary_card_counts_sectors_covered_of_all(
    guidance, task_force, coordinator, coordinator_client
):
    PartnerAgencyFactory(task_force=task_force)
    html = _page(coordinator_client, task_force)
    assert "<strong>1</strong> of 16 sectors covered" in html
