from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from taskforce_site import views
from taskforce_site.forms import AdminLoginForm, LoginForm

admin.site.site_header = "Task Force Stages administration"
admin.site.site_title = "Task Force Stages admin"
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before the stock auth URLs, so the login form validates lengths.
    path(
        "accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
    path("", include("assessments.urls")),
]

handler403 = "taskforce_site.views.permission_denied"
