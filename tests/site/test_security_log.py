"""The security log: who, what, when (UTC) and from where, as JSON."""

import json

from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from pythonjsonlogger.json import JsonFormatter

from tests.factories import PartnerLinkFactory, TaskForceFactory
from tests.login import login_data

IP = "192.0.2.44"


def test_login_success_and_failure_are_logged_with_who_and_ip(client, coordinator, events):
    client.post(reverse("login"), login_data(coordinator.username, "nope"), REMOTE_ADDR=IP)
    client.post(
        reverse("login"),
        login_data(coordinator.username, "a-long-test-password"),
        REMOTE_ADDR=IP,
    )
    failure, success = events("login.failure")[0], events("login.success")[0]
    assert failure.attempted_username == coordinator.username
    assert failure.ip == IP
    assert "nope" not in json.dumps(failure.__dict__, default=str)
    assert success.user_id == coordinator.pk
    assert success.username == coordinator.username
    assert success.ip == IP


def test_a_lockout_is_logged(client, coordinator, events):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), login_data(coordinator.username, "x"), REMOTE_ADDR=IP)
    lockout = events("login.lockout")
    assert lockout and lockout[0].attempted_username == coordinator.username
    assert lockout[0].ip == IP


def test_a_permission_denial_is_logged(client, world, events):
    client.force_login(world["users"]["program_manager"])
    client.get(f"/task-forces/{world['own'].slug}/sharing/", REMOTE_ADDR=IP)
    denied = events("permission.denied")[0]
    assert denied.user_id == world["users"]["program_manager"].pk
    assert denied.path == f"/task-forces/{world['own'].slug}/sharing/"
    assert denied.ip == IP


def test_asking_for_a_hidden_task_force_is_logged(coordinator_client, guidance, events):
    other = TaskForceFactory()
    coordinator_client.get(f"/task-forces/{other.slug}/")
    assert events("task_force.hidden")[0].task_force == other.slug


def test_partner_link_creation_use_and_revocation_are_logged_without_the_token(
    coordinator_client, task_force, guidance, events
):
    partner = Client()
    response = coordinator_client.post(
        reverse("assessments:sharing", args=[task_force.slug]), {"label": "Health"}
    )
    url = response.context["url"]
    token = url.rstrip("/").rsplit("/", 1)[-1]
    partner.get(url)
    link = response.context["link"]
    coordinator_client.post(
        reverse("assessments:partner_link_revoke", args=[task_force.slug, link.pk])
    )
    partner.get(url)
    assert events("partner_link.created")[0].link_id == link.pk
    used = events("partner_link.used")[0]
    assert used.link_id == link.pk and used.user_id is None
    assert events("partner_link.revoked")[0].link_id == link.pk
    assert events("partner_link.refused")
    for record in events():
        assert token not in json.dumps(record.__dict__, default=str)


def test_records_are_json_with_a_utc_timestamp(client, guidance, events):
    PartnerLinkFactory(token="some-token")
    client.get("/p/some-token/", REMOTE_ADDR=IP)
    record = events("partner_link.used")[0]
    formatter_config = django_settings.LOGGING["formatters"]["json"]
    formatter = JsonFormatter(
        formatter_config["fmt"],
        timestamp=formatter_config["timestamp"],
        rename_fields=formatter_config["rename_fields"],
    )
    line = json.loads(formatter.format(record))
    assert line["event"] == "partner_link.used"
    assert line["ip"] == IP
    assert line["path"] == "/p/<token>/"
    assert line["timestamp"].endswith("+00:00")
