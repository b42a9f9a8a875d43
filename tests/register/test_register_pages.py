"""The partner register's pages and where the register shows elsewhere: the
history, the milestone form's lead partner, partner links, the partner page,
the Django admin and the demo data."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.core import services
from assessments.models import (
    MouStatus,
    PartnerAgency,
    PartnerLink,
    RegisterChange,
    Sector,
    Status,
    TaskForce,
)
from assessments.register import services as register
from stages.models import Milestone
from tests.factories import (
    PartnerAgencyFactory,
    PartnerLinkFactory,
    TaskForceFactory,
    UserFactory,
)

TOKEN = "register-token-0123456789abcdefghijklmnopq"


def _register_url(task_force):
    return reverse("assessments:register", args=[task_force.slug])


def _form(**values):
    data = {
        "name": "Harbor Youth Shelter",
        "sector": Sector.objects.get(slug="housing-and-shelter").pk,
        "partnership_type": "referral",
        "mou_status": "none",
        "mou_signed_on": "",
        "mou_renews_on": "",
        "contact_name": "Shelter manager",
        "contact_email": "shelter@example.org",
        "contact_phone": "",
    }
    data.update(values)
    return data


def _edit_data(agency, **values):
    data = _form(
        name=agency.name,
        sector=agency.sector_id,
        partnership_type=agency.partnership_type,
        mou_status=agency.mou_status,
        mou_signed_on=agency.mou_signed_on.isoformat() if agency.mou_signed_on else "",
        mou_renews_on=agency.mou_renews_on.isoformat() if agency.mou_renews_on else "",
        contact_name=agency.contact_name,
        contact_email=agency.contact_email,
        left_on=agency.left_on.isoformat() if agency.left_on else "",
        version=agency.version,
    )
    data.update(values)
    return data


def _create(task_force, coordinator, name="County Victim Services", **values):
    values.setdefault("sector", Sector.objects.get(slug="victim-services"))
    return register.partner_agency_create(
        task_force=task_force, name=name, user=coordinator, **values
    )


# The register page and its forms


def test_coordinator_adds_an_agency_and_sees_it_in_the_register(task_force, coordinator_client):
    add = reverse("assessments:partner_agency_add", args=[task_force.slug])
    form_page = coordinator_client.get(add).content.decode()
    assert "Do not record anything that identifies a victim or survivor" in form_page
    response = coordinator_client.post(add, _form())
    assert response.status_code == 302
    html = coordinator_client.get(_register_url(task_force)).content.decode()
    assert "Harbor Youth Shelter" in html and "Housing and shelter" in html
    assert "shelter@example.org" in html
    assert RegisterChange.objects.get().action == "created"


def test_signed_mou_without_a_date_is_refused_at_the_field_and_nothing_saved(
    task_force, coordinator_client
):
    add = reverse("assessments:partner_agency_add", args=[task_force.slug])
    response = coordinator_client.post(add, _form(mou_status="signed"))
    assert response.status_code == 200
    assert response.context["form"].errors["mou_signed_on"] == [
        "A signed MOU needs the day it was signed."
    ]
    assert "Nothing was saved" in response.content.decode()
    assert not PartnerAgency.objects.exists()


def test_a_date_that_is_not_one_is_refused(task_force, coordinator_client):
    add = reverse("assessments:partner_agency_add", args=[task_force.slug])
    response = coordinator_client.post(add, _form(mou_status="signed", mou_signed_on="2026-02-31"))
    assert response.status_code == 200
    assert "Enter a date as YYYY-MM-DD" in response.content.decode()
    assert not PartnerAgency.objects.exists()


def test_a_name_already_in_the_register_is_refused_with_a_message(
    task_force, coordinator, coordinator_client
):
    _create(task_force, coordinator, name="Harbor Youth Shelter")
    add = reverse("assessments:partner_agency_add", args=[task_force.slug])
    response = coordinator_client.post(add, _form(name="harbor youth shelter"))
    assert response.status_code == 200
    assert "already has an agency by that name" in response.content.decode()
    assert PartnerAgency.objects.count() == 1


def test_stale_edit_is_refused_with_409_keeps_the_input_and_saves_nothing(
    task_force, coordinator, coordinator_client
):
    agency = _create(task_force, coordinator)
    url = reverse("assessments:partner_agency_edit", args=[task_force.slug, agency.pk])
    opened = _edit_data(agency, contact_name="Director")  # version 1
    register.partner_agency_update(
        agency=agency,
        user=coordinator,
        expected_version=1,
        **{
            **{f: getattr(agency, f) for f in RegisterChange.TRACKED_FIELDS},
            "contact_name": "Shelter manager",
        },
    )
    response = coordinator_client.post(url, opened)
    assert response.status_code == 409
    html = response.content.decode()
    assert "after you opened it" in html
    assert 'value="Director"' in html  # their input is kept
    assert response.context["form"]["version"].value() == 2
    assert PartnerAgency.objects.get().contact_name == "Shelter manager"
    # Saving again knowingly replaces the newer version.
    again = coordinator_client.post(url, {**opened, "version": 2})
    assert again.status_code == 302
    assert PartnerAgency.objects.get().contact_name == "Director"


def test_edit_without_a_version_is_refused(task_force, coordinator, coordinator_client):
    agency = _create(task_force, coordinator)
    url = reverse("assessments:partner_agency_edit", args=[task_force.slug, agency.pk])
    data = _edit_data(agency, contact_name="Director")
    del data["version"]
    response = coordinator_client.post(url, data)
    assert response.status_code == 200
    assert "out of date or incomplete" in response.content.decode()
    assert PartnerAgency.objects.get().contact_name == ""


def test_marking_an_agency_as_left_moves_it_to_former_partners(
    task_force, coordinator, coordinator_client
):
    agency = _create(task_force, coordinator)
    url = reverse("assessments:partner_agency_leave", args=[task_force.slug, agency.pk])
    page = coordinator_client.get(url).content.decode()
    assert "Has County Victim Services left the task force?" in page
    day = timezone.localdate() - datetime.timedelta(days=2)
    response = coordinator_client.post(url, {"left_on": day.isoformat(), "version": 1})
    assert response.status_code == 302
    summary = coordinator_client.get(_register_url(task_force)).context["register"]
    assert summary.active == () and [a.name for a in summary.left] == ["County Victim Services"]
    # Once left, the page says so instead of asking again.
    again = coordinator_client.post(url, {"left_on": day.isoformat(), "version": 2})
    assert again.status_code == 302
    assert RegisterChange.objects.filter(action="left").count() == 1


def test_stale_leave_is_refused_with_409(task_force, coordinator, coordinator_client):
    agency = _create(task_force, coordinator)
    url = reverse("assessments:partner_agency_leave", args=[task_force.slug, agency.pk])
    response = coordinator_client.post(url, {"left_on": "2026-01-01", "version": 0})
    assert response.status_code == 409
    assert PartnerAgency.objects.get().left_on is None


def test_clearing_the_day_it_left_makes_an_agency_active_again(
    task_force, coordinator, coordinator_client
):
    agency = _create(task_force, coordinator, left_on=datetime.date(2026, 1, 5))
    url = reverse("assessments:partner_agency_edit", args=[task_force.slug, agency.pk])
    assert coordinator_client.post(url, _edit_data(agency, left_on="")).status_code == 302
    assert PartnerAgency.objects.get().is_active


# History


def test_history_page_merges_register_and_status_changes_newest_first(
    guidance, task_force, coordinator, coordinator_client
):
    now = timezone.now()
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.PLANNING,
        user=coordinator,
        at=now - datetime.timedelta(hours=2),
    )
    agency = _create(task_force, coordinator, at=now - datetime.timedelta(hours=1))
    register.partner_agency_leave(
        agency=agency, left_on=timezone.localdate(), user=coordinator, expected_version=1, at=now
    )
    url = reverse("assessments:history", args=[task_force.slug])
    response = coordinator_client.get(url)
    kinds = [(c.timeline_kind, getattr(c, "action", "")) for c in response.context["page"]]
    assert kinds == [("register", "left"), ("register", "created"), ("status", "")]
    html = response.content.decode()
    assert "Left the task force" in html and "Added to the register" in html
    # A stage filter is about milestones: register changes are left out.
    by_stage = coordinator_client.get(url, {"stage": "foundation"}).context["page"]
    assert [c.timeline_kind for c in by_stage] == ["status"]
    by_person = coordinator_client.get(url, {"person": coordinator.pk}).context["page"]
    assert len(by_person.object_list) == 3
    assert coordinator in coordinator_client.get(url).context["people"]


def test_milestone_history_shows_no_register_changes(
    guidance, task_force, coordinator, coordinator_client
):
    _create(task_force, coordinator)
    url = reverse("assessments:milestone_history", args=[task_force.slug, "task-force-mou"])
    assert list(coordinator_client.get(url).context["page"].object_list) == []


def test_register_change_by_a_deleted_account_says_so_without_its_username(
    guidance, task_force, coordinator, coordinator_client
):
    gone = UserFactory(username="gone-user")
    task_force.coordinators.add(gone)
    _create(task_force, gone)
    gone.delete()
    html = coordinator_client.get(reverse("assessments:history", args=[task_force.slug]))
    text = html.content.decode()
    assert "A deleted account" in text
    # A sign-in code, not a name: kept with the record for the CSV export only.
    assert "gone-user" not in text


# Lead partner from the register


def test_milestone_form_offers_active_agencies_as_lead_partner_and_free_text_still_saves(
    guidance, task_force, coordinator, coordinator_client
):
    _create(task_force, coordinator, name="County Victim Services")
    _create(task_force, coordinator, name="Former Clinic", left_on=datetime.date(2026, 1, 1))
    url = reverse("assessments:milestone_edit", args=[task_force.slug, "task-force-mou"])
    html = coordinator_client.get(url).content.decode()
    assert 'list="register-agencies"' in html
    assert '<option value="County Victim Services">' in html
    assert "Former Clinic" not in html
    response = coordinator_client.post(
        url, {"status": "planning", "lead_partner": "A partner not in the register", "version": 0}
    )
    assert response.status_code == 302
    assert task_force.statuses.get().lead_partner == "A partner not in the register"


# Partner links


def test_partner_link_for_a_registered_agency_is_named_after_it_and_listed(
    task_force, coordinator, coordinator_client
):
    agency = _create(task_force, coordinator)
    url = reverse("assessments:sharing", args=[task_force.slug])
    response = coordinator_client.post(url, {"agency": agency.pk, "label": "", "expires_on": ""})
    assert response.status_code == 201
    link = PartnerLink.objects.get()
    assert link.agency == agency and link.label == "County Victim Services"
    html = coordinator_client.get(url).content.decode()
    assert "Agency in the register" in html
    assert html.count("County Victim Services") >= 2  # the choice and the link's row


def test_partner_link_needs_a_label_or_an_agency(task_force, coordinator_client):
    url = reverse("assessments:sharing", args=[task_force.slug])
    response = coordinator_client.post(url, {"agency": "", "label": "", "expires_on": ""})
    assert response.status_code == 200
    assert "Say who the link is for, or choose an agency." in response.content.decode()
    assert not PartnerLink.objects.exists()


def test_partner_link_cannot_name_another_task_forces_agency(task_force, coordinator_client):
    foreign = PartnerAgencyFactory()
    url = reverse("assessments:sharing", args=[task_force.slug])
    response = coordinator_client.post(url, {"agency": foreign.pk, "label": "x", "expires_on": ""})
    assert response.status_code == 200
    assert not PartnerLink.objects.exists()


# Partner page


def test_partner_page_shows_chosen_active_agencies_with_sector_and_never_contacts(
    guidance, task_force, coordinator
):
    PartnerLinkFactory(task_force=task_force, token=TOKEN)
    _create(
        task_force,
        coordinator,
        name="Shown Agency",
        shown_to_partners=True,
        contact_name="Secret contact role",
        contact_email="secret@example.org",
        contact_phone="555-0100",
    )
    _create(task_force, coordinator, name="Hidden Agency")
    _create(
        task_force,
        coordinator,
        name="Left Agency",
        shown_to_partners=True,
        left_on=datetime.date(2026, 1, 1),
    )
    html = Client().get(f"/p/{TOKEN}/").content.decode()
    assert "Partner agencies" in html
    assert "Shown Agency" in html and "Victim services" in html
    assert "Hidden Agency" not in html and "Left Agency" not in html
    for secret in ("Secret contact role", "secret@example.org", "555-0100"):
        assert secret not in html


def test_partner_page_shows_a_register_change_at_once(guidance, task_force, coordinator):
    PartnerLinkFactory(task_force=task_force, token=TOKEN)
    agency = _create(task_force, coordinator, name="Shown Agency")
    assert "Shown Agency" not in Client().get(f"/p/{TOKEN}/").content.decode()  # now cached
    values = {f: getattr(agency, f) for f in RegisterChange.TRACKED_FIELDS}
    register.partner_agency_update(
        agency=agency,
        user=coordinator,
        expected_version=1,
        **{**values, "shown_to_partners": True},
    )
    assert "Shown Agency" in Client().get(f"/p/{TOKEN}/").content.decode()


def test_partner_page_shows_a_sector_rename_at_once(guidance, task_force, coordinator):
    PartnerLinkFactory(task_force=task_force, token=TOKEN)
    _create(task_force, coordinator, name="Shown Agency", shown_to_partners=True)
    assert "Victim services" in Client().get(f"/p/{TOKEN}/").content.decode()
    sector = Sector.objects.get(slug="victim-services")
    sector.name = "Victim advocacy"
    sector.save()
    assert "Victim advocacy" in Client().get(f"/p/{TOKEN}/").content.decode()


# Query counts: constant in the number of agencies and task forces


def _add_agencies(task_force, coordinator, count, start=0):
    today = timezone.localdate()
    sectors = list(Sector.objects.all())
    for n in range(start, start + count):
        agency = _create(
            task_force,
            coordinator,
            name=f"Agency {n}",
            sector=sectors[n % len(sectors)],
            mou_status=MouStatus.SIGNED,
            mou_signed_on=today - datetime.timedelta(days=300),
            mou_renews_on=today + datetime.timedelta(days=n * 10 - 30),
            shown_to_partners=True,
        )
        if n % 4 == 0:
            register.partner_agency_leave(
                agency=agency, left_on=today, user=coordinator, expected_version=1
            )
        PartnerLinkFactory(task_force=task_force, agency=agency)


def _queries(client, url, limit):
    client.get(url)  # warm what is cached
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert len(captured) <= limit, (url, len(captured))
    return len(captured)


@pytest.mark.parametrize(
    "page, limit",
    # The task force page: one more for the evidence of every milestone, one
    # for the review cycles waiting on it, one for its last 90 days of activity.
    # The task force and edit pages also read the menu's counts (one query,
    # tests/pages/test_menu_counts.py) and the milestones' resources (one).
    [("register", 10), ("task_force", 19), ("history", 12), ("sharing", 10), ("edit", 12)],
)
def test_query_count_does_not_grow_with_agencies_or_task_forces(
    guidance,
    task_force,
    coordinator,
    coordinator_client,
    page,
    limit,
):
    urls = {
        "register": _register_url(task_force),
        "task_force": reverse("assessments:task_force", args=[task_force.slug]),
        "history": reverse("assessments:history", args=[task_force.slug]),
        "sharing": reverse("assessments:sharing", args=[task_force.slug]),
        "edit": reverse("assessments:milestone_edit", args=[task_force.slug, "task-force-mou"]),
    }
    _add_agencies(task_force, coordinator, 2)
    few = _queries(coordinator_client, urls[page], limit)
    _add_agencies(task_force, coordinator, 20, start=2)
    for other in TaskForceFactory.create_batch(5):
        _add_agencies(other, coordinator, 3, start=100)
    many = _queries(coordinator_client, urls[page], limit)
    assert few == many, (page, few, many)


def test_partner_page_query_count_does_not_grow_with_agencies(guidance, task_force, coordinator):
    # Two links, so each measured view is a first visit (which writes).
    PartnerLinkFactory(task_force=task_force, token=TOKEN)
    PartnerLinkFactory(task_force=task_force, token=TOKEN + "2")
    _add_agencies(task_force, coordinator, 2)
    with CaptureQueriesContext(connection) as few:
        Client().get(f"/p/{TOKEN}/")
    _add_agencies(task_force, coordinator, 20, start=2)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        Client().get(f"/p/{TOKEN}2/")
    # 14: one of them lists the documents shared with partners, one the resources.
    assert len(few) == len(many) <= 14


# Django admin


def test_admin_edit_goes_through_the_service_and_into_the_history(
    guidance, task_force, coordinator, admin_user
):
    agency = _create(task_force, coordinator)
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:assessments_partneragency_change", args=[agency.pk])
    assert client.get(url).status_code == 200
    data = {
        **{k: v for k, v in _edit_data(agency).items() if k != "left_on"},
        "left_on": "",
        "mou_status": "legal_review",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    change = RegisterChange.objects.latest("pk")
    assert change.source == "admin" and change.changes == {"mou_status": ["none", "legal_review"]}


def test_admin_stale_edit_is_refused(guidance, task_force, coordinator, admin_user):
    agency = _create(task_force, coordinator)
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:assessments_partneragency_change", args=[agency.pk])
    data = {**_edit_data(agency), "mou_status": "drafting", "version": 0}
    response = client.post(url, data, follow=True)
    assert "after you opened it" in response.content.decode()
    assert PartnerAgency.objects.get().mou_status == "none"


def test_admin_adds_an_agency_through_the_service(guidance, task_force, admin_user):
    client = Client()
    client.force_login(admin_user)
    data = {**_form(), "task_force": task_force.pk, "left_on": "", "version": 0}
    response = client.post(reverse("admin:assessments_partneragency_add"), data)
    assert response.status_code == 302
    change = RegisterChange.objects.get()
    assert change.source == "admin" and change.action == "created"


# Demo data


def test_demo_data_gives_every_demo_task_force_a_register_once(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    count = PartnerAgency.objects.count()
    assert TaskForce.objects.count() == 6
    for task_force in TaskForce.objects.all():
        assert task_force.partner_agencies.count() >= 3, task_force
    states = set(
        PartnerAgency.objects.active().with_mou_state().values_list("mou_state", flat=True)
    )
    assert {"current", "expiring", "expired", "none"} <= states
    assert PartnerAgency.objects.filter(left_on__isnull=False).exists()
    assert (
        not PartnerAgency.objects.filter(contact_email__contains="@")
        .exclude(contact_email__endswith="@example.org")
        .exists()
    )
    call_command("seed_demo", stdout=io.StringIO())
    assert PartnerAgency.objects.count() == count
