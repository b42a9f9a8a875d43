"""Partner links: created and revoked by coordinators, read-only for partners."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import MilestoneStatus, PartnerLink, Status, hash_token
from stages.models import Milestone
from tests.factories import MilestoneStatusFactory, PartnerLinkFactory, TaskForceFactory

TOKEN = "partner-token-for-tests-0123456789abcdefghijkl"


def _partner_url(token=TOKEN):
    return reverse("assessments:partner", args=[token])


@pytest.fixture
def link(task_force):
    return PartnerLinkFactory(task_force=task_force, token=TOKEN)


@pytest.fixture
def recorded(guidance, task_force):
    return MilestoneStatusFactory(
        task_force=task_force,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        status=Status.ACHIEVED,
        notes="Sheriff still has not countersigned.",
        lead_partner="County Health",
    )


def test_partner_page_shows_progress_without_notes_or_edit_controls(client, link, recorded):
    response = client.get(_partner_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert link.task_force.name in html
    assert "1 of 28</strong> milestones achieved" in html
    assert "Task Force MOU" in html and "Achieved" in html
    assert "County Health" in html
    assert "Sheriff still has not countersigned." not in html
    assert "<form" not in html
    assert "/milestones/" not in html  # no link to an edit form
    assert "Updated" not in html  # nor who changed what
    assert "Share with partners" not in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_partner_page_refuses_a_post(client, link, recorded):
    assert client.post(_partner_url(), {"status": "lapsed"}).status_code == 405
    recorded.refresh_from_db()
    assert recorded.status == Status.ACHIEVED


def test_a_wrong_link_gives_404(client, link, guidance):
    assert client.get(_partner_url("not-the-token")).status_code == 404


def test_a_revoked_link_gives_404(client, link, guidance):
    link.revoked_at = timezone.now()
    link.save()
    assert client.get(_partner_url()).status_code == 404


def test_an_expired_link_gives_404_and_works_on_its_last_day(client, link, guidance):
    link.expires_on = timezone.localdate()
    link.save()
    assert client.get(_partner_url()).status_code == 200
    link.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    link.save()
    assert client.get(_partner_url()).status_code == 404


def test_each_visit_is_counted_and_reloads_within_a_minute_are_one_visit(client, link, guidance):
    client.get(_partner_url())
    client.get(_partner_url())
    link.refresh_from_db()
    assert link.use_count == 1
    first = link.last_used_at
    assert first is not None
    # A minute later it is a new visit.
    PartnerLink.objects.filter(pk=link.pk).update(
        last_used_at=first - PartnerLink.VISIT_GAP - datetime.timedelta(seconds=1)
    )
    client.get(_partner_url())
    link.refresh_from_db()
    assert link.use_count == 2
    assert link.last_used_at > first


def test_a_link_checkers_head_gets_200_without_a_body_and_is_not_a_visit(client, link, guidance):
    response = client.head(_partner_url())
    assert (response.status_code, response.content) == (200, b"")
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    link.refresh_from_db()
    assert (link.use_count, link.last_used_at) == (0, None)


def test_coordinator_creates_a_link_that_is_shown_once_and_stored_hashed(
    guidance, task_force, coordinator, coordinator_client, client
):
    url = reverse("assessments:sharing", args=[task_force.slug])
    response = coordinator_client.post(url, {"label": "County Health Department"})
    assert response.status_code == 201
    shown = response.context["url"]
    token = shown.rstrip("/").rsplit("/", 1)[-1]
    assert len(token) >= 40
    assert shown in response.content.decode()
    link = PartnerLink.objects.get()
    assert link.task_force == task_force
    assert link.created_by == coordinator
    assert link.token_hash == hash_token(token)
    assert token not in link.token_hash
    # The sharing page lists the link but never shows the token again.
    listing = coordinator_client.get(url).content.decode()
    assert "County Health Department" in listing
    assert token not in listing
    # The link works for someone without an account.
    client.logout()
    assert client.get(shown).status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"label": ""}, "label"),
        ({"label": "x" * 101}, "label"),
        ({"label": "Health", "expires_on": "2000-01-01"}, "expires_on"),
        ({"label": "Health", "expires_on": "next week"}, "expires_on"),
    ],
)
def test_an_invalid_link_request_creates_nothing(
    guidance, task_force, coordinator_client, data, field
):
    url = reverse("assessments:sharing", args=[task_force.slug])
    response = coordinator_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not PartnerLink.objects.exists()


def test_coordinator_revokes_a_link_and_the_partner_gets_404(
    coordinator_client, client, link, task_force, guidance
):
    assert client.get(_partner_url()).status_code == 200
    revoke = reverse("assessments:partner_link_revoke", args=[task_force.slug, link.pk])
    # The sharing page links to a confirmation naming the partner; opening
    # it changes nothing.
    sharing = coordinator_client.get(reverse("assessments:sharing", args=[task_force.slug]))
    assert f'href="{revoke}"' in sharing.content.decode()
    confirm = coordinator_client.get(revoke)
    assert confirm.status_code == 200
    assert "Revoke the link for County Health Department?" in confirm.content.decode()
    assert "This cannot be undone" in confirm.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is None
    assert client.get(_partner_url()).status_code == 200
    response = coordinator_client.post(revoke, follow=True)
    assert "Revoked the link for County Health Department" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert client.get(_partner_url()).status_code == 404


def test_revoking_a_revoked_link_again_changes_nothing(coordinator_client, link, task_force):
    revoke = reverse("assessments:partner_link_revoke", args=[task_force.slug, link.pk])
    coordinator_client.post(revoke)
    link.refresh_from_db()
    first = link.revoked_at
    response = coordinator_client.get(revoke, follow=True)
    assert "was already revoked" in response.content.decode()
    coordinator_client.post(revoke)
    link.refresh_from_db()
    assert link.revoked_at == first


def test_coordinator_cannot_see_or_revoke_another_task_forces_links(coordinator_client, guidance):
    other_link = PartnerLinkFactory(task_force=TaskForceFactory(), token="other-token")
    other = other_link.task_force
    assert (
        coordinator_client.get(reverse("assessments:sharing", args=[other.slug])).status_code == 404
    )
    assert (
        coordinator_client.post(reverse("assessments:sharing", args=[other.slug]), {"label": "x"})
    ).status_code == 404
    revoke = reverse("assessments:partner_link_revoke", args=[other.slug, other_link.pk])
    assert coordinator_client.post(revoke).status_code == 404
    other_link.refresh_from_db()
    assert other_link.revoked_at is None
    assert PartnerLink.objects.count() == 1


def test_a_link_id_from_another_task_force_is_404_even_in_your_own_url(
    coordinator_client, task_force, guidance
):
    other_link = PartnerLinkFactory(task_force=TaskForceFactory(), token="other-token")
    revoke = reverse("assessments:partner_link_revoke", args=[task_force.slug, other_link.pk])
    assert coordinator_client.post(revoke).status_code == 404
    other_link.refresh_from_db()
    assert other_link.revoked_at is None


def test_anonymous_cannot_manage_links(client, task_force, link, guidance):
    sharing = reverse("assessments:sharing", args=[task_force.slug])
    assert client.get(sharing).status_code == 302
    assert client.post(sharing, {"label": "x"}).status_code == 302
    revoke = reverse("assessments:partner_link_revoke", args=[task_force.slug, link.pk])
    assert client.post(revoke).status_code == 302
    assert PartnerLink.objects.count() == 1
    link.refresh_from_db()
    assert link.revoked_at is None


def test_an_admins_change_to_a_milestone_description_shows_on_the_partner_page(
    client, admin_user, link, guidance
):
    milestone = Milestone.objects.get(slug="youth-voice")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:stages_milestone_change", args=[milestone.pk]),
        {
            "stage": milestone.stage_id,
            "name": milestone.name,
            "order": milestone.order,
            "description": "Youth advisory board meets monthly with the task force.",
            "is_active": "on",
            # The resources inline (stages/admin.py), left empty.
            "resources-TOTAL_FORMS": "0",
            "resources-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    html = client.get(_partner_url()).content.decode()
    assert "Youth advisory board meets monthly with the task force." in html


def test_partner_page_query_count_is_bounded(client, link, guidance, django_assert_max_num_queries):
    for milestone in Milestone.objects.all():
        MilestoneStatus.objects.create(
            task_force=link.task_force, milestone=milestone, status=Status.PLANNING
        )
    # 13: one of them reads the agencies shown from the partner register, one
    # the documents shared with partners.
    # 14: one of them the milestones' resources (stages.MilestoneResource).
    with django_assert_max_num_queries(14):
        assert client.get(_partner_url()).status_code == 200
