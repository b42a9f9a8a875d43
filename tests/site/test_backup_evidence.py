"""A backup is the database and the evidence files (docs/deploying.md#backups):
restoring both, the database from its dump and the files copied into a new
storage folder, brings every piece of evidence back, downloadable under the
same access rules."""

import shutil
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from assessments.evidence import services as service
from assessments.models import Evidence, EvidenceChange, PartnerLink
from stages.models import Milestone
from tests.evidence_samples.make_samples import SAMPLES, read
from tests.factories import PartnerLinkFactory, TaskForceFactory, UserFactory
from tests.site.test_backup import EXCLUDE

OWN_TOKEN = "backup-own-partner-token-0123456789abcdefghij"
OTHER_TOKEN = "backup-other-partner-token-0123456789abcdefgh"


def _dump() -> str:
    out = StringIO()
    call_command(
        "dumpdata",
        "--natural-foreign",
        "--natural-primary",
        *[f"--exclude={label}" for label in EXCLUDE],
        stdout=out,
    )
    return out.getvalue()


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


# serialized_rollback: restore what the migrations created (the Program
# managers group, the guidance) for the tests that run after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restoring_the_database_and_the_evidence_files_brings_every_piece_back(
    settings, tmp_path, evidence_dir
):
    call_command("loaddata", "stages", verbosity=0)
    own, other = TaskForceFactory(), TaskForceFactory()
    coordinator = UserFactory(username="own-coordinator")
    outsider = UserFactory(username="other-coordinator")
    manager = UserFactory(username="program-manager")
    manager.groups.add(Group.objects.get(name="Program managers"))
    own.coordinators.add(coordinator)
    other.coordinators.add(outsider)
    PartnerLinkFactory(task_force=own, token=OWN_TOKEN)
    PartnerLinkFactory(task_force=other, token=OTHER_TOKEN)
    milestones = list(Milestone.objects.active()[:3])
    # One document of every accepted type, over three milestones; the first
    # shared with partners and checked, one removed (still restorable).
    contents = {}
    for n, name in enumerate(sorted(SAMPLES)):
        piece = service.evidence_add_file(
            task_force=own,
            milestone=milestones[n % 3],
            upload=SimpleUploadedFile(name, read(name)),
            title=f"Evidence {name}",
            statement=True,
            shared_with_partners=n == 0,
            user=coordinator,
        )
        contents[piece.pk] = read(name)
    first = min(contents)
    service.evidence_check(evidence=Evidence.objects.get(pk=first), checked=True, user=manager)
    removed = max(contents)
    service.evidence_remove(evidence=Evidence.objects.get(pk=removed), user=coordinator)
    link = service.evidence_add_link(
        task_force=own,
        milestone=milestones[0],
        url="https://county.example.org/mou",
        title="MOU in the county system",
        user=coordinator,
    )
    # (Times go to the millisecond through the dump, so whether, not when.)
    before = {
        (e.pk, e.title, e.file.name, e.checked_by_name, e.is_removed, e.shared_with_partners)
        for e in Evidence.objects.all()
    }
    history = EvidenceChange.objects.count()

    # The backup: the database's dump, and the evidence folder copied away.
    dump = tmp_path / "backup.json"
    dump.write_text(_dump())
    files_backup = tmp_path / "evidence-backup"
    shutil.copytree(evidence_dir, files_backup)

    # The disaster: the database emptied, the evidence folder gone.
    call_command("flush", "--no-input", verbosity=0)
    shutil.rmtree(evidence_dir)
    assert not Evidence.objects.exists()

    # The restore: the dump into the empty database, the files copied into a
    # new storage root that the settings now name.
    call_command("loaddata", str(dump), verbosity=0)
    new_root = tmp_path / "restored-evidence"
    shutil.copytree(files_backup, new_root)
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": new_root},
        },
    }

    assert {
        (e.pk, e.title, e.file.name, e.checked_by_name, e.is_removed, e.shared_with_partners)
        for e in Evidence.objects.all()
    } == before
    assert EvidenceChange.objects.count() == history
    assert PartnerLink.objects.count() == 2

    own_client = _client("own-coordinator")
    outsider_client = _client("other-coordinator")
    manager_client = _client("program-manager")
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    for piece in Evidence.objects.filter(kind=Evidence.Kind.FILE).select_related(
        "task_force", "milestone"
    ):
        url = reverse(
            "assessments:evidence_download",
            args=[piece.task_force.slug, piece.milestone.slug, piece.pk],
        )
        if piece.pk == removed:
            # Removed: hidden from its coordinators, still there for staff.
            assert own_client.get(url).status_code == 404
            assert _body(staff.get(url)) == contents[piece.pk]
        else:
            assert _body(own_client.get(url)) == contents[piece.pk]
            assert _body(manager_client.get(url)) == contents[piece.pk]
        # Another task force's coordinator: 404, as before the restore.
        assert outsider_client.get(url).status_code == 404
    assert Evidence.objects.get(pk=first).is_checked

    # Partners: the shared document through its own task force's link only.
    shared = reverse("assessments:partner_evidence_download", args=[OWN_TOKEN, first])
    assert _body(Client().get(shared)) == contents[first]
    stolen = reverse("assessments:partner_evidence_download", args=[OTHER_TOKEN, first])
    assert Client().get(stolen).status_code == 404
    unshared = reverse(
        "assessments:partner_evidence_download", args=[OWN_TOKEN, sorted(contents)[1]]
    )
    assert Client().get(unshared).status_code == 404
    # A link is restored with its address; it has no file to download.
    assert Evidence.objects.get(pk=link.pk).url == "https://county.example.org/mou"
