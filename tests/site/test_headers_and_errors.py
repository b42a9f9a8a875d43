"""Security headers, production settings, and error pages that leak nothing."""

import os
import re
import subprocess
import sys
from unittest import mock

from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse


def test_content_security_policy_forbids_inline_code_and_framing(client, db):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy


def test_other_security_headers(client, db):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hsts_is_sent_over_https(client, db):
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_have_no_inline_scripts_or_styles(world):
    client = Client()
    client.force_login(world["users"]["admin"])
    own = world["own"]
    pages = [
        "/",
        f"/task-forces/{own.slug}/",
        f"/task-forces/{own.slug}/milestones/task-force-mou/",
        f"/task-forces/{own.slug}/sharing/",
        "/accounts/password_change/",
        "/p/matrix-valid-token-0123456789abcdefghijklmnop/",
        f"/task-forces/{own.slug}/team/",
        "/invitations/",
        "/accounts/two-factor/",
        "/accounts/two-factor/setup/",
        "/invitations/accept/matrix-invitation-token-0123456789abcdefghijk/",
    ]
    for page in pages:
        html = client.get(page).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert not re.search(r"\sstyle=", html), page
        assert "<style" not in html, page


def test_cookies_are_secure_when_debug_is_off():
    assert django_settings.SESSION_COOKIE_SECURE
    assert django_settings.CSRF_COOKIE_SECURE
    assert django_settings.SESSION_COOKIE_HTTPONLY
    assert django_settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_check_deploy_passes_with_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k7#Qz!v9@Lm2$Xp4%Rt6^Wy8&Bn1*Cd3(Fg5)Hj7-Jk9_Ln0+Mq2",
        DJANGO_ALLOWED_HOSTS="taskforces.example.org",
        DJANGO_SITE_URL="https://taskforces.example.org",
        DJANGO_DEFAULT_FROM_EMAIL="Task Force Stages <no-reply@taskforces.example.org>",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_404_page_is_friendly_and_leaks_nothing(coordinator_client, db):
    response = coordinator_client.get("/task-forces/nowhere/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "Traceback" not in html and "urlpatterns" not in html


def test_the_403_page_is_friendly(world):
    client = Client()
    client.force_login(world["users"]["program_manager"])
    response = client.get(f"/task-forces/{world['own'].slug}/sharing/")
    assert response.status_code == 403
    assert "can see this page but not change it" in response.content.decode()


def test_the_500_page_is_friendly_and_leaks_nothing(coordinator_client, task_force, guidance):
    coordinator_client.raise_request_exception = False
    with mock.patch(
        "assessments.pages.task_force.board_for", side_effect=RuntimeError("secret detail")
    ):
        response = coordinator_client.get(f"/task-forces/{task_force.slug}/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "secret detail" not in html and "RuntimeError" not in html


def test_a_500_raised_inside_a_middleware_still_carries_the_policy(world, monkeypatch):
    from taskforce_site.middleware import SessionTimeoutMiddleware

    def broken(self, request):
        raise RuntimeError("a middleware failed")

    monkeypatch.setattr(SessionTimeoutMiddleware, "_check", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world["users"]["coordinator"])
    response = client.get("/")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "a middleware failed" not in response.content.decode()


def test_pages_for_someone_signed_in_are_never_stored(world):
    client = Client()
    client.force_login(world["users"]["coordinator"])
    own = world["own"]
    for page in ("/", f"/task-forces/{own.slug}/", f"/task-forces/{own.slug}/history/"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert "no-store" in response["Cache-Control"], page
        assert "private" in response["Cache-Control"], page


def test_the_page_showing_a_new_partner_link_is_never_stored(world):
    client = Client()
    client.force_login(world["users"]["coordinator"])
    response = client.post(
        f"/task-forces/{world['own'].slug}/sharing/", {"label": "Sheriff's office"}
    )
    assert response.status_code == 201
    assert "/p/" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
