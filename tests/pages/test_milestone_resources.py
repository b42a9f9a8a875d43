"""Resources admins attach to a milestone (links to toolkits and model MOUs,
notes on whom to ask): shown with the milestone and its priority entry to
signed-in people, on partner pages only when public, at once after an edit
in the admin (cached partner pages follow), and refused when they say
nothing or point at a script."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from assessments.models import MilestoneStatus
from stages.models import Milestone, MilestoneResource
from tests.factories import PartnerLinkFactory

TOKEN = "resources-test-token-0123456789abcdefghij"


@pytest.fixture
def mou(guidance):
    return Milestone.objects.get(slug="task-force-mou")


@pytest.fixture
def partner_page(task_force):
    PartnerLinkFactory(task_force=task_force, token=TOKEN)
    return reverse("assessments:partner", args=[TOKEN])


def _admin_post(client, milestone, resources: list[dict]):
    data = {
        "stage": milestone.stage_id,
        "name": milestone.name,
        "order": milestone.order,
        "description": milestone.description,
        "is_active": "on",
        "resources-TOTAL_FORMS": str(len(resources)),
        "resources-INITIAL_FORMS": "0",
    }
    for index, resource in enumerate(resources):
        data.update({f"resources-{index}-{key}": value for key, value in resource.items()})
    return client.post(reverse("admin:stages_milestone_change", args=[milestone.pk]), data)


MODEL_MOU = {
    "title": "Model MOU (state program)",
    "url": "https://state.example/model-mou",
    "note": "Ask the program office for the editable version.",
    "order": "1",
}


def test_an_admin_attaches_a_resource_and_coordinators_see_it(
    admin_client, coordinator_client, task_force, mou
):
    response = _admin_post(admin_client, mou, [MODEL_MOU])
    assert response.status_code == 302
    html = coordinator_client.get(reverse("assessments:task_force", args=[task_force.slug]))
    html = html.content.decode()
    link = '<a class="text-break" href="https://state.example/model-mou" rel="noopener noreferrer">'
    # In the milestone's row and in its priority entry (not achieved yet).
    assert html.count(link + "Model MOU (state program)</a>") == 2
    assert "Ask the program office for the editable version." in html
    edit = coordinator_client.get(
        reverse("assessments:milestone_edit", args=[task_force.slug, mou.slug])
    )
    assert "Model MOU (state program)" in edit.content.decode()


def test_partners_see_only_public_resources(admin_client, task_force, mou, partner_page):
    _admin_post(
        admin_client,
        mou,
        [
            MODEL_MOU,
            {"title": "Call Dana at the state office", "note": "Mondays.", "order": "2"},
        ],
    )
    MilestoneResource.objects.filter(title__startswith="Model MOU").update(public=True)
    # update() sends no signal: the admin's own save is the path tested below.
    MilestoneResource.objects.get(title__startswith="Call Dana").save()
    html = Client().get(partner_page).content.decode()
    assert "Model MOU (state program)" in html
    assert "Call Dana" not in html


def test_a_cached_partner_page_shows_an_admin_edit_at_once(
    admin_client, task_force, mou, partner_page
):
    before = Client().get(partner_page).content.decode()
    assert "Model MOU" not in before
    _admin_post(admin_client, mou, [{**MODEL_MOU, "public": "on"}])
    assert "Model MOU (state program)" in Client().get(partner_page).content.decode()


def test_a_deleted_resource_leaves_the_cached_partner_page(task_force, mou, partner_page):
    resource = MilestoneResource.objects.create(
        milestone=mou, title="Toolkit", url="https://example.org/toolkit", public=True
    )
    assert "Toolkit" in Client().get(partner_page).content.decode()
    resource.delete()
    assert "Toolkit" not in Client().get(partner_page).content.decode()


def test_an_achieved_milestone_keeps_its_resources_off_the_priorities(
    coordinator_client, task_force, mou
):
    MilestoneResource.objects.create(milestone=mou, title="Toolkit", url="https://example.org/t")
    MilestoneStatus.objects.create(task_force=task_force, milestone=mou, status="achieved")
    html = coordinator_client.get(reverse("assessments:task_force", args=[task_force.slug]))
    assert html.content.decode().count(">Toolkit</a>") == 1


def test_a_resource_with_neither_address_nor_note_is_refused(mou):
    with pytest.raises(IntegrityError), transaction.atomic():
        MilestoneResource.objects.create(milestone=mou, title="Nothing")


def test_the_admin_refuses_a_script_address(admin_client, mou):
    response = _admin_post(
        admin_client, mou, [{**MODEL_MOU, "url": "javascript:alert(document.cookie)"}]
    )
    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not MilestoneResource.objects.exists()


def test_the_task_force_page_reads_resources_in_one_query(
    coordinator_client, task_force, guidance, django_assert_num_queries
):
    url = reverse("assessments:task_force", args=[task_force.slug])
    coordinator_client.get(url)
    with django_assert_num_queries(19):
        coordinator_client.get(url)
    for milestone in Milestone.objects.all()[:10]:
        MilestoneResource.objects.create(
            milestone=milestone, title=f"Guide {milestone.pk}", url="https://example.org/guide"
        )
    coordinator_client.get(url)
    with django_assert_num_queries(19):
        response = coordinator_client.get(url)
    assert response.content.decode().count(">Guide ") >= 10
