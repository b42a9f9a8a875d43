"""Helpers shared by the activity log's tests."""

import datetime

from django.test import Client
from django.utils import timezone

from assessments.activity import services
from assessments.models import ActivityKind, Sector


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def sector(slug: str) -> Sector:
    return Sector.objects.get(slug=slug)


def log(task_force, user=None, *, days=1, kind=ActivityKind.TASK_FORCE_MEETING, **kwargs):
    """An entry logged through the service, `days` ago."""
    values = {"title": "Monthly task force meeting", "counts": {}, **kwargs}
    return services.activity_entry_create(
        task_force=task_force, date=days_ago(days), kind=kind, user=user, **values
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(**values) -> dict:
    """A valid POST of the entry form: a meeting yesterday, 3 law
    enforcement agencies and 5 people from victim services."""
    sectors = {s.slug: s.pk for s in Sector.objects.all()}
    data = {
        "date": days_ago(1).isoformat(),
        "kind": ActivityKind.TASK_FORCE_MEETING,
        "title": "Monthly task force meeting",
        f"agencies-{sectors['law-enforcement']}": "3",
        f"attendees-{sectors['victim-services']}": "5",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}
