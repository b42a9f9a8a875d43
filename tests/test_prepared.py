"""The reads on every request (session, user, partner link) as PostgreSQL
prepared statements, planned once per connection; Django's own behaviour
otherwise, on SQLite, and with DJANGO_DB_PREPARED_STATEMENTS=0."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import TaskForce
from taskforce_site import prepared
from taskforce_site.auth_backends import ModelBackend
from tests.factories import TaskForceFactory, UserFactory

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
DASHBOARD = reverse("assessments:dashboard")
SQL = "SELECT id, username FROM auth_user WHERE id = %s AND is_active = %s"


def _kinds(queries):
    return [query["sql"].split()[0] for query in queries]


def test_placeholders_are_numbered_for_prepare():
    assert prepared._numbered("a = %s AND b > %s OR c <> %s") == "a = $1 AND b > $2 OR c <> $3"


def test_each_statement_gets_a_name_of_its_own():
    assert prepared.statement_name(SQL) == prepared.statement_name(SQL)
    assert prepared.statement_name(SQL) != prepared.statement_name(SQL + " ")


@on_postgresql
# Its own transactions, so it can close the connection; serialized_rollback,
# as every transactional test here, puts back what the migrations created.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_statement_is_prepared_once_per_connection():
    user = UserFactory()
    connection.close()  # as after CONN_MAX_AGE, or a database restart
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert prepared.fetch_one(SQL, [user.pk, True]) == (user.pk, user.username)
    assert _kinds(queries) == ["PREPARE", "EXECUTE", "EXECUTE", "EXECUTE"]
    connection.close()
    with CaptureQueriesContext(connection) as queries:
        assert prepared.fetch_one(SQL, [user.pk, False]) is None
    assert _kinds(queries) == ["PREPARE", "EXECUTE"]


def test_without_prepared_statements_the_sql_runs_as_it_is(db, settings):
    settings.DB_PREPARED_STATEMENTS = False
    user = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        assert prepared.fetch_one(SQL, [user.pk, True]) == (user.pk, user.username)
    assert _kinds(queries) == ["SELECT"]


@on_postgresql
def test_a_logged_in_request_reads_session_and_user_with_prepared_statements(
    guidance, coordinator_client, task_force
):
    coordinator_client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as queries:
        assert coordinator_client.get(DASHBOARD).status_code == 200
    assert _kinds(queries)[:2] == ["EXECUTE", "EXECUTE"]


@on_postgresql
def test_the_backend_reads_the_same_user_as_the_orm(db):
    user = UserFactory(first_name="Ana", last_login=timezone.now())
    from_backend = ModelBackend().get_user(user.pk)
    from_orm = get_user_model().objects.get(pk=user.pk)
    fields = [field.attname for field in get_user_model()._meta.concrete_fields]
    assert [getattr(from_backend, f) for f in fields] == [getattr(from_orm, f) for f in fields]
    assert from_backend._state.db == "default" and not from_backend._state.adding


def test_the_backend_lets_in_no_inactive_or_deleted_user(db):
    inactive, deleted = UserFactory(is_active=False), UserFactory()
    deleted_pk = deleted.pk
    deleted.delete()
    assert ModelBackend().get_user(inactive.pk) is None
    assert ModelBackend().get_user(deleted_pk) is None
    assert ModelBackend().get_user(UserFactory().pk) is not None
    assert ModelBackend().get_user(2**62) is None  # beyond the id column's range


def test_the_backend_takes_the_id_as_text_too(db):
    # django-two-factor-auth's sign-in keeps the user's id in the session as text.
    user = UserFactory()
    assert ModelBackend().get_user(str(user.pk)) == user


def test_a_session_key_of_any_length_is_just_unknown(db):
    client = Client()
    client.cookies["sessionid"] = "x" * 5000
    assert client.get(DASHBOARD).status_code == 302


def test_a_deactivated_user_is_logged_out_at_the_next_request(
    guidance, coordinator_client, coordinator
):
    assert coordinator_client.get(DASHBOARD).status_code == 200
    coordinator.is_active = False
    coordinator.save()
    assert coordinator_client.get(DASHBOARD).status_code == 302


def test_an_expired_or_logged_out_session_lets_no_one_in(guidance, coordinator_client):
    assert coordinator_client.get(DASHBOARD).status_code == 200
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert coordinator_client.get(DASHBOARD).status_code == 302

    client = Client()
    client.force_login(UserFactory())
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get(DASHBOARD).status_code == 302


def test_a_session_key_that_does_not_exist_lets_no_one_in(db):
    client = Client()
    client.cookies["sessionid"] = "x" * 32
    assert client.get(DASHBOARD).status_code == 302


def test_a_literal_percent_sign_is_refused_rather_than_prepared_wrong(db):
    if not prepared.available():
        pytest.skip("only prepared statements need this")
    with pytest.raises(ValueError, match="literal %"):
        prepared.fetch_all("SELECT 'a%%b' WHERE 1 = %s", [1])


def test_the_dashboard_keys_read_the_same_rows_as_the_orm(db, coordinator, staff_user):
    for task_force in TaskForceFactory.create_batch(3)[:2]:
        task_force.coordinators.add(coordinator)
    sizes = []
    for user in (staff_user, coordinator, UserFactory()):
        visible = TaskForce.objects.visible_to(user)
        assert visible.ids_and_revisions(4) == list(visible.values_list("pk", "revision")[:4])
        sizes.append(len(visible.ids_and_revisions(10)))
    assert sizes == [TaskForce.objects.count(), coordinator.coordinated_task_forces.count(), 0]
    assert sizes[0] > sizes[1] > 0


@on_postgresql
def test_the_dashboard_keys_are_a_prepared_statement(db, coordinator):
    TaskForceFactory().coordinators.add(coordinator)
    visible = TaskForce.objects.visible_to(coordinator)
    visible.ids_and_revisions(50)
    with CaptureQueriesContext(connection) as queries:
        assert len(visible.ids_and_revisions(50)) == visible.count()
    assert _kinds(queries[:1]) == ["EXECUTE"]
