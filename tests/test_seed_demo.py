import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from assessments.models import MilestoneStatus, Status, TaskForce
from stages.models import Milestone


def _seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_task_forces_with_every_status_and_working_logins(db, settings):
    settings.DEBUG = True
    output = _seed()
    assert TaskForce.objects.count() == 6
    assert Milestone.objects.count() == 28
    recorded = set(MilestoneStatus.objects.values_list("status", flat=True))
    assert {Status.ACHIEVED, Status.PLANNING, Status.IN_PROGRESS, Status.LAPSED} <= recorded
    # Not started: a milestone with no record (or a not_started record) somewhere.
    assert MilestoneStatus.objects.count() < 6 * 28 or Status.NOT_STARTED in recorded
    passwords = dict(re.findall(r"^\s+(admin|coordinator)\s+password: (\S+)", output, re.M))
    admin = User.objects.get(username="admin")
    coordinator = User.objects.get(username="coordinator")
    assert admin.check_password(passwords["admin"]) and admin.is_staff
    assert coordinator.check_password(passwords["coordinator"]) and not coordinator.is_staff
    assert coordinator.coordinated_task_forces.count() == 2


def test_seed_demo_again_duplicates_nothing_and_gives_new_passwords(db, settings):
    settings.DEBUG = True
    first = _seed()
    count = MilestoneStatus.objects.count()
    second = _seed()
    assert TaskForce.objects.count() == 6
    assert MilestoneStatus.objects.count() == count
    assert first != second


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DJANGO_DEBUG=1"):
        _seed()
    assert not TaskForce.objects.exists()
