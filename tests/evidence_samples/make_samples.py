"""Writes the small sample files of every accepted evidence type into this
folder: `python tests/evidence_samples/make_samples.py`. They are shipped,
so the tests read real files; this says how each was made.

Each is the smallest structure of its type that both the type detector
(filetype) and the evidence service's own checks accept. The hostile
samples (disguised web pages, executables, plain archives, a zip bomb) are
built in the tests themselves: tests/evidence/test_evidence_upload.py.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# A one-page PDF with no content stream: the cross-reference offsets are
# computed, so readers accept it.
_PDF_OBJECTS = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
]


def pdf() -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(_PDF_OBJECTS, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(_PDF_OBJECTS) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(_PDF_OBJECTS) + 1,
        xref,
    )
    return bytes(out)


def _zip(members: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            # ODF wants its "mimetype" member first and uncompressed.
            kind = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, data, compress_type=kind)
    return buffer.getvalue()


def docx() -> bytes:
    return _zip(
        [
            (
                "[Content_Types].xml",
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                b'<Default Extension="rels" ContentType="application/'
                b'vnd.openxmlformats-package.relationships+xml"/>'
                b'<Override PartName="/word/document.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                b"</Types>",
            ),
            (
                "_rels/.rels",
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                b'relationships"><Relationship Id="rId1" Type="http://schemas.'
                b"openxmlformats.org/officeDocument/2006/relationships/officeDocument"
                b'" Target="word/document.xml"/></Relationships>',
            ),
            (
                "word/document.xml",
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<w:document xmlns:w="http://schemas.openxmlformats.org/'
                b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Task force MOU'
                b"</w:t></w:r></w:p></w:body></w:document>",
            ),
        ]
    )


def xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Agency", "MOU signed"])
    workbook.active.append(["County Victim Services", "2026-01-15"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _odf(mime: str) -> bytes:
    return _zip(
        [
            ("mimetype", mime.encode()),
            (
                "META-INF/manifest.xml",
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
                b'xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
                b'manifest:full-path="/" manifest:media-type="' + mime.encode() + b'"/>'
                b'<manifest:file-entry manifest:full-path="content.xml" '
                b'manifest:media-type="text/xml"/></manifest:manifest>',
            ),
            (
                "content.xml",
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<office:document-content xmlns:office="urn:oasis:names:tc:'
                b'opendocument:xmlns:office:1.0" office:version="1.2"><office:body/>'
                b"</office:document-content>",
            ),
        ],
        stored_first=True,
    )


def odt() -> bytes:
    return _odf("application/vnd.oasis.opendocument.text")


def ods() -> bytes:
    return _odf("application/vnd.oasis.opendocument.spreadsheet")


_OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def doc() -> bytes:
    """An OLE compound file whose first sector starts as a Word 97 document's
    (the File Information Block's magic number)."""
    return _OLE_HEADER + bytes(504) + b"\xec\xa5\xc1\x00" + bytes(508)


def xls() -> bytes:
    """An OLE compound file whose first sector starts with an Excel 97 BOF record."""
    return _OLE_HEADER + bytes(504) + b"\x09\x08\x10\x00\x00\x06\x05\x00" + bytes(504)


def _image(kind: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (40, 90, 160)).save(buffer, format=kind)
    return buffer.getvalue()


def png() -> bytes:
    return _image("PNG")


def jpeg() -> bytes:
    return _image("JPEG")


SAMPLES = {
    "mou.pdf": pdf,
    "protocol.docx": docx,
    "members.xlsx": xlsx,
    "protocol.odt": odt,
    "members.ods": ods,
    "protocol.doc": doc,
    "members.xls": xls,
    "signature.png": png,
    "signature.jpg": jpeg,
}


def read(name: str) -> bytes:
    """A shipped sample's bytes."""
    return (HERE / name).read_bytes()


if __name__ == "__main__":
    for name, make in SAMPLES.items():
        (HERE / name).write_bytes(make())
        print(name)
