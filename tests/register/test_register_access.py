"""Who may read and write a task force's partner register: the status pages'
rules. Another task force's coordinator gets 404 on every register URL, read
or write; a read-only role gets 403 on writes; nothing is saved either way."""

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import PartnerAgency, RegisterChange, Sector
from tests.factories import PartnerAgencyFactory, UserFactory

ROLES = ("admin", "program_manager", "coordinator", "other_coordinator")


def _client(world, role):
    client = Client()
    client.force_login(world["users"][role])
    return client


def _urls(world):
    slug, pk = world["own"].slug, world["agency"].pk
    return {
        "register": reverse("assessments:register", args=[slug]),
        "add": reverse("assessments:partner_agency_add", args=[slug]),
        "edit": reverse("assessments:partner_agency_edit", args=[slug, pk]),
        "leave": reverse("assessments:partner_agency_leave", args=[slug, pk]),
    }


def _posts(world):
    agency = world["agency"]
    edit = {
        "name": "Renamed",
        "sector": Sector.objects.get(slug="health-care").pk,
        "partnership_type": "referral",
        "mou_status": "none",
        "version": agency.version,
    }
    return {
        "add": {**edit, "name": "New Agency"},
        "edit": edit,
        "leave": {"left_on": "2026-01-05", "version": agency.version},
    }


def _snapshot():
    return (
        list(PartnerAgency.objects.order_by("pk").values()),
        RegisterChange.objects.count(),
    )


@pytest.mark.parametrize("page", ["register", "add", "edit", "leave"])
def test_other_task_forces_coordinator_gets_404_on_every_register_page(world, page):
    assert _client(world, "other_coordinator").get(_urls(world)[page]).status_code == 404


@pytest.mark.parametrize("action", ["add", "edit", "leave"])
def test_other_task_forces_coordinator_gets_404_on_every_write_and_nothing_changes(world, action):
    before = _snapshot()
    response = _client(world, "other_coordinator").post(_urls(world)[action], _posts(world)[action])
    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("action", ["add", "edit", "leave"])
def test_program_manager_gets_403_on_every_write_and_nothing_changes(world, action):
    before = _snapshot()
    response = _client(world, "program_manager").post(_urls(world)[action], _posts(world)[action])
    assert response.status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("action", ["add", "edit", "leave"])
def test_coordinator_reading_all_by_setting_gets_403_on_writes(world, settings, action):
    settings.COORDINATORS_CAN_READ_ALL_TASK_FORCES = True
    client = _client(world, "other_coordinator")
    assert client.get(_urls(world)["register"]).status_code == 200
    before = _snapshot()
    assert client.post(_urls(world)[action], _posts(world)[action]).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("role", ["admin", "program_manager", "coordinator"])
def test_those_who_read_the_task_force_read_its_register(world, role):
    response = _client(world, role).get(_urls(world)["register"])
    assert response.status_code == 200
    assert "County Victim Services" in response.content.decode()


def test_program_manager_sees_no_edit_links_on_the_register(world):
    html = _client(world, "program_manager").get(_urls(world)["register"]).content.decode()
    assert _urls(world)["add"] not in html
    assert _urls(world)["edit"] not in html


@pytest.mark.parametrize("role", ["admin", "coordinator"])
@pytest.mark.parametrize("action", ["add", "edit", "leave"])
def test_coordinator_and_staff_write(world, role, action):
    response = _client(world, role).post(_urls(world)[action], _posts(world)[action])
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RegisterChange.objects.count() == 2


@pytest.mark.parametrize("page", ["edit", "leave"])
def test_another_task_forces_agency_under_own_task_force_is_404(world, page):
    foreign = PartnerAgencyFactory()  # another task force's agency
    slug = world["own"].slug
    url = reverse(f"assessments:partner_agency_{page}", args=[slug, foreign.pk])
    client = _client(world, "coordinator")
    assert client.get(url).status_code == 404
    assert client.post(url, {"left_on": "2026-01-05", "version": 0}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.left_on is None


def test_anonymous_visitors_are_sent_to_log_in(world):
    for url in _urls(world).values():
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_deactivated_coordinator_can_no_longer_write(world):
    coordinator = world["users"]["coordinator"]
    client = _client(world, "coordinator")
    coordinator.is_active = False
    coordinator.save()
    before = _snapshot()
    response = client.post(_urls(world)["add"], _posts(world)["add"])
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert _snapshot() == before


def test_a_plain_user_with_no_task_force_gets_404(world):
    client = Client()
    client.force_login(UserFactory())
    for url in _urls(world).values():
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "offers_import"),
    [("admin", True), ("coordinator", True), ("program_manager", False)],
)
def test_register_page_offers_its_downloads_and_the_import_only_to_editors(
    world, role, offers_import
):
    html = _client(world, role).get(_urls(world)["register"]).content.decode()
    for fmt in ("xlsx", "csv"):
        url = reverse("assessments:task_force_export_register", args=[world["own"].slug, fmt])
        assert f'href="{url}"' in html
    assert (f'href="{reverse("assessments:register_import")}"' in html) is offers_import
