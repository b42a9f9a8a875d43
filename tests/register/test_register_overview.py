"""The statewide partner register pages: the sector x task force matrix, the
MOUs due across the state and the sectors most task forces lack. Who may
open them, what they show around the date boundaries, that a register change
shows at once (two of them are cached), and that their queries do not grow
with the number of task forces."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.core import page_cache
from assessments.models import MouStatus, PartnerAgency, Sector
from assessments.register import overview as register_overview
from tests.factories import PartnerAgencyFactory, TaskForceFactory, UserFactory

MATRIX = reverse("assessments:sector_matrix")
MOUS = reverse("assessments:mous_due")
SECTORS = reverse("assessments:sector_gaps")
STATEWIDE = (MATRIX, MOUS, SECTORS)


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _sector(slug: str) -> Sector:
    return Sector.objects.get(slug=slug)


def _signed(task_force, name, sector, renews_in=None, **kwargs):
    return PartnerAgencyFactory(
        task_force=task_force,
        name=name,
        sector=_sector(sector),
        mou_status=MouStatus.SIGNED,
        mou_signed_on=_days(-400),
        mou_renews_on=None if renews_in is None else _days(renews_in),
        **kwargs,
    )


def _register_write(agency: PartnerAgency, **values) -> None:
    """A change as the register service makes it: the values, and the task
    force's revision bumped in the same transaction."""
    PartnerAgency.objects.filter(pk=agency.pk).update(**values)
    page_cache.bump([agency.task_force_id])


@pytest.fixture
def manager(db):
    from django.contrib.auth.models import Group

    user = UserFactory()
    user.groups.add(Group.objects.get(name="Program managers"))
    return user


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def two(db):
    """North (Coast): victim services with a current MOU, law enforcement
    without one, health care that left. South (Valley): prosecution with an
    MOU expiring in 10 days, education with an expired one."""
    north = TaskForceFactory(name="North", region="Coast")
    south = TaskForceFactory(name="South", region="Valley")
    _signed(north, "North Victim Services", "victim-services")
    PartnerAgencyFactory(task_force=north, name="North Sheriff", sector=_sector("law-enforcement"))
    PartnerAgencyFactory(
        task_force=north, name="North Clinic", sector=_sector("health-care"), left_on=_days(-3)
    )
    _signed(south, "South DA", "prosecution", renews_in=10)
    _signed(south, "South Schools", "education", renews_in=-5)
    return north, south


def _cells(response):
    matrix = response.context["matrix"]
    slugs = [sector.slug for sector in matrix.sectors]
    return {
        row.task_force.name: dict(zip(slugs, [cell.letter for cell in row.cells], strict=True))
        for row in matrix.rows
    }


# Access ----------------------------------------------------------------------


@pytest.mark.parametrize("url", STATEWIDE)
def test_a_coordinator_gets_403_on_the_statewide_register_pages(url, coordinator_client):
    assert coordinator_client.get(url).status_code == 403


@pytest.mark.parametrize("url", STATEWIDE)
def test_coordinators_open_them_when_they_read_every_task_force(url, coordinator_client, settings):
    settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES = True
    assert coordinator_client.get(url).status_code == 200


@pytest.mark.parametrize("url", STATEWIDE)
def test_a_visitor_signed_out_is_sent_to_sign_in(url, db):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_overview_tabs_link_the_register_pages_only_for_those_who_may_open_them(
    manager_client, coordinator_client
):
    overview = reverse("assessments:overview")
    html = manager_client.get(overview).content.decode()
    for url in STATEWIDE:
        assert f'href="{url}"' in html
    html = coordinator_client.get(overview).content.decode()
    assert f'href="{MATRIX}"' not in html


# The sector matrix -----------------------------------------------------------


def test_sector_matrix_letters_each_task_force_and_sector(two, manager_client):
    response = manager_client.get(MATRIX)
    assert response.status_code == 200
    cells = _cells(response)
    assert cells["North"]["victim-services"] == "M"
    assert cells["North"]["law-enforcement"] == "A"
    # An agency that left is no partner any more.
    assert cells["North"]["health-care"] == "–"
    # Expiring still holds; expired does not.
    assert cells["South"]["prosecution"] == "M"
    assert cells["South"]["education"] == "A"
    assert cells["South"]["labor"] == "–"
    html = response.content.decode()
    assert "Legend:" in html
    # Colour and letter, and the meaning in words for screen readers.
    assert (
        '<td class="matrix-cell status-achieved"><span aria-hidden="true">M</span>'
        '<span class="visually-hidden">Active partner with a signed MOU in force</span></td>'
    ) in html
    assert "Behavioral health and substance use treatment" in html


