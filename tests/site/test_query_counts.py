"""No page's query count grows with the number of task forces (3 vs 30)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.core import services
from assessments.models import ImportBatch, Status, TaskForce
from stages.models import Milestone
from tests.factories import PartnerLinkFactory, TaskForceFactory, UserFactory

PAGES = {
    "dashboard": lambda tf: "/",
    "task_force": lambda tf: f"/task-forces/{tf.slug}/",
    "edit": lambda tf: f"/task-forces/{tf.slug}/milestones/task-force-mou/",
    "partner": lambda tf: "/p/query-count-token/",
    "matrix": lambda tf: "/overview/",
    "matrix_by_progress": lambda tf: "/overview/?sort=progress",
    "gaps": lambda tf: "/overview/gaps/",
    "history": lambda tf: f"/task-forces/{tf.slug}/history/",
    "trend": lambda tf: f"/task-forces/{tf.slug}/trend/",
    "statewide_trend": lambda tf: "/trend/",
    "export": lambda tf: f"/task-forces/{tf.slug}/export/statuses.csv",
    "export_all": lambda tf: "/export/statuses.csv",
    "report": lambda tf: f"/task-forces/{tf.slug}/report/",
    "statewide_report": lambda tf: "/overview/report/",
    # Every task force made here is in the factory's region: the appendix
    # grows from 3 sections to 30 on the same queries.
    "statewide_report_region": lambda tf: "/overview/report/?region=Willamette+Valley",
}


def _add(count, user):
    milestones = list(Milestone.objects.all()[:4])
    for task_force in TaskForceFactory.create_batch(count):
        for milestone, status in zip(
            milestones,
            [Status.ACHIEVED, Status.LAPSED, Status.PLANNING, Status.IN_PROGRESS],
            strict=True,
        ):
            services.milestone_status_update(
                task_force=task_force, milestone=milestone, status=status, user=user
            )


def _count(client, url):
    # Once to warm what is cached, then the steady state.
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("page", PAGES)
def test_query_count_is_the_same_for_3_and_30_task_forces(
    guidance, page, django_assert_max_num_queries
):
    staff = UserFactory(is_staff=True)
    _add(3, staff)
    measured = TaskForce.objects.order_by("pk").first()
    PartnerLinkFactory(task_force=measured, token="query-count-token")
    client = Client()
    client.force_login(staff)
    url = PAGES[page](measured)
    few = _count(client, url)
    _add(27, staff)
    many = _count(client, url)
    assert many <= 16, (page, many)
    assert few == many, (page, few, many)


@pytest.mark.parametrize("in_place", [False, True], ids=["page", "in_place"])
@pytest.mark.parametrize("first_save", [True, False], ids=["new_record", "existing_record"])
def test_a_status_save_takes_at_most_12_queries_17_in_place_on_a_register_milestone(
    guidance, task_force, coordinator, in_place, first_save, django_assert_max_num_queries
):
    # 24 (page) and 28 (in place) before the save took one guard and the
    # in-place reply stopped rebuilding the board from the database.
    milestone = Milestone.objects.get(slug="task-force-mou")
    version = 0
    if not first_save:
        version = services.milestone_status_update(
            task_force=task_force, milestone=milestone, status=Status.PLANNING, user=coordinator
        ).version
    client = Client()
    client.force_login(coordinator)
    data = {"status": "achieved", "version": version, "lead_partner": "", "notes": ""}
    headers = {"HTTP_HX_REQUEST": "true"} if in_place else {}
    url = f"/task-forces/{task_force.slug}/milestones/{milestone.slug}/"
    # In place, a milestone the partner register informs (this one) reads
    # the register too (agencies, sectors), for its hint and flag, and the
    # row its evidence (one query), and the milestones their resources (one).
    # Either way one query marks the task force's not-started review cycle
    # submissions in progress.
    with django_assert_max_num_queries(17 if in_place else 12):
        response = client.post(url, data, **headers)
    assert response.status_code == (200 if in_place else 302)
    assert task_force.statuses.get().status == Status.ACHIEVED


def _import_queries(client) -> tuple[int, int]:
    """Queries to check and to apply an import of every status of every task
    force, eight of each changed (so that even on SQLite, whose queries take
    at most 999 parameters, each bulk write is one batch)."""
    exported = client.get(reverse("assessments:export_statuses", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    for n, row in enumerate(rows):
        if n % 28 < 8:
            row["status"] = "achieved" if row["status"] != "achieved" else "in_progress"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("statuses.csv", buffer.getvalue().encode())
    with CaptureQueriesContext(connection) as check:
        assert client.post(reverse("assessments:import"), {"file": upload}).status_code == 302
    batch = ImportBatch.objects.latest("pk")
    assert batch.planned.count() == len(rows) * 8 // 28
    with CaptureQueriesContext(connection) as apply:
        response = client.post(reverse("assessments:import_apply", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.applied_at is not None
    return len(check), len(apply)


def test_an_import_takes_the_same_queries_for_2_and_3_task_forces(guidance):
    # Two or more: an import of one task force ends on its page instead.
    staff = UserFactory(is_staff=True)
    _add(2, staff)
    client = Client()
    client.force_login(staff)
    few = _import_queries(client)
    _add(1, staff)
    many = _import_queries(client)
    assert few == many, (few, many)
    # Each step's request and its job, with the queue's own queries (about 8).
    assert max(many) <= 35, many
