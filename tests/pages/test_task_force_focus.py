"""The task force page's focused view: what needs something open, achieved
milestones with nothing due folded per stage under a count; ?show=all opens
every one. And what an in-place save says and leaves where it was."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.core import services
from assessments.models import MilestoneStatus, Status
from stages.models import Milestone
from tests.factories import MilestoneStatusFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
MOU = "task-force-mou"


def _url(task_force, query=""):
    return reverse("assessments:task_force", args=[task_force.slug]) + query


def _edit_url(task_force, slug=MOU):
    return reverse("assessments:milestone_edit", args=[task_force.slug, slug])


def _folds(html):
    """{stage slug: (summary text, milestone slugs inside)} of the folded groups."""
    folds = {}
    for stage, body in re.findall(
        r'<details class="folded-milestones[^"]*" id="achieved-([\w-]+)">(.*?)</details>',
        html,
        re.S,
    ):
        summary = re.search(r"<summary.*?</summary>", body, re.S).group(0)
        text = " ".join(re.sub(r"<[^>]+>", "", summary).split())
        folds[stage] = (
            text,
            re.findall(r'<li class="[^"]*milestone" id="milestone-([\w-]+)"', body),
        )
    return folds


def _open_rows(html):
    """The milestone rows outside every fold."""
    outside = re.sub(r'<details class="folded-milestones.*?</details>', "", html, flags=re.S)
    return re.findall(r'<li class="[^"]*milestone" id="milestone-([\w-]+)"', outside)


@pytest.fixture
def achieved_mix(guidance, task_force):
    """Foundation: 3 achieved lately, 1 achieved long ago (review due), 1 in
    progress past its target date; the rest not started."""
    now = timezone.now()
    foundation = list(Milestone.objects.filter(stage__slug="foundation").order_by("order"))
    for milestone in foundation[:3]:
        MilestoneStatusFactory(task_force=task_force, milestone=milestone, status_since=now)
    MilestoneStatusFactory(
        task_force=task_force,
        milestone=foundation[3],
        status_since=now - datetime.timedelta(days=400),
    )
    MilestoneStatusFactory(
        task_force=task_force,
        milestone=foundation[4],
        status=Status.IN_PROGRESS,
        status_since=now,
        target_date=timezone.localdate() - datetime.timedelta(days=3),
    )
    return foundation


def test_focused_view_folds_achieved_milestones_with_nothing_due_under_a_count(
    achieved_mix, task_force, coordinator_client
):
    html = coordinator_client.get(_url(task_force)).content.decode()
    folds = _folds(html)
    assert list(folds) == ["foundation"]  # no fold where nothing is achieved
    text, inside = folds["foundation"]
    assert text == "3 achieved milestones in Foundation, nothing due"
    assert inside == [m.slug for m in achieved_mix[:3]]
    open_rows = _open_rows(html)
    # Review due and overdue stay open, in the guidance's order, as does every other one.
    assert open_rows[:2] == [achieved_mix[3].slug, achieved_mix[4].slug]
    assert len(open_rows) == 25
    assert "3 achieved milestones with nothing due are folded under their stage" in html
    assert f'href="{_url(task_force)}?show=all#milestone-view">Show every milestone</a>' in html
    # The stage count still counts every achieved one.
    assert 'id="stage-count-foundation">4 of 11 achieved' in html


def test_show_all_opens_every_milestone(achieved_mix, task_force, coordinator_client):
    html = coordinator_client.get(_url(task_force, "?show=all")).content.decode()
    assert _folds(html) == {}
    assert len(_open_rows(html)) == 28
    assert f'href="{_url(task_force)}#milestone-view">Show only what needs something</a>' in html


def test_a_stage_with_everything_achieved_says_nothing_needs_anything(
    guidance, task_force, coordinator_client
):
    for milestone in Milestone.objects.filter(stage__slug="sustainability"):
        MilestoneStatusFactory(task_force=task_force, milestone=milestone)
    html = coordinator_client.get(_url(task_force)).content.decode()
    assert "Nothing in this stage needs anything now." in html
    assert _folds(html)["sustainability"][0].startswith("6 achieved milestones")


def test_the_jump_list_links_to_every_milestone_folded_or_not(
    achieved_mix, task_force, coordinator_client
):
    html = coordinator_client.get(_url(task_force)).content.decode()
    jump = re.search(r'<nav id="jump-list".*?</nav>', html, re.S).group(0)
    links = re.findall(r'href="#milestone-([\w-]+)"', jump)
    assert len(links) == 28
    assert achieved_mix[0].slug in links  # folded: site.js opens its fold
    # The folded rows keep their ids and status forms, so a link and a save reach them.
    assert f'id="milestone-{achieved_mix[0].slug}"' in html
    assert f'id="status-{achieved_mix[0].slug}"' in html


def test_both_views_cost_the_same_queries(
    achieved_mix, task_force, coordinator_client, django_assert_max_num_queries
):
    # The pin of tests/pages/test_task_force_page.py: folding reads nothing more.
    for query in ("", "?show=all"):
        with django_assert_max_num_queries(19):
            assert coordinator_client.get(_url(task_force, query)).status_code == 200


def test_the_partner_page_keeps_every_milestone_open(achieved_mix, task_force, client):
    from tests.factories import PartnerLinkFactory

    PartnerLinkFactory(task_force=task_force, token="focus-partner-token")
    html = client.get(reverse("assessments:partner", args=["focus-partner-token"])).content
    html = html.decode()
    assert "folded-milestones" not in html
    assert len(_open_rows(html)) == 28


def test_a_row_that_becomes_achieved_is_answered_in_place_with_the_stage_count(
    guidance, task_force, coordinator_client
):
    response = coordinator_client.post(
        _edit_url(task_force),
        {"status": "achieved", "version": 0, "lead_partner": "", "target_date": "", "notes": ""},
        **HTMX,
    )
    html = response.content.decode()
    # The reply is the row itself (swapped where it stands), not hidden or moved to a fold.
    assert html.lstrip().startswith(f'<li class="list-group-item milestone" id="milestone-{MOU}"')
    assert "hidden" not in html.split(">", 1)[0]
    assert "folded-milestones" not in html
    assert 'id="stage-count-foundation" hx-swap-oob="true">1 of 11 achieved' in html


def _save(client, task_force, **values):
    record = MilestoneStatus.objects.filter(milestone__slug=MOU).first()
    data = {
        "status": record.status if record else "not_started",
        "version": record.version if record else 0,
        "lead_partner": record.lead_partner if record else "",
        "target_date": record.target_date.isoformat() if record and record.target_date else "",
        "notes": record.notes if record else "",
    }
    data.update(values)
    return client.post(_edit_url(task_force), data, **HTMX).content.decode()


@pytest.fixture
def planning(guidance, task_force, coordinator):
    return services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug=MOU),
        status=Status.PLANNING,
        user=coordinator,
    )


def test_saving_only_a_target_date_says_the_date_not_the_status(
    planning, task_force, coordinator_client
):
    html = _save(coordinator_client, task_force, target_date="2027-03-15")
    assert "Saved: target date 15 Mar 2027 for Task Force MOU." in html
    assert "is now planning" not in html


def test_saving_only_a_lead_partner_or_notes_says_which(planning, task_force, coordinator_client):
    html = _save(coordinator_client, task_force, lead_partner="County Health")
    assert "Saved: lead partner County Health for Task Force MOU." in html
    html = _save(coordinator_client, task_force, notes="Draft with the sheriff.")
    assert "Saved: notes for Task Force MOU." in html
    assert "Draft with the sheriff." not in html.split('role="status"')[1].split("</div>")[0]
    html = _save(coordinator_client, task_force, target_date="2027-03-15", lead_partner="")
    assert "Saved: target date 15 Mar 2027 and lead partner removed for Task Force MOU." in html


def test_a_status_change_still_says_the_status_and_lists_the_rest(
    planning, task_force, coordinator_client
):
    html = _save(coordinator_client, task_force, status="in_progress")
    assert "Saved: Task Force MOU is now in progress." in html
    html = _save(coordinator_client, task_force, status="achieved", target_date="2027-03-15")
    assert "Saved: Task Force MOU is now achieved, with target date 15 Mar 2027." in html


def test_a_save_that_changes_nothing_says_so(planning, task_force, coordinator_client):
    html = _save(coordinator_client, task_force)
    assert "Nothing to save: Task Force MOU was already as shown." in html


def test_the_full_edit_page_says_what_changed_too(planning, task_force, coordinator_client):
    data = {
        "status": "planning",
        "version": planning.version,
        "lead_partner": "",
        "target_date": "2027-03-15",
        "notes": "",
    }
    response = coordinator_client.post(_edit_url(task_force), data, follow=True)
    assert "Saved: target date 15 Mar 2027 for Task Force MOU." in response.content.decode()
