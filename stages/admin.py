from django.contrib import admin, messages
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from stages.models import Milestone, MilestoneResource, Stage


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ["order", "name", "is_active"]
    readonly_fields = ["name"]
    extra = 0
    show_change_link = True
    can_delete = False


class MilestoneResourceInline(admin.StackedInline):
    model = MilestoneResource
    fields = [("title", "order"), "url", "note", "public"]
    extra = 0


class RefuseDeletingUsedMixin:
    """A milestone with recorded statuses is protected (on_delete=PROTECT).

    Django's admin would first complain that the admin may not delete
    statuses (they are read-only there), which hides the real reason; report
    the protection instead, and the templates under templates/admin/stages/
    say what to do: retire the milestone.
    """

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            perms_needed = set()
        return deleted, model_count, perms_needed, protected


@admin.register(Stage)
class StageAdmin(RefuseDeletingUsedMixin, SimpleHistoryAdmin):
    list_display = ["name", "order", "milestone_count"]
    ordering = ["order"]
    search_fields = ["name", "description"]
    inlines = [MilestoneInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(milestone_count=Count("milestones"))

    @admin.display(description="milestones", ordering="milestone_count")
    def milestone_count(self, obj: Stage) -> int:
        return obj.milestone_count

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else {"slug": ["name"]}

    def get_readonly_fields(self, request, obj=None):
        # The slug is the fixture's natural key: changing it would make the
        # next `loaddata stages` create a second copy.
        return ["slug"] if obj else []


@admin.register(Milestone)
class MilestoneAdmin(RefuseDeletingUsedMixin, SimpleHistoryAdmin):
    list_display = ["name", "stage", "order", "is_active"]
    list_display_links = ["name"]
    list_editable = ["order"]
    list_filter = ["stage", "is_active"]
    list_select_related = ["stage"]
    search_fields = ["name", "description"]
    ordering = ["stage__order", "order"]
    fields = ["stage", "name", "slug", "order", "description", "is_active"]
    # Links and notes shown with the milestone and its priority entry.
    inlines = [MilestoneResourceInline]
    history_list_display = ["name", "description", "is_active"]
    actions = ["retire", "restore"]

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else {"slug": ["name"]}

    def get_readonly_fields(self, request, obj=None):
        return ["slug"] if obj else []

    @admin.action(description="Retire selected milestones (keep their recorded statuses)")
    def retire(self, request, queryset):
        # save() one by one rather than update(), so each edit is in the history.
        count = self._set_active(queryset, False)
        self.message_user(request, f"Retired {count} milestone(s).", messages.SUCCESS)

    @admin.action(description="Restore selected milestones")
    def restore(self, request, queryset):
        count = self._set_active(queryset, True)
        self.message_user(request, f"Restored {count} milestone(s).", messages.SUCCESS)

    @staticmethod
    def _set_active(queryset, active: bool) -> int:
        changed = 0
        for milestone in queryset.exclude(is_active=active):
            milestone.is_active = active
            milestone.save(update_fields=["is_active"])
            changed += 1
        return changed
