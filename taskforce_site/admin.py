"""Accounts in the Django admin: who has two-factor sign-in, and a logged
reset of it for someone who lost their phone, which signs them out
everywhere. Outgoing e-mails: what failed, and sending it again."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from taskforce_site.mail import requeue
from taskforce_site.models import OutgoingEmail
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


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """Every e-mail the site queued, for staff to see what did not go and
    send it again. Read-only: a message is what was decided when it was
    queued. Its bodies are never shown (a password reset's link is a
    key to the account); the subject and the template say what it was."""

    list_display = ["created_at", "to", "template", "status", "attempts", "last_error"]
    list_filter = ["status", "template"]
    search_fields = ["to"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    fields = [
        "to",
        "template",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Send again (failed ones)", permissions=["change"])
    def send_again(self, request, queryset) -> None:
        skipped = queryset.exclude(status=OutgoingEmail.Status.FAILED).count()
        count = requeue(queryset)
        self.message_user(
            request,
            f"{count} failed e-mail(s) queued again."
            + (f" {skipped} not failed, left as they are." if skipped else ""),
            messages.SUCCESS if count else messages.WARNING,
        )


# The admin index says how many e-mails failed (templates/admin/site_index.html).
admin.site.index_template = "admin/site_index.html"
