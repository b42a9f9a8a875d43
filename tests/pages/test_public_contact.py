"""The contact a task force publishes on its partner page: set by its
editors on the sharing page, shown to partners at once (the cached page
follows the task force's revision), refused with a clear error when it
cannot be used, and never set by those who only read."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from assessments.models import TaskForce
from tests.factories import PartnerLinkFactory, UserFactory

CONTACT = {
    "public_contact_name": "Task force coordinator",
    "public_contact_email": "taskforce@lane.example",
    "public_contact_phone": "541 555 0100",
}


@pytest.fixture
def url(task_force):
    return reverse("assessments:public_contact", args=[task_force.slug])


@pytest.fixture
def partner_url(task_force):
    link = PartnerLinkFactory(task_force=task_force, token="contact-test-token-0123456789abcdef")
    return reverse("assessments:partner", args=["contact-test-token-0123456789abcdef"]), link


def test_a_coordinator_publishes_a_contact_and_partners_see_it(
    coordinator_client, client, task_force, url, partner_url
):
    partner_page, _ = partner_url
    assert "Contact the task force" not in Client().get(partner_page).content.decode()

    response = coordinator_client.post(url, CONTACT)
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:sharing", args=[task_force.slug])

    # The partner page was cached before the change; it shows the new contact.
    html = Client().get(partner_page).content.decode()
    assert "Contact the task force" in html
    assert 'href="mailto:taskforce@lane.example"' in html
    assert 'href="tel:5415550100"' in html
    sharing = coordinator_client.get(response["Location"]).content.decode()
    assert "taskforce@lane.example" in sharing
    assert "Saved: the partner page shows the new contact." in sharing


def test_clearing_the_contact_removes_it_from_the_partner_page(
    coordinator_client, client, task_force, url, partner_url
):
    partner_page, _ = partner_url
    coordinator_client.post(url, CONTACT)
    coordinator_client.post(url, {})
    task_force.refresh_from_db()
    assert task_force.public_contact_email == ""
    assert "Contact the task force" not in Client().get(partner_page).content.decode()


def test_a_bad_address_is_refused_and_nothing_is_saved(coordinator_client, task_force, url):
    coordinator_client.post(url, CONTACT)
    response = coordinator_client.post(url, {**CONTACT, "public_contact_email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    task_force.refresh_from_db()
    assert task_force.public_contact_email == "taskforce@lane.example"
    # What was typed stays in the form.
    assert 'value="not an address"' in response.content.decode()


def test_a_name_alone_is_refused(coordinator_client, task_force, url):
    response = coordinator_client.post(url, {"public_contact_name": "Coordinator"})
    assert response.status_code == 400
    assert "Give an e-mail address or a telephone number to reach." in response.content.decode()
    task_force.refresh_from_db()
    assert task_force.public_contact_name == ""


def test_the_contact_is_escaped(coordinator_client, client, url, partner_url):
    partner_page, _ = partner_url
    coordinator_client.post(
        url, {**CONTACT, "public_contact_name": "<script>alert(1)</script> Coordinator"}
    )
    html = Client().get(partner_page).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Coordinator" in html


def test_a_program_manager_may_not_set_it(client, task_force, url, db):
    manager = UserFactory()
    manager.groups.add(Group.objects.get(name="Program managers"))
    client.force_login(manager)
    assert client.post(url, CONTACT).status_code == 403
    assert TaskForce.objects.get(pk=task_force.pk).public_contact_email == ""


def test_another_task_forces_coordinator_gets_404(client, task_force, url, db):
    client.force_login(UserFactory())
    assert client.post(url, CONTACT).status_code == 404
    assert TaskForce.objects.get(pk=task_force.pk).public_contact_email == ""
