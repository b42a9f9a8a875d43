# ruff: noqa: E501 - the XML parts are copied whole, as spreadsheet programs write them
"""Hand-made XLSX files, part by part: the malformed and hostile ones no
spreadsheet program would write, for the import's tests and fuzz."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""

WORKBOOK = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""

WORKBOOK_WITHOUT_SHEETS = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets/>
</workbook>"""

WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""

SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
HEADER = ["task_force", "milestone", "status", "lead_partner", "target_date", "notes"]


def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> str:
    cells = "".join(text_cell(f"{chr(65 + i)}1", name) for i, name in enumerate(HEADER))
    return f'<row r="1">{cells}</row>'


def sheet(rows: Iterable[str] | str, *, dimension: str | None = None) -> str:
    """A worksheet's XML around the given <row> elements."""
    rows = rows if isinstance(rows, str) else "".join(rows)
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{SHEET_START}{declared}<sheetData>{rows}</sheetData></worksheet>"


def xlsx(
    sheet_xml: str,
    *,
    workbook: str = WORKBOOK,
    shared_strings: list[str] | None = None,
    extra_members: int = 0,
) -> bytes:
    strings = "".join(f"<si><t>{s}</t></si>" for s in shared_strings or [])
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet_xml,
        "xl/sharedStrings.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns='
            f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>'
        ),
    }
    for number in range(extra_members):
        parts[f"xl/media/image{number}.xml"] = "<x/>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def inflating_xlsx(inflated_bytes: int) -> bytes:
    """A valid XLSX whose sheet inflates to `inflated_bytes` of identical
    rows: a few MB on disk (a zip bomb)."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    chunk = row * (4 * 1024 * 1024 // len(row))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ):
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(f"{SHEET_START}<sheetData>".encode())
            written = 0
            while written < inflated_bytes:
                member.write(chunk)
                written += len(chunk)
            member.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


# --- Exports as a person opens them -------------------------------------------


def export_sheet(content: bytes):
    """The first sheet of an exported XLSX, opened as Excel would (not read-only)."""
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content)).worksheets[0]


def assert_readable_layout(sheet, spec, title: str) -> None:
    """What every XLSX export has: the labels in bold, each column's width,
    the header row frozen, a filter over every row, a sheet named `title`."""
    from openpyxl.utils import get_column_letter

    rows = sheet.max_row
    last = get_column_letter(len(spec))
    assert sheet.title == title
    assert [cell.value for cell in sheet[1]] == [column.label for column in spec]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{last}{rows}"
    for number, column in enumerate(spec, start=1):
        assert sheet.column_dimensions[get_column_letter(number)].width == column.width


def keyed_rows(sheet, spec) -> list[dict]:
    """The sheet's rows below the header as {key: cell}, by the spec's keys."""
    keys = [column.key for column in spec]
    return [dict(zip(keys, row, strict=False)) for row in sheet.iter_rows(min_row=2)]
