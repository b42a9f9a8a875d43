"""The register's one write path (assessments/register/services.py): validation,
refusing stale edits, the history it writes and the revision it bumps."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.common.stale import StaleSaveError
from assessments.models import (
    MouStatus,
    PartnerAgency,
    PartnershipType,
    RegisterChange,
    Sector,
    TaskForce,
)
from assessments.register import services as register
from tests.factories import TaskForceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _sector(slug="victim-services"):
    return Sector.objects.get(slug=slug)


def _create(task_force, user, **values):
    values.setdefault("name", "County Victim Services")
    values.setdefault("sector", _sector())
    return register.partner_agency_create(task_force=task_force, user=user, **values)


def _edit(agency, user, **changes):
    values = {field: getattr(agency, field) for field in RegisterChange.TRACKED_FIELDS}
    values.update(changes)
    return register.partner_agency_update(
        agency=agency, user=user, expected_version=agency.version, **values
    )


def _revision(task_force):
    return TaskForce.objects.get(pk=task_force.pk).revision


def test_create_records_who_when_and_every_value_given(task_force, coordinator):
    agency = _create(
        task_force,
        coordinator,
        partnership_type=PartnershipType.JOINT_SERVICES,
        mou_status=MouStatus.SIGNED,
        mou_signed_on=datetime.date(2026, 1, 15),
        contact_name="Program director",
    )
    change = RegisterChange.objects.get()
    assert change.action == RegisterChange.Action.CREATED
    assert change.agency == agency and change.agency_name == "County Victim Services"
    assert change.changed_by == coordinator and change.changed_by_name == coordinator.username
    assert change.changes["sector"] == [None, "Victim services"]
    assert change.changes["mou_signed_on"] == [None, "2026-01-15"]
    assert change.changes["partnership_type"] == [None, "joint_services"]
    assert "contact_email" not in change.changes  # empty values are not listed
    assert agency.version == 1


def test_update_records_old_and_new_of_each_changed_field(task_force, coordinator):
    agency = _create(task_force, coordinator)
    _edit(
        agency,
        coordinator,
        mou_status=MouStatus.SIGNED,
        mou_signed_on=datetime.date(2026, 2, 1),
        sector=_sector("health-care"),
    )
    change = RegisterChange.objects.filter(action=RegisterChange.Action.UPDATED).get()
    assert change.changes == {
        "sector": ["Victim services", "Health care"],
        "mou_status": ["none", "signed"],
        "mou_signed_on": [None, "2026-02-01"],
    }
    assert ("MOU status", "None", "Signed") in change.field_changes
    assert ("MOU signed on", "—", "1 Feb 2026") in change.field_changes
    assert PartnerAgency.objects.get().version == 2


def test_a_save_that_changes_nothing_records_nothing_and_keeps_the_revision(
    task_force, coordinator
):
    agency = _create(task_force, coordinator)
    revision = _revision(task_force)
    _edit(agency, coordinator)
    assert RegisterChange.objects.count() == 1
    assert _revision(task_force) == revision
    assert PartnerAgency.objects.get().version == 1


def test_every_write_moves_the_task_force_revision(task_force, coordinator):
    before = _revision(task_force)
    agency = _create(task_force, coordinator)
    after_create = _revision(task_force)
    _edit(agency, coordinator, shown_to_partners=True)
    after_update = _revision(task_force)
    register.partner_agency_leave(
        agency=PartnerAgency.objects.get(),
        left_on=timezone.localdate(),
        user=coordinator,
        expected_version=2,
    )
    assert before < after_create < after_update < _revision(task_force)


def test_leaving_keeps_the_agency_and_records_the_day(task_force, coordinator):
    agency = _create(task_force, coordinator)
    day = timezone.localdate() - datetime.timedelta(days=3)
    register.partner_agency_leave(agency=agency, left_on=day, user=coordinator, expected_version=1)
    agency.refresh_from_db()
    assert agency.left_on == day and not agency.is_active
    change = RegisterChange.objects.latest("pk")
    assert change.action == RegisterChange.Action.LEFT
    assert change.changes == {"left_on": [None, day.isoformat()]}


def test_leaving_twice_is_refused(task_force, coordinator):
    agency = _create(task_force, coordinator, left_on=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="already left"):
        register.partner_agency_leave(
            agency=agency, left_on=timezone.localdate(), user=coordinator, expected_version=1
        )
    assert RegisterChange.objects.count() == 1


def test_leaving_in_the_future_is_refused(task_force, coordinator):
    agency = _create(task_force, coordinator)
    with pytest.raises(ValidationError) as error:
        register.partner_agency_leave(
            agency=agency,
            left_on=timezone.localdate() + datetime.timedelta(days=1),
            user=coordinator,
            expected_version=1,
        )
    assert "left_on" in error.value.message_dict
    assert PartnerAgency.objects.get().left_on is None


def test_stale_edit_is_refused_and_saves_nothing(task_force, coordinator):
    agency = _create(task_force, coordinator)
    other = UserFactory(first_name="Robin", last_name="Other")
    _edit(PartnerAgency.objects.get(), other, contact_name="Shelter manager")
    with pytest.raises(StaleSaveError) as error:
        _edit(agency, coordinator, contact_name="Director")  # agency still says version 1
    assert "Not saved: Robin Other saved this at" in error.value.message_for(coordinator)
    assert PartnerAgency.objects.get().contact_name == "Shelter manager"
    assert RegisterChange.objects.count() == 2


def test_stale_message_says_when_it_was_the_viewer_in_another_window(task_force, coordinator):
    agency = _create(task_force, coordinator)
    _edit(PartnerAgency.objects.get(), coordinator, contact_name="Shelter manager")
    with pytest.raises(StaleSaveError) as error:
        _edit(agency, coordinator, contact_name="Director")
    assert "Not saved: You saved this in another window at" in error.value.message_for(coordinator)


def test_duplicate_name_in_another_case_is_refused_on_create(task_force, coordinator):
    _create(task_force, coordinator, name="County Sheriff")
    with pytest.raises(ValidationError, match="already has an agency by that name"):
        _create(task_force, coordinator, name="  county sheriff ")
    assert PartnerAgency.objects.count() == 1
    assert RegisterChange.objects.count() == 1


def test_renaming_to_a_name_the_task_force_has_is_refused(task_force, coordinator):
    _create(task_force, coordinator, name="County Sheriff")
    agency = _create(task_force, coordinator, name="City Police")
    with pytest.raises(ValidationError, match="already has an agency by that name"):
        _edit(agency, coordinator, name="COUNTY SHERIFF")
    assert PartnerAgency.objects.get(pk=agency.pk).name == "City Police"


def test_same_name_in_another_task_force_is_fine(task_force, coordinator):
    _create(task_force, coordinator, name="County Sheriff")
    _create(TaskForceFactory(), coordinator, name="County Sheriff")
    assert PartnerAgency.objects.count() == 2


def test_signed_mou_without_its_date_is_refused_with_a_clear_message(task_force, coordinator):
    with pytest.raises(ValidationError, match="A signed MOU needs the day it was signed"):
        _create(task_force, coordinator, mou_status=MouStatus.SIGNED)
    assert not PartnerAgency.objects.exists()
    assert not RegisterChange.objects.exists()


def test_renewal_before_signing_is_refused(task_force, coordinator):
    with pytest.raises(ValidationError, match="renewal date cannot be before"):
        _create(
            task_force,
            coordinator,
            mou_status=MouStatus.SIGNED,
            mou_signed_on=datetime.date(2026, 5, 1),
            mou_renews_on=datetime.date(2026, 4, 30),
        )
    assert not PartnerAgency.objects.exists()


@pytest.mark.parametrize(
    "values",
    [
        {"mou_status": "maybe"},
        {"partnership_type": "friendship"},
        {"name": ""},
        {"name": "x" * 201},
        {"contact_email": "not-an-address"},
    ],
)
def test_invalid_values_are_refused_and_nothing_is_saved(task_force, coordinator, values):
    with pytest.raises(ValidationError):
        _create(task_force, coordinator, **values)
    assert not PartnerAgency.objects.exists()
    assert not RegisterChange.objects.exists()


def test_register_history_is_append_only(task_force, coordinator):
    _create(task_force, coordinator)
    change = RegisterChange.objects.get()
    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        change.delete()
    with pytest.raises(TypeError):
        RegisterChange.objects.all().delete()
    with pytest.raises(TypeError):
        RegisterChange.objects.update(agency_name="x")
