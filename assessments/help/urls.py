"""Help requests: a task force's requests, the state program's queue."""

from django.urls import path

import assessments.core.converters  # noqa: F401  (registers fmt and planfmt)
from assessments.help import views

urlpatterns = [
    path("help/", views.queue, name="help_queue"),
    path("help/statewide/", views.statewide, name="help_statewide"),
    path("task-forces/<slug:slug>/help/", views.task_force_help, name="help"),
    path("task-forces/<slug:slug>/help/new/", views.help_request_new, name="help_new"),
    path(
        "task-forces/<slug:slug>/help/<int:request_id>/",
        views.help_request_detail,
        name="help_request",
    ),
    path(
        "task-forces/<slug:slug>/help/<int:request_id>/reply/",
        views.help_request_reply,
        name="help_reply",
    ),
    path(
        "task-forces/<slug:slug>/help/<int:request_id>/assign/",
        views.help_request_assign,
        name="help_assign",
    ),
    path(
        "task-forces/<slug:slug>/help/<int:request_id>/close/",
        views.help_request_close,
        name="help_close",
    ),
    path(
        "task-forces/<slug:slug>/help/<int:request_id>/reopen/",
        views.help_request_reopen,
        name="help_reopen",
    ),
]
