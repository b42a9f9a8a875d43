"""Uploading evidence: the accepted types, judged by content, and every
hostile file refused at the field with nothing written to storage."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.evidence import services as service
from assessments.evidence import uploads
from assessments.models import Evidence, EvidenceChange, TaskForce
from stages.models import Milestone
from tests.evidence_samples.make_samples import SAMPLES, docx, pdf, read

pytestmark = pytest.mark.usefixtures("guidance")

STATEMENT = service.STATEMENT


@pytest.fixture
def milestone(guidance):
    return Milestone.objects.get(slug="task-force-mou")


@pytest.fixture
def upload_url(task_force, milestone):
    return reverse("assessments:evidence_upload", args=[task_force.slug, milestone.slug])


def _post(client, url, content: bytes, name: str = "document.pdf", **extra):
    data = {
        "title": "Signed MOU",
        "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
        "statement": "on",
        **extra,
    }
    return client.post(url, data)


def _stored_files(folder):
    return [path for path in folder.rglob("*") if path.is_file()]


EXPECTED = {
    "mou.pdf": ("application/pdf", ".pdf"),
    "protocol.docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    "members.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "protocol.odt": ("application/vnd.oasis.opendocument.text", ".odt"),
    "members.ods": ("application/vnd.oasis.opendocument.spreadsheet", ".ods"),
    "protocol.doc": ("application/msword", ".doc"),
    "members.xls": ("application/vnd.ms-excel", ".xls"),
    "signature.png": ("image/png", ".png"),
    "signature.jpg": ("image/jpeg", ".jpg"),
}


def test_every_shipped_sample_has_an_expectation():
    assert set(SAMPLES) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_accepted_type_is_stored_under_a_generated_name(
    coordinator_client, upload_url, task_force, evidence_dir, name
):
    # Named .bin: the type comes from the content, not the name.
    response = _post(coordinator_client, upload_url, read(name), name="scan.bin")
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    content_type, extension = EXPECTED[name]
    assert evidence.content_type == content_type
    assert evidence.kind == Evidence.Kind.FILE
    assert evidence.original_name == "scan.bin"
    assert evidence.size == len(read(name))
    assert evidence.file.name.startswith(f"evidence/{task_force.pk}/")
    assert evidence.file.name.endswith(extension)
    assert "scan" not in evidence.file.name
    [stored] = _stored_files(evidence_dir)
    assert stored.read_bytes() == read(name)
    assert service.download_name(evidence) == f"scan{extension}"


def _zip(members, *, first_stored=False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            kind = zipfile.ZIP_STORED if first_stored and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    """Looks like a Word document to the type detector, and declares parts
    that would inflate to 300 MB (highly compressible zeros, a few hundred KB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        chunk = bytes(1024 * 1024)
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(chunk)
    return buffer.getvalue()


def _many_parts() -> bytes:
    members = [("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")]
    members += [(f"word/part{n}.xml", b"") for n in range(uploads.OFFICE_MAX_MEMBERS)]
    return _zip(members)


def _with_macros() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(docx()))
    members = [(info.filename, source.read(info)) for info in source.infolist()]
    return _zip([*members, ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")])


HOSTILE = {
    "html named .pdf": (
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        "web page",
    ),
    "svg named .pdf": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "SVG",
    ),
    "html behind a pdf header": (
        b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n%%EOF",
        "web page",
    ),
    "linux executable": (b"\x7fELF\x02\x01\x01" + bytes(200), "program"),
    "windows executable": (b"MZ\x90\x00\x03" + bytes(60) + b"PE\x00\x00" + bytes(200), "program"),
    "shell script": (b"#!/bin/sh\nrm -rf /\n", "program"),
    "plain zip": (_zip([("notes.txt", b"hello"), ("more.txt", b"world")]), "archive"),
    "zip bomb posing as docx": (_zip_bomb(), "unpacks to"),
    "archive of too many parts": (_many_parts(), "parts"),
    "docx with macros": (_with_macros(), "macros"),
    "docx without its document": (
        _zip([("[Content_Types].xml", b"<Types/>"), ("word/styles.xml", b"<x/>")]),
        "cannot be read",
    ),
    "odt declaring another type": (
        _zip(
            [
                # The detector reads a prefix; the service the whole declaration.
                ("mimetype", b"application/vnd.oasis.opendocument.text-template"),
                ("content.xml", b"<x/>"),
            ],
            first_stored=True,
        ),
        "cannot be read",
    ),
    "plain text": (b"Just some words about the MOU.\n", "none of the accepted types"),
    "empty": (b"", "empty"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_upload_is_refused_at_the_field_and_nothing_is_stored(
    coordinator_client, upload_url, task_force, evidence_dir, case
):
    content, says = HOSTILE[case]
    revision = TaskForce.objects.get(pk=task_force.pk).revision
    response = _post(coordinator_client, upload_url, content, name="mou.pdf")
    assert response.status_code == 200
    errors = response.context["file_form"].errors
    assert list(errors) == ["file"], errors
    assert says in errors["file"][0]
    assert says in response.content.decode()
    assert Evidence.objects.count() == 0
    assert EvidenceChange.objects.count() == 0
    assert _stored_files(evidence_dir) == []
    assert TaskForce.objects.get(pk=task_force.pk).revision == revision


def test_over_size_file_is_refused_before_it_is_read(
    coordinator_client, upload_url, evidence_dir, settings
):
    settings.EVIDENCE_MAX_BYTES = 1000
    response = _post(coordinator_client, upload_url, pdf() + bytes(2000))
    assert "the limit is 1000 bytes" not in response.content.decode()  # in words, not bytes
    assert "the limit is 1 KB" in response.context["file_form"].errors["file"][0]
    assert Evidence.objects.count() == 0
    assert _stored_files(evidence_dir) == []


def test_size_is_judged_from_the_upload_count_without_reading(task_force, milestone, settings):
    settings.EVIDENCE_MAX_BYTES = 100

    class Unreadable(SimpleUploadedFile):
        def read(self, *args, **kwargs):
            raise AssertionError("read before the size was checked")

    upload = Unreadable("big.pdf", pdf())
    with pytest.raises(service.ValidationError) as refused:
        service.evidence_add_file(
            task_force=task_force,
            milestone=milestone,
            upload=upload,
            title="Big",
            statement=True,
            user=None,
        )
    assert "limit" in refused.value.message_dict["file"][0]


def test_without_the_statement_nothing_is_stored(
    coordinator_client, upload_url, evidence_dir, task_force
):
    response = coordinator_client.post(
        upload_url,
        {"title": "Signed MOU", "file": SimpleUploadedFile("mou.pdf", read("mou.pdf"))},
    )
    assert response.status_code == 200
    assert response.context["file_form"].errors["statement"] == [service.STATEMENT_REQUIRED]
    assert Evidence.objects.count() == 0
    assert _stored_files(evidence_dir) == []


def test_the_service_refuses_without_the_statement_too(task_force, milestone, evidence_dir):
    with pytest.raises(service.ValidationError) as refused:
        service.evidence_add_file(
            task_force=task_force,
            milestone=milestone,
            upload=SimpleUploadedFile("mou.pdf", read("mou.pdf")),
            title="Signed MOU",
            statement=False,
            user=None,
        )
    assert refused.value.message_dict == {"statement": [service.STATEMENT_REQUIRED]}
    assert _stored_files(evidence_dir) == []


def test_the_statement_and_its_explanation_are_next_to_the_upload_field(
    coordinator_client, task_force, milestone
):
    html = coordinator_client.get(
        reverse("assessments:evidence", args=[task_force.slug, milestone.slug])
    ).content.decode()
    assert STATEMENT in html
    assert "Remove or black out names" in html
    assert 'enctype="multipart/form-data"' in html


def test_a_path_in_the_file_name_is_display_text_only(
    coordinator_client, upload_url, evidence_dir, task_force
):
    response = _post(
        coordinator_client, upload_url, read("mou.pdf"), name="../../../etc/pass\x00wd;.pdf"
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert "/" not in evidence.original_name and "\x00" not in evidence.original_name
    assert ".." not in evidence.file.name
    [stored] = _stored_files(evidence_dir)
    assert stored.is_relative_to(evidence_dir / "evidence" / str(task_force.pk))


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("MOU 2026.pdf", "MOU 2026.pdf"),
        ("C:\\Users\\me\\Desktop\\MOU.pdf", "MOU.pdf"),
        ("../../settings.py", "settings.py"),
        ('"quoted"; name=evil.pdf', "quoted name=evil.pdf"),
        ("\u202egnp.exe", "gnp.exe"),  # right-to-left override removed
        ("...", "document"),
        ("a" * 300 + ".pdf", "a" * 146 + ".pdf"),
    ],
)
def test_display_name_is_sanitised(given, shown):
    assert service.display_name(given) == shown


def test_a_ten_megabyte_upload_arrives_as_a_temporary_file_and_streams_to_storage(
    coordinator_client, upload_url, evidence_dir, monkeypatch, settings
):
    """Not read into memory whole: Django spools it to a temporary file as it
    arrives (FILE_UPLOAD_MAX_MEMORY_SIZE), the checks read its head, and the
    storage moves the file into place."""
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2.5 * 1024 * 1024
    content = pdf() + b"%" + bytes(10 * 1024 * 1024 - len(pdf()) - 2) + b"\n"
    assert len(content) == 10 * 1024 * 1024
    seen = {}
    reads = []
    original = service.check_upload

    def spy(upload):
        seen["class"] = type(upload)
        real_read = upload.file.read

        def read(size=-1):
            reads.append(size)
            return real_read(size)

        monkeypatch.setattr(upload.file, "read", read)
        return original(upload)

    monkeypatch.setattr(service, "check_upload", spy)
    response = _post(coordinator_client, upload_url, content, name="big.pdf")
    assert response.status_code == 302
    assert seen["class"] is TemporaryUploadedFile
    # The checks read the head only, never the whole file at once.
    assert reads and all(0 < size <= uploads.HEAD_BYTES for size in reads)
    [stored] = _stored_files(evidence_dir)
    assert stored.stat().st_size == len(content)


def test_a_link_needs_http_or_https(coordinator_client, task_force, milestone):
    url = reverse("assessments:evidence_link_add", args=[task_force.slug, milestone.slug])
    for bad in ["javascript:alert(1)", "ftp://example.org/mou.pdf", "file:///etc/passwd", "mou"]:
        response = coordinator_client.post(url, {"title": "MOU", "url": bad})
        assert response.status_code == 200
        assert "https://" in response.context["link_form"].errors["url"][0]
    assert Evidence.objects.count() == 0
    response = coordinator_client.post(
        url, {"title": "MOU", "url": "https://partner.example.org/docs/mou"}
    )
    assert response.status_code == 302
    link = Evidence.objects.get()
    assert (link.kind, link.url, link.file.name) == (
        Evidence.Kind.LINK,
        "https://partner.example.org/docs/mou",
        "",
    )


def test_the_database_refuses_a_link_that_is_not_http(task_force, milestone):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            task_force=task_force,
            milestone=milestone,
            kind=Evidence.Kind.LINK,
            title="x",
            url="javascript:alert(1)",
        )


def test_the_database_refuses_a_document_without_a_file(task_force, milestone):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            task_force=task_force, milestone=milestone, kind=Evidence.Kind.FILE, title="x"
        )


