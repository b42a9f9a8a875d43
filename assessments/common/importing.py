"""The one import flow: check a spreadsheet, keep the plan, apply it all or
none. The status import (core/importing.py) and the partner register import
(register/importing.py) share it; each gives its own columns and row rules.

Check: the file's size, its header (every required column, a hint to the
layout when one is missing), then each row through the kind's rules; reading
stops after MAX_ERRORS bad rows (nobody reads a longer list, and a file of
junk is refused quickly). Nothing is written until the plan is applied.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from assessments.common.spreadsheets import NotASpreadsheet, read_table

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
MAX_ERRORS = 100

# How often a check reports its progress (see check_file): whichever
# comes first, so a small file is not slowed and a slow one still moves.
PROGRESS_EVERY_ROWS = 2000
PROGRESS_EVERY_SECONDS = 1.0

Rows = Iterator[tuple[int, list[str]]]
# progress(rows checked, rows in the file)
Progress = Callable[[int, int], None]


class ImportConflict(Exception):
    """Applying the plan was refused: nothing of it was saved."""


@dataclass
class ImportCheck:
    errors: list[str] = field(default_factory=list)
    # The kind's planned changes (PlannedChange, PlannedAgency).
    changes: list = field(default_factory=list)
    unchanged: int = 0
    # The row at which checking stopped, after MAX_ERRORS rows with problems.
    stopped_at: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def too_large(content: bytes) -> str | None:
    """What is wrong with a file over MAX_FILE_BYTES, or None."""
    if len(content) <= MAX_FILE_BYTES:
        return None
    return (
        f"The file is too large ({len(content) // 1024} KB); the limit is "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MB. Split it into several files."
    )


def check_file(
    *,
    content: bytes,
    columns: list[str],
    layout: str,
    header_keys: dict[str, str] | None = None,
    check_rows: Callable[[ImportCheck, Rows, list[str]], list],
    plan: Callable[[ImportCheck, list], None],
    progress: Progress | None = None,
) -> ImportCheck:
    """Every problem in the file, row by row (rows numbered as a spreadsheet
    program shows them, the header being row 1), or the changes it makes.
    `check_rows` checks the rows after the header (see rows_to_check) and
    returns what `plan` turns into check.changes; `layout` says where to get
    the right columns; `header_keys` maps the XLSX export's header labels
    (lower case) to the keys, so either file reads the same. `progress` is
    told how far the check is, every PROGRESS_EVERY_ROWS rows or
    PROGRESS_EVERY_SECONDS, and at the end."""
    check = ImportCheck()
    if (problem := too_large(content)) is not None:
        check.errors.append(problem)
        return check
    rows = read_table(content, max_rows=MAX_ROWS + 1)
    try:
        # The header first: a file without the right columns is refused
        # before the rest of it is read.
        first = next(rows, None)
        if first is None:
            check.errors.append("The file is empty.")
            return check
        header = [cell.strip().lower() for cell in first[1]]
        if header_keys and _has_labels(header, header_keys):
            header = [header_keys.get(cell, cell) for cell in header]
        missing = [column for column in columns if column not in header]
        if missing:
            check.errors.append(
                f"Row {first[0]}: the header is missing the column(s) "
                + ", ".join(missing)
                + f". Start from {layout} to get the right layout."
            )
            return check
        if progress is None:
            planned = check_rows(check, rows, header)
        else:
            # Read to the end first (the file is at most MAX_FILE_BYTES), so
            # the progress can say "of how many".
            body = list(rows)
            progress(0, len(body))
            planned = check_rows(check, _reporting(body, progress), header)
            progress(len(body), len(body))
    except NotASpreadsheet as error:
        # A file that cannot be read to the end: that is the one problem to fix.
        check.errors[:] = [str(error)]
        return check
    finally:
        rows.close()  # the XLSX reader's workbook, when refused early
    if check.errors:
        return check
    plan(check, planned)
    return check


def _has_labels(header: list[str], header_keys: dict[str, str]) -> bool:
    """Whether the header is the XLSX's labels rather than the CSV's keys:
    it has a label that is no key. Read as a whole, since a label can be
    another column's key ("Milestone" is the name in the XLSX, while the
    CSV's "milestone" is the code)."""
    keys = set(header_keys.values())
    return any(cell in header_keys and cell not in keys for cell in header)


def _reporting(body: list[tuple[int, list[str]]], progress: Progress) -> Rows:
    total, last = len(body), time.monotonic()
    for done, row in enumerate(body):
        if done and (
            done % PROGRESS_EVERY_ROWS == 0 or time.monotonic() - last >= PROGRESS_EVERY_SECONDS
        ):
            progress(done, total)
            last = time.monotonic()
        yield row


def rows_to_check(check: ImportCheck, rows: Rows, header: list[str], columns: list[str]):
    """(row number, {column: stripped cell}) of each row, until MAX_ERRORS
    rows had problems (check.stopped_at says where)."""
    position = {column: header.index(column) for column in columns}
    for number, row in rows:
        if len(check.errors) >= MAX_ERRORS:
            check.stopped_at = number
            break
        yield number, {c: (row[i].strip() if i < len(row) else "") for c, i in position.items()}


def parse_date(text: str) -> datetime.date:
    """A date cell as text: ISO 8601 (the CSV's, and an XLSX date cell as
    read), or as the XLSX shows it ("15 Mar 2027"), which is what a sheet
    saved again as CSV from Excel holds. Raises ValueError for anything else."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return datetime.datetime.strptime(text, "%d %b %Y").date()  # noqa: DTZ007 (a date)


def plain(value):
    """A planned value as the ImportBatch's JSON keeps it."""
    return value.isoformat() if isinstance(value, datetime.date) else value
