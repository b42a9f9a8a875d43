"""The app's routes: each feature's urls.py, in the `assessments:`
namespace (the included modules have no app_name of their own)."""

from django.urls import include, path

app_name = "assessments"

urlpatterns = [
    path("", include("assessments.pages.urls")),
    path("", include("assessments.statewide.urls")),
    path("", include("assessments.help.urls")),
    path("", include("assessments.evidence.urls")),
    path("", include("assessments.register.urls")),
    path("", include("assessments.activity.urls")),
    path("", include("assessments.team.urls")),
    path("", include("assessments.cycles.urls")),
    path("", include("assessments.notifications.urls")),
    path("", include("assessments.core.urls")),
]
