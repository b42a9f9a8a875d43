"""Evidence over time: soft removal, restoring within the retention period,
purging after it (file gone, record and history kept), the history of every
change, the revision bump of every write, and the question whether evidence
still holds when a status lapses or is confirmed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessments.core import services
from assessments.evidence import services as service
from assessments.models import Evidence, EvidenceChange, Status, TaskForce
from stages.models import Milestone
from tests.evidence_samples.make_samples import read
from tests.factories import EvidenceFactory


@pytest.fixture
def milestone(guidance):
    return Milestone.objects.get(slug="task-force-mou")


@pytest.fixture
def document(task_force, milestone, coordinator):
    return service.evidence_add_file(
        task_force=task_force,
        milestone=milestone,
        upload=SimpleUploadedFile("Signed MOU.pdf", read("mou.pdf")),
        title="Signed MOU",
        statement=True,
        user=coordinator,
    )


def _revision(task_force):
    return TaskForce.objects.get(pk=task_force.pk).revision


def _files(folder):
    return [path for path in folder.rglob("*") if path.is_file()]


def _actions(evidence):
    return list(evidence.changes.order_by("pk").values_list("action", flat=True))


def test_adding_records_who_and_when_in_the_history(document, coordinator, task_force):
    assert document.added_by == coordinator
    [change] = EvidenceChange.objects.all()
    assert (change.action, change.evidence_title, change.evidence_kind) == (
        "added",
        "Signed MOU",
        "file",
    )
    assert (change.task_force, change.milestone_id) == (task_force, document.milestone_id)
    assert (change.changed_by, change.changed_by_name) == (coordinator, coordinator.username)


def test_evidence_history_is_append_only(document):
    change = EvidenceChange.objects.get()
    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        change.delete()
    with pytest.raises(TypeError):
        EvidenceChange.objects.update(action="removed")
    with pytest.raises(TypeError):
        EvidenceChange.objects.all().delete()


@pytest.mark.parametrize(
    "write",
    [
        "add_file",
        "add_link",
        "remove",
        "restore",
        "check",
        "uncheck",
        "share",
        "unshare",
        "purge",
    ],
)
def test_every_write_bumps_the_revision_and_records_history(
    write, task_force, milestone, coordinator, staff_user
):
    piece = EvidenceFactory(document=True, task_force=task_force, milestone=milestone)
    now = timezone.now()
    # The state each write starts from.
    if write in ("restore", "purge"):
        service.evidence_remove(evidence=piece, user=coordinator, at=now)
    if write == "uncheck":
        service.evidence_check(evidence=piece, checked=True, user=staff_user)
    if write == "unshare":
        service.evidence_share(evidence=piece, shared=True, user=coordinator)
    before, history = _revision(task_force), EvidenceChange.objects.count()
    if write == "add_file":
        service.evidence_add_file(
            task_force=task_force,
            milestone=milestone,
            upload=SimpleUploadedFile("p.png", read("signature.png")),
            title="Signature page",
            statement=True,
            user=coordinator,
        )
    elif write == "add_link":
        service.evidence_add_link(
            task_force=task_force,
            milestone=milestone,
            url="https://example.org/protocol",
            title="Protocol",
            user=coordinator,
        )
    elif write == "remove":
        service.evidence_remove(evidence=piece, user=coordinator)
    elif write == "restore":
        service.evidence_restore(evidence=piece, user=staff_user)
    elif write in ("check", "uncheck"):
        service.evidence_check(evidence=piece, checked=write == "check", user=staff_user)
    elif write in ("share", "unshare"):
        service.evidence_share(evidence=piece, shared=write == "share", user=coordinator)
    else:
        assert service.evidence_purge_removed(now=now + datetime.timedelta(days=91)) == 1
    assert _revision(task_force) > before
    assert EvidenceChange.objects.count() == history + 1
    expected = {
        "add_file": "added",
        "add_link": "added",
        "remove": "removed",
        "restore": "restored",
        "check": "checked",
        "uncheck": "unchecked",
        "share": "shared",
        "unshare": "unshared",
        "purge": "purged",
    }[write]
    assert EvidenceChange.objects.order_by("-pk").first().action == expected


def test_removal_hides_keeps_and_restores(document, coordinator, staff_user, evidence_dir):
    removed = service.evidence_remove(evidence=document, user=coordinator)
    assert removed.removed_by == coordinator
    assert list(Evidence.objects.present()) == []
    assert list(Evidence.objects.removed()) == [document]
    assert len(_files(evidence_dir)) == 1  # the file is kept
    with pytest.raises(ValidationError):
        service.evidence_remove(evidence=document, user=coordinator)
    service.evidence_restore(evidence=document, user=staff_user)
    assert list(Evidence.objects.present()) == [document]
    assert _actions(document) == ["added", "removed", "restored"]


def test_restore_is_refused_after_the_retention_period(document, coordinator, staff_user):
    removed_at = timezone.now() - datetime.timedelta(days=91)
    service.evidence_remove(evidence=document, user=coordinator, at=removed_at)
    with pytest.raises(ValidationError, match="90 days"):
        service.evidence_restore(evidence=document, user=staff_user)
    # Within the period (an injected "now"), it would have worked.
    service.evidence_restore(
        evidence=document, user=staff_user, at=removed_at + datetime.timedelta(days=89)
    )


def test_purge_deletes_files_past_retention_and_keeps_the_record(
    document, task_force, milestone, coordinator, evidence_dir
):
    removed_at = timezone.now() - datetime.timedelta(days=10)
    service.evidence_remove(evidence=document, user=coordinator, at=removed_at)
    recent = EvidenceFactory(document=True, task_force=task_force, milestone=milestone)
    service.evidence_remove(evidence=recent, user=coordinator)
    kept = EvidenceFactory(document=True, task_force=task_force, milestone=milestone)
    assert len(_files(evidence_dir)) == 3

    # Not yet: 10 days is within the 90.
    assert service.evidence_purge_removed() == 0
    assert len(_files(evidence_dir)) == 3

    later = removed_at + datetime.timedelta(days=90, minutes=1)
    assert service.evidence_purge_removed(now=later) == 1
    document.refresh_from_db()
    assert document.purged_at == later and document.file.name == ""
    assert document.title == "Signed MOU"  # the tombstone still says what it was
    assert _actions(document) == ["added", "removed", "purged"]
    stored = {path.relative_to(evidence_dir).as_posix() for path in _files(evidence_dir)}
    assert stored == {recent.file.name, kept.file.name}
    assert not document.can_restore(later)
    with pytest.raises(ValidationError):
        service.evidence_restore(evidence=document, user=None, at=later)
    # Once purged, never again.
    assert service.evidence_purge_removed(now=later + datetime.timedelta(days=1)) == 0


def test_purge_evidence_command(document, coordinator, settings, evidence_dir, capsys):
    settings.EVIDENCE_RETENTION_DAYS = 0
    service.evidence_remove(
        evidence=document, user=coordinator, at=timezone.now() - datetime.timedelta(seconds=5)
    )
    call_command("purge_evidence")
    assert "Purged 1 piece of evidence removed more than 0 days ago." in capsys.readouterr().out
    assert _files(evidence_dir) == []
    assert Evidence.objects.get().purged_at is not None


def test_removing_through_the_page_asks_first(coordinator_client, document, task_force, milestone):
    args = [task_force.slug, milestone.slug, document.pk]
    url = reverse("assessments:evidence_remove", args=args)
    page = coordinator_client.get(url)
    assert page.status_code == 200
    assert "staff can restore it" in page.content.decode()
    assert Evidence.objects.present().count() == 1
    response = coordinator_client.post(url, follow=True)
    assert "Staff can restore it within 90 days" in response.content.decode()
    assert Evidence.objects.present().count() == 0
    # A second removal of the same piece is 404: it is no longer shown.
    assert coordinator_client.post(url).status_code == 404


def test_other_task_forces_coordinator_cannot_remove(document, task_force, milestone, client):
    from tests.factories import TaskForceFactory, UserFactory

    stranger = UserFactory()
    TaskForceFactory().coordinators.add(stranger)
    client.force_login(stranger)
    url = reverse(
        "assessments:evidence_remove", args=[task_force.slug, milestone.slug, document.pk]
    )
    assert client.post(url).status_code == 404
    assert Evidence.objects.present().count() == 1


def test_check_refuses_removed_evidence_and_coordinators(document, coordinator, staff_user):
    with pytest.raises(ValidationError):
        service.evidence_check(evidence=document, checked=True, user=coordinator)
    service.evidence_remove(evidence=document, user=coordinator)
    with pytest.raises(ValidationError):
        service.evidence_check(evidence=document, checked=True, user=staff_user)


# Asked whether the evidence still holds ------------------------------------------


def _achieve(task_force, milestone, user):
    return services.milestone_status_update(
        task_force=task_force, milestone=milestone, status=Status.ACHIEVED, user=user
    )


def test_a_lapsed_status_asks_whether_the_evidence_still_holds(
    coordinator_client, coordinator, task_force, milestone, document
):
    record = _achieve(task_force, milestone, coordinator)
    url = reverse("assessments:milestone_edit", args=[task_force.slug, milestone.slug])
    response = coordinator_client.post(
        url, {"status": "lapsed", "version": record.version}, follow=True
    )
    html = response.content.decode()
    assert "is now lapsed. Does the evidence still hold?" in html
    assert "\u201cSigned MOU\u201d" in html
    assert reverse("assessments:evidence", args=[task_force.slug, milestone.slug]) in html


def test_no_question_without_evidence_or_without_a_lapse(
    coordinator_client, coordinator, task_force, milestone
):
    record = _achieve(task_force, milestone, coordinator)
    url = reverse("assessments:milestone_edit", args=[task_force.slug, milestone.slug])
    html = coordinator_client.post(
        url, {"status": "lapsed", "version": record.version}, follow=True
    ).content.decode()
    assert "Does the evidence still hold?" not in html
    EvidenceFactory(task_force=task_force, milestone=milestone)
    record.refresh_from_db()
    html = coordinator_client.post(
        url,
        {"status": "lapsed", "notes": "edited", "version": record.version},
        follow=True,
    ).content.decode()
    assert "Does the evidence still hold?" not in html  # already lapsed: no change of status


def test_confirming_asks_whether_the_evidence_still_holds(
    coordinator_client, coordinator, task_force, milestone, document
):
    _achieve(task_force, milestone, coordinator)
    url = reverse("assessments:milestone_confirm", args=[task_force.slug, milestone.slug])
    html = coordinator_client.post(url, follow=True).content.decode()
    assert "You confirmed Task Force MOU. Does the evidence still hold?" in html
    # Removed evidence is not asked about.
    service.evidence_remove(evidence=document, user=coordinator)
    html = coordinator_client.post(url, follow=True).content.decode()
    assert "Does the evidence still hold?" not in html


def test_confirming_several_asks_about_each_with_evidence(
    coordinator_client, coordinator, task_force, milestone, document
):
    _achieve(task_force, milestone, coordinator)
    url = reverse("assessments:milestones_confirm", args=[task_force.slug])
    html = coordinator_client.post(url, {"milestone": [milestone.slug]}, follow=True)
    assert "Does the evidence still hold?" in html.content.decode()


def test_the_milestone_page_links_its_evidence(coordinator_client, task_force, milestone, document):
    html = coordinator_client.get(
        reverse("assessments:milestone_edit", args=[task_force.slug, milestone.slug])
    ).content.decode()
    assert reverse("assessments:evidence", args=[task_force.slug, milestone.slug]) in html
    assert "1 piece" in html
