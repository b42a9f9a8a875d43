from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect

from assessments import services
from assessments.models import Area, MilestoneStatus, PartnerLink, StatusChange, TaskForce


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "state", "fips"]
    list_filter = ["kind", "state"]
    search_fields = ["name", "fips"]


@admin.register(TaskForce)
class TaskForceAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "served"]
    list_filter = ["region"]
    search_fields = ["name", "region", "areas__name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["areas", "coordinators"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("areas")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "coordinators":
            # Coordinators, not every account: staff see everything anyway.
            # New people are invited from the site's Invitations page.
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(
                    Q(is_active=True, is_staff=False) | Q(coordinated_task_forces__isnull=False)
                )
                .distinct()
                .order_by("username")
            )
            kwargs["help_text"] = (
                "Active accounts that are not staff. To add someone new, use Invitations "
                "on the site: they get an e-mail to choose a password."
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="serves")
    def served(self, obj: TaskForce) -> str:
        return ", ".join(area.name for area in obj.areas.all())


EDITABLE_STATUS_FIELDS = ("status", "lead_partner", "target_date", "notes")


class MilestoneStatusAdminForm(forms.ModelForm):
    # The version the admin started from: the service refuses the save if the
    # status has moved on since (see MilestoneStatusAdmin.save_model).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = MilestoneStatus
        fields = EDITABLE_STATUS_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version


@admin.register(MilestoneStatus)
class MilestoneStatusAdmin(admin.ModelAdmin):
    """Admins may correct a status here; the change goes through the same
    service as the status page, so it is validated and lands in the history.
    Statuses are created on the site, never deleted."""

    form = MilestoneStatusAdminForm
    list_display = ["task_force", "milestone", "status", "status_since", "updated_by", "updated_at"]
    list_filter = ["status", "milestone__stage", "task_force"]
    list_select_related = ["task_force", "milestone", "updated_by"]
    search_fields = ["task_force__name", "milestone__name"]
    readonly_fields = ["task_force", "milestone", "status_since", "updated_by", "updated_at"]
    fields = ["task_force", "milestone", *EDITABLE_STATUS_FIELDS, *readonly_fields[2:], "version"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        values = {field: form.cleaned_data[field] for field in EDITABLE_STATUS_FIELDS}
        try:
            services.milestone_status_update(
                task_force=obj.task_force,
                milestone=obj.milestone,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                source=StatusChange.Source.ADMIN,
                **values,
            )
        except services.StaleStatusError as error:
            # Raised inside the admin's transaction: nothing is saved, and
            # changeform_view shows the message over the current values.
            raise ValidationError(error.message_for(request.user)) from error

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """The change history: append-only, so read-only here."""

    list_display = [
        "changed_at",
        "task_force",
        "milestone",
        "old_status",
        "new_status",
        "changed_by_name",
        "source",
    ]
    list_filter = ["source", "new_status", "milestone__stage", "task_force"]
    list_select_related = ["task_force", "milestone"]
    search_fields = ["task_force__name", "milestone__name", "changed_by_name"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PartnerLink)
class PartnerLinkAdmin(admin.ModelAdmin):
    list_display = ["task_force", "label", "created_at", "expires_on", "revoked_at", "use_count"]
    list_filter = ["task_force"]
    list_select_related = ["task_force"]
    readonly_fields = [
        "task_force",
        "label",
        "created_by",
        "created_at",
        "last_used_at",
        "use_count",
    ]
    fields = readonly_fields[:4] + ["expires_on", "revoked_at"] + readonly_fields[4:]

    def has_add_permission(self, request):
        # Links are created by coordinators, who are shown the token once.
        return False
