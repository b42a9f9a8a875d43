"""The fixture of the event e-mail tests (tests/notifications/event_support.py)."""

from tests.notifications.event_support import people  # noqa: F401
