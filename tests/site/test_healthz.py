import datetime
import socket
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError
from django.test import Client

from taskforce_site.worker import beat


def test_healthz_answers_200_without_login(client, worker_alive):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client, db):
    with mock.patch(
        "taskforce_site.views.connection.ensure_connection", side_effect=OperationalError("down")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable: database\n"


def test_healthz_answers_503_when_a_kept_connection_is_no_longer_usable(client, db):
    with mock.patch("taskforce_site.views.connection.is_usable", return_value=False):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405


def test_livez_answers_without_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert (response.status_code, response.content) == (200, b"ok\n")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """The shared cache on a Redis that is not there."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        },
    }


def test_healthz_answers_503_when_the_shared_cache_does_not(client, worker_alive, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable: cache 'default'\n"


def test_pages_that_need_no_session_still_answer_when_the_shared_cache_is_down(world, redis_down):
    client = Client()
    assert client.get("/p/matrix-valid-token-0123456789abcdefghijklmnop/").status_code == 200
    assert client.get("/livez").status_code == 200


def test_healthz_answers_200_with_a_local_cache_only(client, worker_alive, settings):
    assert all(config["BACKEND"].endswith("LocMemCache") for config in settings.CACHES.values())
    assert client.get("/healthz").status_code == 200


def test_healthz_answers_head_as_get(client, worker_alive):
    response = client.head("/healthz")
    assert (response.status_code, response.content) == (200, b"")


def test_healthz_answers_503_naming_the_worker_when_none_has_run(client, db):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (
        503,
        b"unavailable: worker (none has run)\n",
    )


def test_healthz_answers_503_when_the_worker_has_not_been_seen_for_too_long(
    client, worker_alive, settings
):
    settings.WORKER_STALE_AFTER_SECONDS = 120
    with time_machine.travel(worker_alive.last_seen + datetime.timedelta(seconds=125)):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content.startswith(b"unavailable: worker (last seen 12")


def test_an_idle_worker_that_keeps_beating_is_healthy(client, worker_alive):
    """No job due for hours is not a failure: the heartbeat is what counts."""
    with time_machine.travel(worker_alive.last_seen + datetime.timedelta(hours=5)):
        beat(worker_alive.worker_id, started_at=worker_alive.started_at)
        assert client.get("/healthz").status_code == 200


def test_readyz_does_not_ask_for_the_worker(client, db):
    """Load balancers: pages work while the worker is away."""
    response = client.get("/readyz")
    assert (response.status_code, response.content) == (200, b"ok\n")


def test_readyz_answers_503_when_the_database_does_not(client, db):
    with mock.patch(
        "taskforce_site.views.connection.ensure_connection", side_effect=OperationalError("down")
    ):
        response = client.get("/readyz")
    assert (response.status_code, response.content) == (503, b"unavailable: database\n")
