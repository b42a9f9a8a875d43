"""The project's WSGI application with STATIC_ROOT taken from BENCH_STATIC_ROOT.

The benchmark runs with DEBUG off, so templates need the manifest that
`collectstatic` writes. The benchmark collects into a temporary directory
instead of the project's staticfiles/, and this module points the app at it.
Everything else is taskforce_site.wsgi unchanged.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskforce_site.settings")

from django.conf import settings  # noqa: E402

if os.environ.get("BENCH_STATIC_ROOT"):
    settings.STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

from taskforce_site.wsgi import application  # noqa: E402

__all__ = ["application"]
