"""The statewide summary stays a summary at national scale, and, kept in the
cache for those who see every task force, shows each change at once."""

from django.urls import reverse

from assessments.core import services
from assessments.models import Status, TaskForce
from assessments.statewide import reports
from stages.models import Milestone
from tests.factories import TaskForceFactory

URL = reverse("assessments:statewide_report")


def _achieve(task_force, slug="task-force-mou"):
    services.milestone_status_update(
        task_force=task_force,
        milestone=Milestone.objects.get(slug=slug),
        status=Status.ACHIEVED,
        user=None,
    )


def test_the_summary_lists_only_the_least_advanced_and_a_line_per_region(guidance):
    for n in range(reports.LEAST_IN_SUMMARY + 5):
        task_force = TaskForceFactory(name=f"County {n:02}", region="North" if n % 2 else "South")
        if n < 5:
            _achieve(task_force)
    summary = reports.statewide_summary(TaskForce.objects.all())
    assert summary["count"] == reports.LEAST_IN_SUMMARY + 5
    assert len(summary["rows"]) == reports.LEAST_IN_SUMMARY
    assert all(progress.achieved == 0 for _, progress in summary["rows"])
    assert [(r["name"], r["count"]) for r in summary["regions"]] == [("North", 12), ("South", 13)]
    # 3 of the 5 achievers are in the South (0, 2, 4): 3 x 4% (1 of 28) / 13.
    assert summary["regions"][1]["lowest"] == 0
    assert summary["regions"][1]["average"] == round(3 * 4 / 13)


def test_the_page_says_where_the_full_list_is(guidance, client, staff_user):
    TaskForceFactory.create_batch(reports.LEAST_IN_SUMMARY + 1, region="North")
    client.force_login(staff_user)
    html = client.get(URL).content.decode()
    assert f"The {reports.LEAST_IN_SUMMARY} task forces with the least progress" in html
    assert f"All {reports.LEAST_IN_SUMMARY + 1} are in the overview matrix" in html


def test_a_change_shows_at_once_though_the_summary_is_cached(guidance, client, staff_user):
    task_force = TaskForceFactory(name="Lane County", region="Valley")
    client.force_login(staff_user)
    assert client.get(URL).context["summary"]["working_stages"] == {"Foundation": 1}
    assert client.get(URL).context["summary"]["rows"][0][1].achieved == 0
    _achieve(task_force)
    assert client.get(URL).context["summary"]["rows"][0][1].achieved == 1
    TaskForceFactory(name="Benton County", region="Valley")
    assert client.get(URL).context["summary"]["count"] == 2


def test_a_coordinator_gets_a_summary_of_their_own_task_forces_only(guidance, coordinator_client):
    TaskForceFactory.create_batch(3)
    summary = coordinator_client.get(URL).context["summary"]
    assert summary["count"] == 1
