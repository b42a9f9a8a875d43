"""What base.html needs on every page, worked out once per process."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

# The links and assets of the page frame. They only change with a deploy, yet
# {% url %} and {% static %} would resolve all of them again on every request:
# a fifth of a cached page's time.
NAV_URLS = {
    "dashboard": "assessments:dashboard",
    "overview": "assessments:overview",
    "trend": "assessments:trend",
    "admin": "admin:index",
    "logout": "logout",
    "password_change": "password_change",
    "two_factor": "two_factor:profile",
    "invitations": "assessments:invitations",
}
ASSETS = {
    "favicon": "favicon.svg",
    "bootstrap_css": "vendor/bootstrap/bootstrap.min.css",
    "site_css": "css/site.css",
    "bootstrap_js": "vendor/bootstrap/bootstrap.bundle.min.js",
    "htmx_js": "vendor/htmx/htmx.min.js",
    "site_js": "js/site.js",
}


@functools.cache
def _layout(script_prefix: str) -> dict[str, dict[str, str]]:
    # Keyed on the script prefix, which both kinds of URL start with.
    return {
        "urls": {key: reverse(name) for key, name in NAV_URLS.items()},
        "assets": {key: static(path) for key, path in ASSETS.items()},
    }


def layout(request) -> dict:
    return {
        "layout": _layout(get_script_prefix()),
        "site_name": settings.SITE_NAME,
        "program_name": settings.PROGRAM_NAME,
    }


@receiver(setting_changed)
def _forget_layout(**kwargs) -> None:
    # Tests change STATIC_URL, STORAGES or ROOT_URLCONF with override_settings.
    _layout.cache_clear()