def test_a_retired_milestone_takes_no_evidence(coordinator_client, task_force, evidence_dir):
    milestone = Milestone.objects.get(slug="task-force-mou")
    Milestone.objects.filter(pk=milestone.pk).update(is_active=False)
    url = reverse("assessments:evidence_upload", args=[task_force.slug, milestone.slug])
    response = _post(coordinator_client, url, read("mou.pdf"))
    assert response.status_code == 200
    assert "retired" in response.content.decode()
    assert Evidence.objects.count() == 0
    assert _stored_files(evidence_dir) == []


def test_a_failed_save_leaves_no_file_behind(task_force, milestone, evidence_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(service, "_history", broken)
    with pytest.raises(RuntimeError):
        service.evidence_add_file(
            task_force=task_force,
            milestone=milestone,
            upload=SimpleUploadedFile("mou.pdf", read("mou.pdf")),
            title="Signed MOU",
            statement=True,
            user=None,
        )
    assert Evidence.objects.count() == 0
    assert _stored_files(evidence_dir) == []


def test_garbage_posts_never_fail(coordinator_client, upload_url, evidence_dir):
    for data in [
        {},
        {"title": "x" * 5000, "statement": "on"},
        {"file": "not a file", "statement": "on", "title": "t"},
        {"title": "\x00", "statement": "on", "file": SimpleUploadedFile("a.pdf", pdf())},
    ]:
        response = coordinator_client.post(upload_url, data)
        assert response.status_code == 200, data
    assert Evidence.objects.count() == 0
    assert _stored_files(evidence_dir) == []


def test_program_manager_cannot_upload(client, task_force, upload_url, evidence_dir):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    manager = UserFactory()
    manager.groups.add(Group.objects.get(name="Program managers"))
    client.force_login(manager)
    assert _post(client, upload_url, read("mou.pdf")).status_code == 403
    assert _stored_files(evidence_dir) == []
    assert Client().post(upload_url).status_code == 302  # to the login page


def _statement_checkbox(html: str) -> str:
    [checkbox] = re.findall(r'<input[^>]*name="statement"[^>]*>', html)
    return checkbox


def test_after_a_refused_upload_the_statement_must_be_ticked_again(
    coordinator_client, upload_url, evidence_dir
):
    """The statement is made for one file: the next one chosen needs it again."""
    response = _post(coordinator_client, upload_url, b"Just some words.\n", title="Kept title")
    assert response.status_code == 200
    assert "checked" not in _statement_checkbox(response.content.decode())
    assert 'value="Kept title"' in response.content.decode()  # the rest is kept
    assert Evidence.objects.count() == 0


def test_the_upload_and_link_forms_label_their_own_fields(
    coordinator_client, task_force, milestone
):
    html = coordinator_client.get(
        reverse("assessments:evidence", args=[task_force.slug, milestone.slug])
    ).content.decode()
    share_ids = re.findall(r'<input[^>]*name="shared_with_partners"[^>]*id="([^"]+)"', html)
    share_ids += re.findall(r'<input[^>]*id="([^"]+)"[^>]*name="shared_with_partners"', html)
    assert len(share_ids) == len(set(share_ids)) == 2
    for share_id in share_ids:
        assert html.count(f'for="{share_id}"') == 1


def _warnings(response):
    return [str(m) for m in response.context["messages"] if m.level_tag == "warning"]


def test_the_same_file_and_title_twice_in_a_row_is_pointed_out(
    coordinator_client, upload_url, task_force
):
    first = coordinator_client.post(
        upload_url,
        {"title": "Signed MOU", "file": SimpleUploadedFile("a.pdf", pdf()), "statement": "on"},
        follow=True,
    )
    assert _warnings(first) == []
    again = coordinator_client.post(
        upload_url,
        {"title": "signed mou ", "file": SimpleUploadedFile("b.pdf", pdf()), "statement": "on"},
        follow=True,
    )
    [warning] = _warnings(again)
    assert "the same document, with the same title, as the previous upload" in warning
    newest = Evidence.objects.order_by("-pk").first()
    remove_url = reverse(
        "assessments:evidence_remove", args=[task_force.slug, newest.milestone.slug, newest.pk]
    )
    assert f'<a href="{remove_url}">remove this copy</a>' in again.content.decode()
    assert Evidence.objects.count() == 2  # told, not refused


@pytest.mark.parametrize(
    ("second_title", "second_content"),
    [
        ("Signed MOU", pdf() + b"%% another copy\n"),  # another file, same title
        ("Protocol", pdf()),  # same file, another title
    ],
)
def test_another_file_or_title_is_not_pointed_out(
    coordinator_client, upload_url, second_title, second_content
):
    _post(coordinator_client, upload_url, pdf(), title="Signed MOU")
    response = coordinator_client.post(
        upload_url,
        {
            "title": second_title,
            "file": SimpleUploadedFile("b.pdf", second_content),
            "statement": "on",
        },
        follow=True,
    )
    assert _warnings(response) == []
    assert Evidence.objects.count() == 2


def test_a_removed_previous_upload_is_not_pointed_out(coordinator_client, upload_url, coordinator):
    _post(coordinator_client, upload_url, pdf())
    service.evidence_remove(evidence=Evidence.objects.get(), user=coordinator)
    response = _post(coordinator_client, upload_url, pdf())
    assert response.status_code == 302
    assert _warnings(coordinator_client.get(response.url)) == []
