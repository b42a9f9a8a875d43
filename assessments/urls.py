from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("task-forces/<slug:slug>/", views.task_force_detail, name="task_force"),
    path(
        "task-forces/<slug:slug>/milestones/<slug:milestone_slug>/",
        views.milestone_edit,
        name="milestone_edit",
    ),
    path("task-forces/<slug:slug>/sharing/", views.sharing, name="sharing"),
    path(
        "task-forces/<slug:slug>/sharing/<int:pk>/revoke/",
        views.partner_link_revoke,
        name="partner_link_revoke",
    ),
    path("p/<str:token>/", views.partner, name="partner"),
]
