"""Review cycles: open, submit, review, compare, plans."""

from django.urls import path

import assessments.core.converters  # noqa: F401  (registers fmt and planfmt)
from assessments.cycles import compare_views, views

urlpatterns = [
    path("cycles/", views.cycle_list, name="cycles"),
    path("cycles/open/", views.cycle_open, name="cycle_open"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path(
        "cycles/<int:pk>/task-forces/<slug:slug>/",
        views.submission_page,
        name="cycle_submission",
    ),
    path(
        "cycles/<int:pk>/task-forces/<slug:slug>/save/",
        views.submission_save,
        name="cycle_submission_save",
    ),
    path(
        "cycles/<int:pk>/task-forces/<slug:slug>/decide/",
        views.submission_decide,
        name="cycle_submission_decide",
    ),
    path(
        "cycles/<int:pk>/task-forces/<slug:slug>/milestones/confirm/",
        views.milestones_review,
        name="cycle_milestones_review",
    ),
    path(
        "cycles/<int:pk>/task-forces/<slug:slug>/milestones/<slug:milestone_slug>/confirm/",
        views.milestone_review,
        name="cycle_milestone_review",
    ),
    path("task-forces/<slug:slug>/compare/", compare_views.compare_page, name="compare"),
    path("task-forces/<slug:slug>/compare.csv", compare_views.compare_csv, name="compare_csv"),
    path(
        "task-forces/<slug:slug>/plans/<int:snapshot_id>.<planfmt:fmt>",
        compare_views.plan_export,
        name="plan_export",
    ),
    path("cycles/compare/", compare_views.statewide_compare, name="cycles_compare"),
]
