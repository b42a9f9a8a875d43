from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, reverse

from taskforce_site import second_factor, views
from taskforce_site.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm

admin.site.site_header = "Task Force Stages administration"
admin.site.site_title = "Task Force Stages admin"


@login_not_required
def admin_login(request, extra_context=None):
    # One sign-in for the whole site, second factor included: the admin's own
    # password-only login page is never shown.
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


admin.site.login = admin_login

# django-two-factor-auth's pages under the names its templates use, with this
# site's versions of the views.
two_factor_patterns = (
    [
        path("", second_factor.ProfileView.as_view(), name="profile"),
        path("setup/", second_factor.SetupView.as_view(), name="setup"),
        path("setup/qrcode/", second_factor.QRGeneratorView.as_view(), name="qr"),
        path("setup/complete/", second_factor.SetupCompleteView.as_view(), name="setup_complete"),
        path("recovery-codes/", second_factor.BackupTokensView.as_view(), name="backup_tokens"),
        path("disable/", second_factor.DisableView.as_view(), name="disable"),
    ],
    "two_factor",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before the stock auth URLs: sign-in with a second factor, and resets
    # that reach invited people too.
    path("accounts/login/", second_factor.LoginView.as_view(), name="login"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=SetPasswordForm),
        name="password_reset_confirm",
    ),
    path("accounts/two-factor/", include(two_factor_patterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("livez", views.livez, name="livez"),
    path("", include("assessments.urls")),
]

handler403 = "taskforce_site.views.permission_denied"
