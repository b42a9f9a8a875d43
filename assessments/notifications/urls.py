"""Notification preferences, unsubscribe and what was sent."""

from django.urls import path

import assessments.core.converters  # noqa: F401  (registers fmt and planfmt)
from assessments.notifications import views

urlpatterns = [
    path(
        "account/notifications/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("reminders/sent/", views.sent_notifications, name="sent_notifications"),
]
