"""What base.html needs on every page besides Django's own context."""

from __future__ import annotations

from django.conf import settings


def layout(request) -> dict:
    return {"site_name": settings.SITE_NAME, "program_name": settings.PROGRAM_NAME}
