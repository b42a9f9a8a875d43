from unittest import mock

from django.db import OperationalError


def test_healthz_answers_200_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client, db):
    with mock.patch("taskforce_site.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405


def test_livez_answers_without_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert (response.status_code, response.content) == (200, b"ok\n")
