"""Backup and restore with dumpdata/loaddata, as docs/deploying.md describes."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from assessments.models import MilestoneStatus, StatusChange, TaskForce
from stages.models import Milestone

EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]


def _dump() -> str:
    out = StringIO()
    call_command(
        "dumpdata",
        "--natural-foreign",
        "--natural-primary",
        *[f"--exclude={label}" for label in EXCLUDE],
        "--indent=1",
        stdout=out,
    )
    return out.getvalue()


# serialized_rollback: restore what the migrations created (the Program
# managers group) for the tests that run after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dump_loads_into_an_empty_database_and_dumps_back_identical(settings, tmp_path):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    Milestone.objects.filter(slug="youth-voice").update(description="Edited by an admin")
    counts = (
        TaskForce.objects.count(),
        MilestoneStatus.objects.count(),
        StatusChange.objects.count(),
    )
    assert counts[2] > 100  # seed_demo writes a realistic history
    first = _dump()
    backup = tmp_path / "backup.json"
    backup.write_text(first)

    call_command("flush", "--no-input", verbosity=0)
    assert not TaskForce.objects.exists() and not Milestone.objects.exists()
    call_command("loaddata", str(backup), verbosity=0)

    assert (
        TaskForce.objects.count(),
        MilestoneStatus.objects.count(),
        StatusChange.objects.count(),
    ) == counts
    assert Milestone.objects.get(slug="youth-voice").description == "Edited by an admin"
    second = _dump()
    assert _comparable(second) == _comparable(first)


def _comparable(dump: str) -> list[dict]:
    """The dump without task forces' revisions: loading a backup moves them
    on, as any change to what pages show does, so no cached page part from
    before the restore is served after it."""
    objects = json.loads(_whole_milliseconds(dump))
    for entry in objects:
        if entry["model"] == "assessments.taskforce":
            entry["fields"].pop("revision")
    return objects


def _whole_milliseconds(dump: str) -> str:
    """Django's serializer writes times to the millisecond, and leaves out a
    fraction of zero: a time 400 microseconds past a second is written
    ".000" once and, loaded back, without a fraction the second time."""
    return re.sub(r"(T\d\d:\d\d:\d\d)\.000(?=Z|[+-]\d\d:\d\d|\")", r"\1", dump)
