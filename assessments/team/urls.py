"""Invitations and the team."""

from django.urls import path

import assessments.core.converters  # noqa: F401  (registers fmt and planfmt)
from assessments.team import views

urlpatterns = [
    path("task-forces/<slug:slug>/team/", views.team, name="team"),
    path(
        "task-forces/<slug:slug>/team/<int:user_id>/remove/",
        views.coordinator_remove,
        name="coordinator_remove",
    ),
    path("invitations/", views.invitation_list, name="invitations"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/withdraw/", views.invitation_withdraw, name="invitation_withdraw"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("invitations/<int:pk>/answer/", views.invitation_answer, name="invitation_answer"),
]
