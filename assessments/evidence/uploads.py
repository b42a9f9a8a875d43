"""What an evidence upload may be, judged by its content, never its name
or the browser's claim: the size from the upload's own count, the type from
the first bytes (filetype), and for office documents, which are zip
archives, the archive's directory (a real document, not a zip bomb, no
macros). Used by the upload service before anything is stored."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile


@dataclass(frozen=True)
class Accepted:
    extension: str
    label: str
    # "ooxml" or "odf": a zip archive whose directory is checked too.
    archive: str = ""
    # For OOXML: the part every such document has.
    main_part: str = ""


ACCEPTED = {
    "application/pdf": Accepted(".pdf", "PDF"),
    "application/msword": Accepted(".doc", "Word 97-2003"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": Accepted(
        ".docx", "Word", "ooxml", "word/document.xml"
    ),
    "application/vnd.ms-excel": Accepted(".xls", "Excel 97-2003"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Accepted(
        ".xlsx", "Excel", "ooxml", "xl/workbook.xml"
    ),
    "application/vnd.oasis.opendocument.text": Accepted(".odt", "OpenDocument text", "odf"),
    "application/vnd.oasis.opendocument.spreadsheet": Accepted(
        ".ods", "OpenDocument spreadsheet", "odf"
    ),
    "application/vnd.oasis.opendocument.presentation": Accepted(
        ".odp", "OpenDocument presentation", "odf"
    ),
    "image/png": Accepted(".png", "PNG image"),
    "image/jpeg": Accepted(".jpg", "JPEG image"),
}
ACCEPTED_TEXT = (
    "PDF, Word (.doc, .docx), Excel (.xls, .xlsx), OpenDocument (.odt, .ods, .odp), PNG or JPEG"
)
# For the file input's `accept`: only a hint to the browser's file picker.
ACCEPT_ATTRIBUTE = ".pdf,.doc,.docx,.xls,.xlsx,.odt,.ods,.odp,.png,.jpg,.jpeg"

# How much of the file is read to judge its type: filetype looks at the
# first 8 KB; a web page disguised behind a PDF header is looked for in the
# first 64 KB.
HEAD_BYTES = 64 * 1024
SIGNATURE_BYTES = 8192
# An office document is a zip archive. These bound what the archive may
# declare, as assessments/common/spreadsheets.py does for imports: a 10 MB upload
# must not stand for gigabytes, or tens of thousands of parts.
OFFICE_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
OFFICE_MAX_MEMBERS = 2000
# Macros: Word and Excel keep them in vbaProject.bin, OpenDocument in Basic/
# and Scripts/. A document with macros is refused: save it without them.
_MACRO_PARTS = re.compile(r"(^|/)vbaProject\.bin$|^(Basic|Scripts)/", re.IGNORECASE)
# Markup a browser would run, behind whatever header: refused outright.
_MARKUP = re.compile(rb"<\s*(html|script|svg|body|iframe|object|embed)\b|<!doctype\s+html", re.I)

_EXECUTABLES = {
    "application/x-executable",
    "application/x-msdownload",
    "application/x-mach-binary",
    "application/x-shockwave-flash",
    "application/x-dex",
    "application/x-elf",
}


def refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _max_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(size // 1024, 1)} KB"


def check_upload(upload: UploadedFile) -> tuple[str, Accepted]:
    """What the upload really is (its MIME type), if it is accepted; ValidationError on the
    "file" field otherwise. Reads at most HEAD_BYTES of the file, and for
    office documents the archive's directory."""
    limit = settings.EVIDENCE_MAX_BYTES
    # The size as counted while the upload arrived: nothing is read for it.
    if not upload.size:
        raise refuse("file", "The file is empty. Choose the document itself.")
    if upload.size > limit:
        raise refuse(
            "file",
            f"The file is {_max_text(upload.size)}; the limit is {_max_text(limit)}. "
            "Save a smaller copy (a PDF of the signed pages, for example), or add a "
            "link to where the document is kept.",
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head[:SIGNATURE_BYTES])
    mime = kind.mime if kind is not None else ""
    accepted = ACCEPTED.get(mime)
    if accepted is None:
        raise refuse("file", _what_it_is(head, mime))
    if _MARKUP.search(head):
        raise refuse(
            "file",
            "The file holds a web page or script behind its document header, which "
            "is not accepted. Save the document again as PDF from the program that made it.",
        )
    if accepted.archive:
        _check_office_archive(upload, mime, accepted)
        upload.seek(0)
    return mime, accepted


def _what_it_is(head: bytes, mime: str) -> str:
    accepted = f"Only {ACCEPTED_TEXT} files are accepted, judged by their content."
    start = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<", b"<?xml")) or b"<svg" in start or b"<html" in start:
        return f"The file is a web page or an SVG image, not a document. {accepted}"
    if mime in _EXECUTABLES or head.startswith((b"MZ", b"\x7fELF", b"#!")):
        return f"The file is a program, which is never accepted. {accepted}"
    if mime.startswith("application/") and mime in {
        "application/zip",
        "application/x-tar",
        "application/x-rar-compressed",
        "application/x-7z-compressed",
        "application/gzip",
        "application/x-bzip2",
        "application/x-xz",
    }:
        return (
            f"The file is an archive (such as a .zip), not an office document. "
            f"Upload the documents inside it one by one. {accepted}"
        )
    return f"The file's content is none of the accepted types. {accepted}"


_DAMAGED = (
    "The document cannot be read: it is damaged, or was not saved by an office "
    "program. Open it and save it again, or save it as PDF."
)


def _check_office_archive(upload: UploadedFile, mime: str, accepted: Accepted) -> None:
    """A Word, Excel or OpenDocument file is a zip archive: check from its
    directory (never inflating anything but ODF's few-byte "mimetype") that it
    is the document it claims to be, will not inflate past the limits, and
    carries no macros. The sizes are the ones the archive declares; Python's
    zipfile never inflates a member past its declared size."""
    try:
        archive = zipfile.ZipFile(upload)
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise refuse("file", _DAMAGED) from None
    if len(members) > OFFICE_MAX_MEMBERS:
        raise refuse(
            "file",
            f"The file holds {len(members):,} parts; an office document has far fewer "
            f"(the limit is {OFFICE_MAX_MEMBERS:,}). Save it again as PDF.",
        )
    inflated = sum(member.file_size for member in members)
    if inflated > OFFICE_MAX_UNCOMPRESSED_BYTES:
        raise refuse(
            "file",
            f"The file unpacks to {inflated // (1024 * 1024):,} MB; the limit is "
            f"{OFFICE_MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB. Save it again as PDF.",
        )
    names = {member.filename for member in members}
    if any(_MACRO_PARTS.search(name) for name in names):
        raise refuse(
            "file",
            "The document contains macros, which are not accepted. Save it as a "
            "document without macros (.docx, .xlsx, .odt, .ods) or as PDF.",
        )
    if accepted.archive == "ooxml":
        if "[Content_Types].xml" not in names or accepted.main_part not in names:
            raise refuse("file", _DAMAGED)
    else:  # OpenDocument: the first member names the type, uncompressed.
        first = members[0] if members else None
        if first is None or first.filename != "mimetype" or first.file_size > 200:
            raise refuse("file", _DAMAGED)
        try:
            declared = archive.read(first).decode("ascii", "replace").strip()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            raise refuse("file", _DAMAGED) from None
        if declared != mime:
            raise refuse("file", _DAMAGED)
