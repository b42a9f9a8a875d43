"""The statewide pages: matrix, gaps, report and trend."""

from django.urls import path

import assessments.core.converters  # noqa: F401  (registers fmt and planfmt)
from assessments.statewide import views

urlpatterns = [
    path("overview/", views.matrix, name="overview"),
    path("overview/gaps/", views.gaps, name="gaps"),
    path("overview/report/", views.statewide_report, name="statewide_report"),
    path("task-forces/<slug:slug>/report/", views.task_force_report, name="report"),
]
