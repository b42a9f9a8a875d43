from django.contrib import admin
from django.urls import include, path

from taskforce_site import views

admin.site.site_header = "Task Force Stages administration"
admin.site.site_title = "Task Force Stages admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("", include("assessments.urls")),
]

handler403 = "taskforce_site.views.permission_denied"
