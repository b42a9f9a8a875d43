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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from assessments.common.spreadsheets import NotASpreadsheet, read_table

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
MAX_ERRORS = 100

Rows = Iterator[tuple[int, list[str]]]


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


def check_file(
    *,
    content: bytes,
    columns: list[str],
    layout: str,
    check_rows: Callable[[ImportCheck, Rows, list[str]], list],
    plan: Callable[[ImportCheck, list], None],
) -> ImportCheck:
    """Every problem in the file, row by row (rows numbered as a spreadsheet
    program shows them, the header being row 1), or the changes it makes.
    `check_rows` checks the rows after the header (see rows_to_check) and
    returns what `plan` turns into check.changes; `layout` says where to get
    the right columns."""
    check = ImportCheck()
    if len(content) > MAX_FILE_BYTES:
        check.errors.append(
            f"The file is too large ({len(content) // 1024} KB); the limit is "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB. Split it into several files."
        )
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
        missing = [column for column in columns if column not in header]
        if missing:
            check.errors.append(
                f"Row {first[0]}: the header is missing the column(s) "
                + ", ".join(missing)
                + f". Start from {layout} to get the right layout."
            )
            return check
        planned = check_rows(check, rows, header)
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


def rows_to_check(check: ImportCheck, rows: Rows, header: list[str], columns: list[str]):
    """(row number, {column: stripped cell}) of each row, until MAX_ERRORS
    rows had problems (check.stopped_at says where)."""
    position = {column: header.index(column) for column in columns}
    for number, row in rows:
        if len(check.errors) >= MAX_ERRORS:
            check.stopped_at = number
            break
        yield number, {c: (row[i].strip() if i < len(row) else "") for c, i in position.items()}


def plain(value):
    """A planned value as the ImportBatch's JSON keeps it."""
    return value.isoformat() if isinstance(value, datetime.date) else value
