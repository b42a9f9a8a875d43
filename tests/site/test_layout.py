"""The page frame (base.html): its links and assets come from {% url %} and
{% static %}, so they follow the settings."""

from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

DASHBOARD = reverse("assessments:dashboard")


def test_the_menu_links_every_section_and_logs_out_by_post(guidance, coordinator_client):
    html = coordinator_client.get(DASHBOARD).content.decode()
    for name in ("assessments:dashboard", "assessments:overview", "assessments:trend"):
        assert f'href="{reverse(name)}"' in html
    assert f'<form method="post" action="{reverse("logout")}"' in html
    # The name in the menu leads to the account's password and two-factor page.
    assert f'href="{reverse("two_factor:profile")}"' in html
    assert f'href="{reverse("admin:index")}"' not in html


def test_staff_also_get_the_admin_link(guidance, db):
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    assert f'href="{reverse("admin:index")}"' in client.get(DASHBOARD).content.decode()


def test_the_frame_follows_a_changed_static_url(guidance, coordinator_client, settings):
    assert 'href="/static/css/site.css"' in coordinator_client.get(DASHBOARD).content.decode()
    settings.STATIC_URL = "/assets/"
    html = coordinator_client.get(DASHBOARD).content.decode()
    assert 'href="/assets/css/site.css"' in html
    assert 'src="/assets/vendor/bootstrap/bootstrap.bundle.min.js"' in html


def test_error_pages_have_the_frame_too(coordinator_client, db):
    html = coordinator_client.get("/task-forces/nowhere/").content.decode()
    assert 'href="/static/vendor/bootstrap/bootstrap.min.css"' in html
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert 'href="/static/vendor/bootstrap/bootstrap.min.css"' in response.content.decode()
