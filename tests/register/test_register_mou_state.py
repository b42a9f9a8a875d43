"""The partner register's one rule for where an MOU stands on a day
(PartnerAgencyQuerySet.with_mou_state), around its date boundaries, and the
database constraints that keep the register readable."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from assessments.models import MouState, MouStatus, PartnerAgency, Sector
from tests.factories import PartnerAgencyFactory, TaskForceFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 3, 1)


def _state(agency, today=TODAY, window_days=None):
    return (
        PartnerAgency.objects.with_mou_state(today, window_days=window_days)
        .get(pk=agency.pk)
        .mou_state
    )


def _signed(renews_on, **kwargs):
    return PartnerAgencyFactory(
        mou_status=MouStatus.SIGNED,
        mou_signed_on=datetime.date(2025, 1, 1),
        mou_renews_on=renews_on,
        **kwargs,
    )


def test_the_sixteen_sectors_are_seeded_in_the_issues_order():
    names = list(Sector.objects.values_list("name", flat=True))
    assert len(names) == 16
    assert names[:3] == ["Law enforcement", "Prosecution", "Victim services"]
    assert names[-1] == "Other"
    assert Sector.objects.filter(slug__in=Sector.DIVERSIFYING).count() == 3


def test_signed_mou_without_renewal_date_is_current():
    assert _state(_signed(None)) == MouState.CURRENT


def test_mou_renewing_today_is_expiring_not_expired():
    assert _state(_signed(TODAY)) == MouState.EXPIRING


def test_mou_renewing_tomorrow_is_expiring():
    assert _state(_signed(TODAY + datetime.timedelta(days=1))) == MouState.EXPIRING


def test_mou_renewing_on_the_last_day_of_the_window_is_expiring(settings):
    settings.REGISTER_EXPIRY_WINDOW_DAYS = 60
    assert _state(_signed(TODAY + datetime.timedelta(days=60))) == MouState.EXPIRING


def test_mou_renewing_the_day_after_the_window_is_current(settings):
    settings.REGISTER_EXPIRY_WINDOW_DAYS = 60
    assert _state(_signed(TODAY + datetime.timedelta(days=61))) == MouState.CURRENT


def test_mou_renewal_date_yesterday_is_expired():
    assert _state(_signed(TODAY - datetime.timedelta(days=1))) == MouState.EXPIRED


def test_window_comes_from_the_setting(settings):
    agency = _signed(TODAY + datetime.timedelta(days=20))
    settings.REGISTER_EXPIRY_WINDOW_DAYS = 19
    assert _state(agency) == MouState.CURRENT
    settings.REGISTER_EXPIRY_WINDOW_DAYS = 20
    assert _state(agency) == MouState.EXPIRING


def test_mou_marked_expired_is_expired_whatever_its_dates():
    agency = PartnerAgencyFactory(
        mou_status=MouStatus.EXPIRED, mou_renews_on=TODAY + datetime.timedelta(days=400)
    )
    assert _state(agency) == MouState.EXPIRED


@pytest.mark.parametrize("status", [MouStatus.NONE, MouStatus.DRAFTING, MouStatus.LEGAL_REVIEW])
def test_mou_not_signed_yet_counts_as_none(status):
    agency = PartnerAgencyFactory(mou_status=status, mou_renews_on=TODAY)
    assert _state(agency) == MouState.NONE


def test_agency_name_is_unique_per_task_force_whatever_the_case():
    task_force = TaskForceFactory()
    PartnerAgencyFactory(task_force=task_force, name="County Sheriff")
    PartnerAgencyFactory(name="county sheriff")  # another task force: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerAgencyFactory(task_force=task_force, name="COUNTY SHERIFF")


def test_database_refuses_signed_mou_without_signed_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerAgencyFactory(mou_status=MouStatus.SIGNED, mou_signed_on=None)


def test_database_refuses_renewal_before_signing():
    with pytest.raises(IntegrityError), transaction.atomic():
        _signed(datetime.date(2024, 12, 31))


def test_database_refuses_unknown_mou_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerAgencyFactory(mou_status="maybe")


def test_database_refuses_unknown_partnership_type():
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerAgencyFactory(partnership_type="friendship")
