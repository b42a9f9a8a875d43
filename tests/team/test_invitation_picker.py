"""The invitation form's task forces: checkboxes (not a Ctrl-click multiple
select), what was ticked kept when the form comes back with an error, names
escaped, and a clear error when a coordinator's invitation has none."""

import re

import pytest
from django.urls import reverse

from assessments.models import Invitation
from tests.factories import TaskForceFactory, UserFactory
from tests.team.test_invitations import _invite


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def _boxes(html: str) -> list[str]:
    return re.findall(r'<input type="checkbox"[^>]*name="task_forces"[^>]*>', html)


def test_staff_choose_task_forces_with_checkboxes(staff_client, task_force):
    TaskForceFactory.create_batch(2)
    html = staff_client.get(reverse("assessments:invitations")).content.decode()
    assert len(_boxes(html)) == 3
    assert "<select" not in html.split('id="invite-heading"')[1].split("</form>")[0]
    assert "Task forces (at least one for a coordinator)" in html
    assert '<label class="form-check-label" for="id_task_forces_' in html


def test_ticked_task_forces_stay_ticked_when_the_form_has_an_error(staff_client, task_force):
    other = TaskForceFactory()
    response = _invite(staff_client, [task_force, other], email="not an address")
    assert response.status_code == 400
    boxes = _boxes(response.content.decode())
    assert sum(" checked" in box for box in boxes) == 2
    assert not Invitation.objects.exists()


def test_task_force_names_are_escaped(staff_client, db):
    TaskForceFactory(name='<script>alert("x")</script> County')
    html = staff_client.get(reverse("assessments:invitations")).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; County" in html


def test_a_coordinators_invitation_without_a_task_force_is_refused(client, task_force):
    coordinator = UserFactory()
    task_force.coordinators.add(coordinator)
    client.force_login(coordinator)
    url = reverse("assessments:team", args=[task_force.slug])
    page = client.get(url).content.decode()
    assert 'task_forces"' in page
    response = client.post(
        reverse("assessments:invitations"),
        {"first_name": "Robin", "email": "robin@example.org"},
    )
    assert response.status_code == 400
    assert "Choose at least one task force." in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_staff_coordinator_invitation_without_a_task_force_is_refused(staff_client, db):
    response = _invite(staff_client, [])
    assert "Choose at least one task force for a coordinator." in response.content.decode()
    assert not Invitation.objects.exists()
