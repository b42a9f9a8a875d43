"""gunicorn's access log masks the secrets that travel in URLs."""

import pytest

from taskforce_site.gunicorn_logging import mask


@pytest.mark.parametrize(
    "line, expected",
    [
        ('"GET /p/s3cr3t-T0ken/ HTTP/1.1"', '"GET /p/<token>/ HTTP/1.1"'),
        ("https://tf.example.org/p/s3cr3t-T0ken/", "https://tf.example.org/p/<token>/"),
        ("/invitations/accept/s3cr3t-T0ken/", "/invitations/accept/<token>/"),
        ("/accounts/reset/MQ/s3cr3t-T0ken/", "/accounts/reset/MQ/<token>/"),
        ("/accounts/reset/MQ/set-password/", "/accounts/reset/MQ/<token>/"),
        ("/task-forces/lane/p/", "/task-forces/lane/p/"),
        ("/invitations/", "/invitations/"),
    ],
)
def test_tokens_in_urls_are_masked(line, expected):
    assert mask(line) == expected
    assert "s3cr3t" not in mask(line)
