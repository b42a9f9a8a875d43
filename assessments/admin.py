from django.contrib import admin

from assessments.models import Area, MilestoneStatus, PartnerLink, TaskForce


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "state"]
    list_filter = ["kind", "state"]
    search_fields = ["name"]


@admin.register(TaskForce)
class TaskForceAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "served"]
    list_filter = ["region"]
    search_fields = ["name", "region", "areas__name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["areas", "coordinators"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("areas")

    @admin.display(description="serves")
    def served(self, obj: TaskForce) -> str:
        return ", ".join(area.name for area in obj.areas.all())


@admin.register(MilestoneStatus)
class MilestoneStatusAdmin(admin.ModelAdmin):
    """Read-only here: statuses are changed by coordinators on the site, where
    every change goes through one service that records who and when."""

    list_display = ["task_force", "milestone", "status", "updated_by", "updated_at"]
    list_filter = ["status", "milestone__stage", "task_force"]
    list_select_related = ["task_force", "milestone", "updated_by"]
    search_fields = ["task_force__name", "milestone__name"]

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
