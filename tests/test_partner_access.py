"""The partner page's one query: what a token opens, decided in SQL (and on
PostgreSQL run as a prepared statement: see also test_prepared.py)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import partner_access
from assessments.models import PartnerLink
from tests.factories import PartnerLinkFactory

TOKEN = "access-token-for-tests-0123456789abcdefghijkl"

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


@pytest.fixture
def link(task_force):
    return PartnerLinkFactory(task_force=task_force, token=TOKEN)


def test_a_usable_token_opens_its_task_force_at_its_revision(link, task_force):
    task_force.save()  # revision 1
    access = partner_access.find(TOKEN)
    assert access == partner_access.PartnerAccess(
        link_id=link.pk,
        task_force_id=task_force.pk,
        task_force_slug=task_force.slug,
        revision=1,
        visited_recently=False,
    )


def test_an_unknown_token_opens_nothing(link):
    assert partner_access.find("not-" + TOKEN) is None


def test_a_revoked_link_opens_nothing(link):
    link.revoked_at = timezone.now()
    link.save()
    assert partner_access.find(TOKEN) is None


@pytest.mark.parametrize(
    ("expires_in_days", "usable"), [(None, True), (0, True), (1, True), (-1, False)]
)
def test_find_and_is_usable_agree_on_expiry(link, expires_in_days, usable):
    if expires_in_days is not None:
        link.expires_on = timezone.localdate() + datetime.timedelta(days=expires_in_days)
        link.save()
    assert link.is_usable is usable
    assert (partner_access.find(TOKEN) is not None) is usable


def test_a_visit_within_the_gap_is_recent_and_an_older_one_is_not(link):
    now = timezone.now()
    PartnerLink.objects.filter(pk=link.pk).update(last_used_at=now - datetime.timedelta(seconds=5))
    assert partner_access.find(TOKEN).visited_recently is True
    PartnerLink.objects.filter(pk=link.pk).update(
        last_used_at=now - PartnerLink.VISIT_GAP - datetime.timedelta(seconds=1)
    )
    assert partner_access.find(TOKEN).visited_recently is False


@on_postgresql
def test_on_postgresql_it_is_a_prepared_statement(link):
    partner_access.find(TOKEN)  # prepares it on this connection, if it was not
    with CaptureQueriesContext(connection) as queries:
        assert partner_access.find(TOKEN) is not None
    assert [q["sql"].split()[0] for q in queries] == ["EXECUTE"]


def test_without_prepared_statements_it_is_one_plain_select(link, settings):
    settings.DB_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as queries:
        assert partner_access.find(TOKEN) is not None
    assert [q["sql"].split()[0] for q in queries] == ["SELECT"]