def test_sector_matrix_counts_sectors_covered_per_task_force(two, manager_client):
    rows = {row.task_force.name: row for row in manager_client.get(MATRIX).context["matrix"].rows}
    assert (rows["North"].covered, rows["North"].with_mou) == (2, 1)
    assert (rows["South"].covered, rows["South"].with_mou) == (2, 1)


def test_sector_matrix_filters_by_region(two, manager_client):
    assert list(_cells(manager_client.get(MATRIX, {"region": "Valley"}))) == ["South"]


def test_sector_matrix_is_paginated_like_the_milestone_matrix(manager_client):
    TaskForceFactory.create_batch(register_overview.MATRIX_PAGE_SIZE + 1)
    first = manager_client.get(MATRIX)
    assert len(first.context["matrix"].rows) == register_overview.MATRIX_PAGE_SIZE
    assert "Page 1 of 2" in first.content.decode()
    assert len(manager_client.get(MATRIX, {"page": 2}).context["matrix"].rows) == 1


def test_sector_matrix_shows_a_register_change_at_once(two, manager_client):
    north, _ = two
    sheriff = PartnerAgency.objects.get(name="North Sheriff")
    assert _cells(manager_client.get(MATRIX))["North"]["law-enforcement"] == "A"
    _register_write(sheriff, mou_status=MouStatus.SIGNED, mou_signed_on=_days(-1))
    assert _cells(manager_client.get(MATRIX))["North"]["law-enforcement"] == "M"


# MOUs due --------------------------------------------------------------------


@pytest.fixture
def due(db, settings):
    settings.REGISTER_EXPIRY_WINDOW_DAYS = 30
    tf = TaskForceFactory(name="Lane", region="Valley")
    other = TaskForceFactory(name="Coos", region="Coast")
    for name, days in [
        ("Today Agency", 0),
        ("Window Edge Agency", 30),
        ("Past Window Agency", 31),
        ("Yesterday Agency", -1),
        ("Month Ago Agency", -30),
        ("Long Ago Agency", -31),
    ]:
        _signed(tf, name, "victim-services", renews_in=days)
    _signed(other, "Coast Shelter", "housing-and-shelter", renews_in=5)
    _signed(tf, "No Renewal Date", "labor")
    _signed(tf, "Gone Agency", "labor", renews_in=3, left_on=_days(-1))
    PartnerAgencyFactory(
        task_force=tf,
        name="Marked Expired",
        sector=_sector("business"),
        mou_status=MouStatus.EXPIRED,
        mou_signed_on=_days(-400),
        mou_renews_on=_days(-10),
    )
    PartnerAgencyFactory(
        task_force=tf,
        name="Drafting Agency",
        sector=_sector("business"),
        mou_status=MouStatus.DRAFTING,
        mou_renews_on=_days(4),
    )
    return tf, other


def _names(response):
    return [row.agency_name for row in response.context["page"].object_list]


def test_mous_expiring_are_listed_soonest_first_within_the_window(due, manager_client):
    response = manager_client.get(MOUS)
    # Today and the window's last day included, the day after it not; an
    # agency that left, a drafting MOU and one with no renewal date never.
    assert _names(response) == ["Today Agency", "Coast Shelter", "Window Edge Agency"]
    html = response.content.decode()
    assert "today" in html and "in 30 days" in html
    assert "Expiring within 30 days (3)" in html
    assert "Expired in the last 30 days (3)" in html


def test_mous_expired_lately_are_listed_most_recent_first(due, manager_client):
    response = manager_client.get(MOUS, {"show": "expired"})
    # Yesterday is expired; so is one marked expired; 31 days ago is too long ago.
    assert _names(response) == ["Yesterday Agency", "Marked Expired", "Month Ago Agency"]
    assert "1 day ago" in response.content.decode()


def test_mous_due_filter_by_region(due, manager_client):
    assert _names(manager_client.get(MOUS, {"region": "Coast"})) == ["Coast Shelter"]
    assert _names(manager_client.get(MOUS, {"region": "Coast", "show": "expired"})) == []


def test_mous_due_name_task_force_and_sector(due, manager_client):
    row = manager_client.get(MOUS).context["page"].object_list[1]
    assert (row.task_force_name, row.task_force_slug, row.sector_name) == (
        "Coos",
        due[1].slug,
        "Housing and shelter",
    )


def test_an_unknown_list_name_shows_the_expiring_list(due, manager_client):
    assert manager_client.get(MOUS, {"show": "<script>"}).context["show"] == "expiring"


