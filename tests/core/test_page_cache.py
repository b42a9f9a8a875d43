"""Cached page parts never show an old status: every change that a page shows
moves the task force's revision, which keys the cache."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from assessments.core import page_cache, services
from assessments.models import Area, Status, TaskForce
from stages.models import Milestone
from tests.factories import PartnerLinkFactory

TOKEN = "cache-token-0123456789abcdefghijklmnopqrstuv"


@pytest.fixture
def link(guidance, task_force):
    return PartnerLinkFactory(task_force=task_force, token=TOKEN)


def _partner():
    return Client().get(f"/p/{TOKEN}/").content.decode()


def _set(task_force, coordinator, slug, status):
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug=slug),
        status=status,
        user=coordinator,
    )


def test_partner_page_shows_a_save_at_once(link, task_force, coordinator):
    assert "0 of 28</strong> milestones achieved" in _partner()
    assert "0 of 28</strong> milestones achieved" in _partner()  # served from the cache
    _set(task_force, coordinator, "task-force-mou", Status.ACHIEVED)
    assert "1 of 28</strong> milestones achieved" in _partner()


def test_partner_page_shows_a_confirmation_and_a_lapse_at_once(link, task_force, coordinator):
    _set(task_force, coordinator, "task-force-mou", Status.ACHIEVED)
    assert "Achieved since" in _partner()
    _set(task_force, coordinator, "task-force-mou", Status.LAPSED)
    assert "Lapsed since" in _partner()


def test_partner_page_shows_guidance_edits_at_once(link, admin_user):
    milestone = Milestone.objects.get(slug="youth-voice")
    assert milestone.description in _partner()
    admin = Client()
    admin.force_login(admin_user)
    admin.post(
        reverse("admin:stages_milestone_change", args=[milestone.pk]),
        {
            "stage": milestone.stage_id,
            "name": milestone.name,
            "order": milestone.order,
            "description": "A youth advisory board, renewed yearly.",
            "is_active": "on",
            # The resources inline (stages/admin.py), left empty.
            "resources-TOTAL_FORMS": "0",
            "resources-INITIAL_FORMS": "0",
        },
    )
    assert "A youth advisory board, renewed yearly." in _partner()


def test_partner_page_shows_task_force_and_area_edits_at_once(link, task_force):
    area = Area.objects.create(name="Lane County", state="OR")
    task_force.areas.add(area)
    task_force.save()  # as the admin does, after which it sets the areas
    assert "Lane County" in _partner()
    area.name = "Lane County (all cities)"
    area.save()
    assert "Lane County (all cities)" in _partner()
    task_force.name = "Lane Task Force"
    task_force.save()
    assert "Lane Task Force" in _partner()


def test_a_revoked_link_is_refused_even_with_its_page_cached(link, task_force):
    _partner()
    services.partner_link_revoke(link=link)
    assert Client().get(f"/p/{TOKEN}/").status_code == 404


def test_gaps_show_a_save_at_once(guidance, task_force, coordinator, staff_user):
    client = Client()
    client.force_login(staff_user)

    def achieved():
        gaps = client.get(reverse("assessments:gaps")).context["gaps"]
        return next(g for g in gaps if g.milestone.slug == "task-force-mou").achieved

    assert achieved() == 0
    assert achieved() == 0
    _set(task_force, coordinator, "task-force-mou", Status.ACHIEVED)
    assert achieved() == 1


def test_dashboard_cards_show_a_save_at_once(guidance, task_force, coordinator, coordinator_client):
    url = reverse("assessments:dashboard")
    assert "0 of 28 achieved" in coordinator_client.get(url).content.decode()
    _set(task_force, coordinator, "task-force-mou", Status.ACHIEVED)
    assert "1 of 28 achieved" in coordinator_client.get(url).content.decode()


def test_cached_parts_expire_with_the_day(task_force):
    calls = []

    def build():
        calls.append(1)
        return "html"

    today = datetime.date(2026, 11, 28)
    for day in (today, today, today + datetime.timedelta(days=1)):
        page_cache.cached(
            page_cache.fragment_key("x", task_force.pk, task_force.revision, day), build
        )
    assert len(calls) == 2


def test_every_kind_of_change_moves_the_revision(guidance, task_force, coordinator):
    def revision():
        return TaskForce.objects.get(pk=task_force.pk).revision

    steps = [
        lambda: _set(task_force, coordinator, "treatment", Status.ACHIEVED),
        lambda: services.milestone_confirm(
            task_force=task_force,
            milestone=Milestone.objects.get(slug="treatment"),
            user=coordinator,
        ),
        lambda: Milestone.objects.get(slug="treatment").save(),
        lambda: TaskForce.objects.get(pk=task_force.pk).save(),
    ]
    for step in steps:
        before = revision()
        step()
        assert revision() > before


def test_dashboard_shows_a_task_force_the_moment_its_coordinator_is_added(
    guidance, task_force, coordinator_client, coordinator
):
    url = reverse("assessments:dashboard")
    other = TaskForce.objects.create(name="Lane Task Force", slug="lane")
    assert "Lane Task Force" not in coordinator_client.get(url).content.decode()
    other.coordinators.add(coordinator)  # no save: only the visible rows change
    assert "Lane Task Force" in coordinator_client.get(url).content.decode()


def test_dashboard_shows_a_new_task_force_and_a_rename_at_once(guidance, task_force, staff_user):
    client = Client()
    client.force_login(staff_user)
    url = reverse("assessments:dashboard")
    assert "1 task force." in client.get(url).content.decode()
    TaskForce.objects.create(name="Lane Task Force", slug="lane")
    html = client.get(url).content.decode()
    assert "2 task forces." in html and "Lane Task Force" in html
    task_force.name = "Aaa Task Force"
    task_force.save()
    html = client.get(url).content.decode()
    assert html.index("Aaa Task Force") < html.index("Lane Task Force")


def test_dashboard_list_is_not_shared_between_users_who_may_do_different_things(world, staff_user):
    # Staff and a program manager see the same task forces, but only staff
    # may import: the cached list must not carry one's links to the other.
    url = reverse("assessments:dashboard")
    staff = Client()
    staff.force_login(staff_user)
    assert "Import from a spreadsheet" in staff.get(url).content.decode()
    manager = Client()
    manager.force_login(world["users"]["program_manager"])
    html = manager.get(url).content.decode()
    assert world["own"].name in html
    assert "Import from a spreadsheet" not in html


def test_the_partner_page_never_caches_what_was_for_one_visitor(
    link, task_force, coordinator, settings
):
    # A coordinator whose session has expired opens the partner link: their
    # page says why they were logged out.
    expired = Client()
    expired.force_login(coordinator)
    session = expired.session
    session["session_last_seen"] = 0
    session.save()
    html = expired.get(f"/p/{TOKEN}/").content.decode()
    assert "You were logged out because your session expired" in html
    # The next visitor, a partner, sees no message and no one's menu.
    html = _partner()
    assert "logged out" not in html
    assert coordinator.get_username() not in html
    assert "0 of 28</strong> milestones achieved" in html


def test_deleting_a_county_moves_its_task_forces_on(link, task_force):
    area = Area.objects.create(name="Linn County", state="OR")
    task_force.areas.add(area)
    assert "Linn County" in _partner()
    area.delete()
    assert "Linn County" not in _partner()


def test_counties_added_or_removed_outside_the_admin_show_at_once(link, task_force):
    lane = Area.objects.create(name="Lane County", state="OR")
    assert "Lane County" not in _partner()
    task_force.areas.add(lane)  # no save of the task force
    assert "Lane County" in _partner()
    task_force.areas.remove(lane)
    assert "Lane County" not in _partner()
    lane.task_forces.add(task_force)  # from the other side
    assert "Lane County" in _partner()
    lane.task_forces.clear()
    assert "Lane County" not in _partner()
    task_force.areas.add(lane)
    task_force.areas.clear()
    assert "Lane County" not in _partner()


def test_a_partial_save_of_a_task_force_moves_its_revision(link, task_force):
    assert task_force.name in _partner()
    task_force.name = "Renamed With Update Fields"
    task_force.save(update_fields=["name"])
    assert "Renamed With Update Fields" in _partner()


def test_renames_by_load_counties_show_at_once(link, task_force):
    from assessments.management.commands.load_counties import County, sync_counties

    area = Area.objects.create(name="Old Name County", state="OR", fips="41039")
    task_force.areas.add(area)
    assert "Old Name County" in _partner()
    result = sync_counties([("OR", County(fips="41039", name="Lane County"))])
    assert [area.name for _, area in result.updated] == ["Lane County"]
    html = _partner()
    assert "Lane County" in html and "Old Name County" not in html


def test_loading_the_stages_fixture_shows_the_guidance_text_at_once(link):
    from django.core.management import call_command

    milestone = Milestone.objects.get(slug="youth-voice")
    original = milestone.description
    Milestone.objects.filter(pk=milestone.pk).update(description="Edited by hand")
    page_cache.bump_all()
    assert "Edited by hand" in _partner()
    call_command("loaddata", "stages", verbosity=0)  # the reset in docs/user-guide/admins.md
    html = _partner()
    assert original in html and "Edited by hand" not in html
