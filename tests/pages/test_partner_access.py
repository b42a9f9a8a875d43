"""What a partner link's token opens: one ORM query on the unique token hash,
with revocation and expiry decided in it (PartnerLink.objects.for_token)."""

import datetime

import pytest
from django.utils import timezone

from assessments.models import PartnerLink
from tests.factories import PartnerLinkFactory

TOKEN = "access-token-for-tests-0123456789abcdefghijkl"


@pytest.fixture
def link(task_force):
    return PartnerLinkFactory(task_force=task_force, token=TOKEN)


def test_a_usable_token_opens_its_link_and_task_force_in_one_query(
    link, task_force, django_assert_num_queries
):
    task_force.save()  # revision 1
    with django_assert_num_queries(1):
        found = PartnerLink.objects.for_token(TOKEN)
        assert found == link
        assert found.task_force == task_force
        assert found.task_force.revision == 1


def test_an_unknown_token_opens_nothing(link):
    assert PartnerLink.objects.for_token("not-" + TOKEN) is None


def test_a_revoked_link_opens_nothing(link):
    link.revoked_at = timezone.now()
    link.save()
    assert PartnerLink.objects.for_token(TOKEN) is None


@pytest.mark.parametrize(
    ("expires_in_days", "usable"), [(None, True), (0, True), (1, True), (-1, False)]
)
def test_for_token_and_is_usable_agree_on_expiry(link, expires_in_days, usable):
    if expires_in_days is not None:
        link.expires_on = timezone.localdate() + datetime.timedelta(days=expires_in_days)
        link.save()
    assert link.is_usable is usable
    assert (PartnerLink.objects.for_token(TOKEN) is not None) is usable


def test_a_visit_within_the_gap_is_recent_and_an_older_one_is_not(link):
    now = timezone.now()
    PartnerLink.objects.filter(pk=link.pk).update(last_used_at=now - datetime.timedelta(seconds=5))
    assert PartnerLink.objects.for_token(TOKEN).visited_recently is True
    PartnerLink.objects.filter(pk=link.pk).update(
        last_used_at=now - PartnerLink.VISIT_GAP - datetime.timedelta(seconds=1)
    )
    assert PartnerLink.objects.for_token(TOKEN).visited_recently is False
    PartnerLink.objects.filter(pk=link.pk).update(last_used_at=None)
    assert PartnerLink.objects.for_token(TOKEN).visited_recently is False
