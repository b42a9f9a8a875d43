"""Accounts in the Django admin: who has two-factor sign-in, and a logged
reset of it for someone who lost their phone, which signs them out everywhere."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from taskforce_site.second_factor import second_factor_reset

User = get_user_model()

# django-otp's own device pages show each device's secret and delete without
# a trace; resetting goes through the logged action below instead.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


admin.site.unregister(User)


@admin.register(User)
class SiteUserAdmin(UserAdmin):
    list_display = [*UserAdmin.list_display, "two_factor", "last_login"]
    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("totpdevice_set")

    @admin.display(description="two-factor", boolean=True)
    def two_factor(self, obj) -> bool:
        return any(device.confirmed for device in obj.totpdevice_set.all())

    @admin.action(description="Reset two-factor sign-in (lost phone)")
    def reset_two_factor(self, request, queryset) -> None:
        for account in queryset:
            second_factor_reset(account=account, request=request)
        self.message_user(
            request,
            f"Two-factor sign-in reset for {queryset.count()} account(s), and they are "
            "signed out everywhere. Anyone who must use it sets it up again after "
            "signing in with their password.",
            messages.SUCCESS,
        )
