"""Who reaches which evidence: downloads through the task force's access
rules only, 404 for anything of another task force (guessed ids included),
partners only what is shared, checks by program managers and staff."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from assessments.evidence import services as service
from assessments.models import TaskForce
from stages.models import Milestone
from tests.evidence_samples.make_samples import read
from tests.factories import EvidenceFactory, PartnerLinkFactory, TaskForceFactory, UserFactory


@pytest.fixture
def milestone(guidance):
    return Milestone.objects.get(slug="task-force-mou")


@pytest.fixture
def document(task_force, milestone):
    return EvidenceFactory(document=True, task_force=task_force, milestone=milestone)


@pytest.fixture
def manager(db):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Program managers"))
    return user


def _download(task_force, milestone, evidence_id):
    return reverse(
        "assessments:evidence_download", args=[task_force.slug, milestone.slug, evidence_id]
    )


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def test_download_is_an_attachment_that_no_browser_renders(coordinator_client, document):
    response = coordinator_client.get(
        _download(document.task_force, document.milestone, document.pk)
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == read("mou.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Signed MOU.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    # The signed-in pages' middleware adds its own no-cache directives.
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))


def test_program_manager_downloads_any_task_forces_evidence(manager, document):
    response = _as(manager).get(_download(document.task_force, document.milestone, document.pk))
    assert response.status_code == 200


def test_coordinator_of_another_task_force_gets_404(document, milestone):
    other = TaskForceFactory()
    stranger = UserFactory()
    other.coordinators.add(stranger)
    client = _as(stranger)
    assert client.get(_download(document.task_force, milestone, document.pk)).status_code == 404
    # Their own task force's slug with the other's file id: still 404.
    assert client.get(_download(other, milestone, document.pk)).status_code == 404


def test_a_file_requested_under_another_task_forces_slug_is_404(staff_user, document, milestone):
    # Staff read both task forces: the file still belongs to one only.
    other = TaskForceFactory()
    client = _as(staff_user)
    assert client.get(_download(other, milestone, document.pk)).status_code == 404
    wrong_milestone = Milestone.objects.exclude(pk=milestone.pk).first()
    assert (
        client.get(_download(document.task_force, wrong_milestone, document.pk)).status_code == 404
    )


def test_guessed_ids_are_404(coordinator_client, task_force, milestone, document):
    for guess in [document.pk + 1, document.pk + 1000, 0, 2**31, 99999999999999999999]:
        assert coordinator_client.get(_download(task_force, milestone, guess)).status_code == 404


def test_a_link_has_no_download(coordinator_client, task_force, milestone):
    link = EvidenceFactory(task_force=task_force, milestone=milestone)
    assert coordinator_client.get(_download(task_force, milestone, link.pk)).status_code == 404


def test_removed_evidence_is_hidden_except_from_staff(
    coordinator_client, manager, staff_user, document
):
    service.evidence_remove(evidence=document, user=None)
    url = _download(document.task_force, document.milestone, document.pk)
    assert coordinator_client.get(url).status_code == 404
    assert _as(manager).get(url).status_code == 404
    assert _as(staff_user).get(url).status_code == 200
    page = reverse("assessments:evidence", args=[document.task_force.slug, document.milestone.slug])
    assert document.title not in coordinator_client.get(page).content.decode()
    staff_page = _as(staff_user).get(page).content.decode()
    assert document.title in staff_page and "Restore" in staff_page


def test_a_missing_file_is_404_not_500(coordinator_client, document, evidence_dir):
    (evidence_dir / document.file.name).unlink()
    url = _download(document.task_force, document.milestone, document.pk)
    assert coordinator_client.get(url).status_code == 404


# Partners ---------------------------------------------------------------------

TOKEN = "evidence-partner-token-0123456789abcdefghijklmno"


def _partner(token, evidence_id):
    return reverse("assessments:partner_evidence_download", args=[token, evidence_id])


def test_partner_downloads_a_shared_file_of_their_task_force(document):
    PartnerLinkFactory(task_force=document.task_force, token=TOKEN)
    service.evidence_share(evidence=document, shared=True, user=None)
    response = Client().get(_partner(TOKEN, document.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(response.streaming_content) == read("mou.pdf")


def test_partner_gets_404_for_what_is_not_shared(document):
    PartnerLinkFactory(task_force=document.task_force, token=TOKEN)
    assert Client().get(_partner(TOKEN, document.pk)).status_code == 404


def test_partner_link_of_another_task_force_gets_404(document, milestone):
    service.evidence_share(evidence=document, shared=True, user=None)
    other_token = "other-partner-token-0123456789abcdefghijklmnopq"
    PartnerLinkFactory(task_force=TaskForceFactory(), token=other_token)
    assert Client().get(_partner(other_token, document.pk)).status_code == 404
    # Guessed ids through a valid link: 404 too.
    for guess in [document.pk + 1, 0, 2**40]:
        assert Client().get(_partner(other_token, guess)).status_code == 404


def test_partner_gets_404_for_removed_shared_evidence_and_for_bad_links(document):
    link = PartnerLinkFactory(task_force=document.task_force, token=TOKEN)
    service.evidence_share(evidence=document, shared=True, user=None)
    service.evidence_remove(evidence=document, user=None)
    assert Client().get(_partner(TOKEN, document.pk)).status_code == 404
    service.evidence_restore(evidence=document, user=None)
    assert Client().get(_partner(TOKEN, document.pk)).status_code == 200
    assert Client().get(_partner("wrong-token-xyz", document.pk)).status_code == 404
    from django.utils import timezone

    link.revoked_at = timezone.now()
    link.save()
    assert Client().get(_partner(TOKEN, document.pk)).status_code == 404


# Checks -------------------------------------------------------------------------


def _check(task_force, milestone, evidence_id):
    return reverse(
        "assessments:evidence_check", args=[task_force.slug, milestone.slug, evidence_id]
    )


def test_program_manager_checks_evidence_and_the_page_says_so(manager, document):
    client = _as(manager)
    url = _check(document.task_force, document.milestone, document.pk)
    revision = TaskForce.objects.get(pk=document.task_force_id).revision
    assert client.post(url, {"checked": "1"}).status_code == 302
    document.refresh_from_db()
    assert document.checked_by == manager and document.checked_at is not None
    assert TaskForce.objects.get(pk=document.task_force_id).revision > revision
    page = reverse("assessments:evidence", args=[document.task_force.slug, document.milestone.slug])
    assert "Evidence checked on" in client.get(page).content.decode()
    assert client.post(url, {"checked": "0"}).status_code == 302
    document.refresh_from_db()
    assert document.checked_at is None
    assert list(document.changes.values_list("action", flat=True).order_by("pk")) == [
        "checked",
        "unchecked",
    ]


def test_coordinator_cannot_check_evidence(coordinator_client, document):
    url = _check(document.task_force, document.milestone, document.pk)
    assert coordinator_client.post(url, {"checked": "1"}).status_code == 403
    document.refresh_from_db()
    assert document.checked_at is None
    page = reverse("assessments:evidence", args=[document.task_force.slug, document.milestone.slug])
    assert "Mark checked" not in coordinator_client.get(page).content.decode()


def test_staff_check_evidence(staff_user, document):
    url = _check(document.task_force, document.milestone, document.pk)
    assert _as(staff_user).post(url, {"checked": "1"}).status_code == 302
    document.refresh_from_db()
    assert document.checked_by == staff_user


def test_program_manager_cannot_remove_or_share(manager, document):
    client = _as(manager)
    args = [document.task_force.slug, document.milestone.slug, document.pk]
    assert client.post(reverse("assessments:evidence_remove", args=args)).status_code == 403
    assert (
        client.post(reverse("assessments:evidence_share", args=args), {"shared": "1"}).status_code
        == 403
    )
    document.refresh_from_db()
    assert document.removed_at is None and not document.shared_with_partners


def test_only_staff_restore(coordinator_client, manager, staff_user, document):
    service.evidence_remove(evidence=document, user=None)
    args = [document.task_force.slug, document.milestone.slug, document.pk]
    url = reverse("assessments:evidence_restore", args=args)
    assert coordinator_client.post(url).status_code == 403
    assert _as(manager).post(url).status_code == 403
    document.refresh_from_db()
    assert document.removed_at is not None
    assert _as(staff_user).post(url).status_code == 302
    document.refresh_from_db()
    assert document.removed_at is None


# Query counts ---------------------------------------------------------------------


def _count(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["coordinator", "staff"])
def test_evidence_page_queries_do_not_grow_with_the_evidence(
    role, task_force, coordinator, staff_user, milestone, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _as(coordinator if role == "coordinator" else staff_user)
    url = reverse("assessments:evidence", args=[task_force.slug, milestone.slug])

    def add(count):
        for number in range(count):
            piece = EvidenceFactory(
                document=number % 2 == 0, task_force=task_force, milestone=milestone
            )
            service.evidence_check(evidence=piece, checked=True, user=staff_user)
            if number % 3 == 0:
                service.evidence_remove(evidence=piece, user=coordinator)

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add(2)
    few = count()
    add(20)
    assert count() == few
    _count(client, url, django_assert_max_num_queries, 12)
