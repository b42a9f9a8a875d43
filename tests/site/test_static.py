"""With DEBUG off, WhiteNoise serves the collected, hashed static files."""

from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client


def test_whitenoise_serves_vendored_bootstrap_with_debug_off(db, settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--no-input", verbosity=0)
    url = static("vendor/bootstrap/bootstrap.min.css")
    assert url != "/static/vendor/bootstrap/bootstrap.min.css"  # hashed name
    response = Client().get(url)
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert b"Bootstrap" in b"".join(response.streaming_content)