def test_mous_due_show_a_register_change_at_once(due, manager_client):
    assert "Past Window Agency" not in _names(manager_client.get(MOUS))
    agency = PartnerAgency.objects.get(name="Past Window Agency")
    _register_write(agency, mou_renews_on=_days(2))
    assert "Past Window Agency" in _names(manager_client.get(MOUS))


def test_mous_due_show_a_new_task_force_at_once(due, manager_client):
    before = _names(manager_client.get(MOUS))
    # Created and its register filled without a revision bump on it (as a
    # fixture load would): a task force more is a new key by itself.
    _signed(TaskForceFactory(name="New"), "New Agency", "labor", renews_in=1)
    assert _names(manager_client.get(MOUS)) == [*before[:1], "New Agency", *before[1:]]


def test_mous_due_move_on_with_the_day(due, manager_client, monkeypatch):
    assert _names(manager_client.get(MOUS))[0] == "Today Agency"
    tomorrow = _days(1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    expiring = _names(manager_client.get(MOUS))
    assert "Today Agency" not in expiring
    assert "Past Window Agency" in expiring
    assert "Today Agency" in _names(manager_client.get(MOUS, {"show": "expired"}))


# Sectors lacking -------------------------------------------------------------


def test_sectors_most_task_forces_lack_come_first(two, manager_client):
    north, south = two
    PartnerAgencyFactory(task_force=south, name="South VS", sector=_sector("victim-services"))
    TaskForceFactory(name="West", region="Coast")
    response = manager_client.get(SECTORS)
    count, gaps = response.context["count"], response.context["gaps"]
    assert count == 3
    by_slug = {gap.sector.slug: gap for gap in gaps}
    assert (by_slug["victim-services"].covered, by_slug["victim-services"].lacking) == (2, 1)
    assert by_slug["victim-services"].lacking_percent == 33
    # Left the task force: not covered.
    assert by_slug["health-care"].lacking == 3
    assert by_slug["labor"].lacking_percent == 100
    assert gaps[-1].sector.slug == "victim-services"
    lacking = [gap.lacking for gap in gaps]
    assert lacking == sorted(lacking, reverse=True)
    # Ties keep the sectors' own order.
    tied = [gap.sector.slug for gap in gaps if gap.lacking == 3]
    assert tied[:2] == ["child-welfare", "health-care"]


def test_sectors_lacking_filter_by_region(two, manager_client):
    response = manager_client.get(SECTORS, {"region": "Coast"})
    by_slug = {gap.sector.slug: gap for gap in response.context["gaps"]}
    assert response.context["count"] == 1
    assert by_slug["prosecution"].lacking == 1
    assert by_slug["victim-services"].lacking == 0


def test_sectors_lacking_show_a_register_change_at_once(two, manager_client):
    def labor():
        gaps = manager_client.get(SECTORS).context["gaps"]
        return next(gap for gap in gaps if gap.sector.slug == "labor").covered

    assert labor() == 0
    sheriff = PartnerAgency.objects.get(name="North Sheriff")
    _register_write(sheriff, sector=_sector("labor"))
    assert labor() == 1


def test_sectors_lacking_with_no_task_force_is_not_a_division_by_zero(manager_client):
    response = manager_client.get(SECTORS)
    assert response.status_code == 200
    assert all(gap.lacking_percent == 0 for gap in response.context["gaps"])


# Queries ---------------------------------------------------------------------


def _fill(count: int) -> None:
    for i, task_force in enumerate(TaskForceFactory.create_batch(count, region="Valley")):
        _signed(task_force, f"VS {i}", "victim-services", renews_in=5 + i % 40)
        _signed(task_force, f"DA {i}", "prosecution", renews_in=-1 - i % 20)
        PartnerAgencyFactory(task_force=task_force, name=f"LE {i}", sector=_sector("labor"))


def _cold_and_warm(client, url) -> tuple[int, int]:
    """Queries the first time after a change (nothing cached), then again."""
    page_cache.bump_all()
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    return counts[0], counts[1]


@pytest.mark.parametrize(
    "url", [MATRIX, MOUS, f"{MOUS}?show=expired", SECTORS, f"{MATRIX}?region=Valley"]
)
def test_statewide_register_pages_take_the_same_queries_for_2_and_many_task_forces(
    url, manager_client, django_assert_max_num_queries
):
    _fill(2)
    manager_client.get(url)  # the session and the user, as on any later visit
    cold, warm = _cold_and_warm(manager_client, url)
    _fill(30)
    page_cache.bump_all()
    with django_assert_max_num_queries(cold):
        assert manager_client.get(url).status_code == 200
    with django_assert_max_num_queries(warm):
        assert manager_client.get(url).status_code == 200
    assert cold <= 10, cold  # 9 and the menu's counts
