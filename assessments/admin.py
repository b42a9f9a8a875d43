from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect

from assessments.common.stale import StaleSaveError
from assessments.core import services
from assessments.cycles import services as cycles
from assessments.models import (
    Area,
    Event,
    HelpMessage,
    HelpRequest,
    HelpRequestChange,
    MilestoneStatus,
    PartnerAgency,
    PartnerLink,
    RegisterChange,
    ReviewCycle,
    Sector,
    SentNotification,
    Snapshot,
    SnapshotMilestone,
    StatusChange,
    SubmissionReview,
    TaskForce,
)
from assessments.register import services as register


class ReadOnlyAdmin(admin.ModelAdmin):
    """Histories (append-only), frozen records (snapshots, reviews) and help
    requests (written only through assessments/help/services.py): readable,
    never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceSaveAdmin(admin.ModelAdmin):
    """A model saved through its service (save_model raises ValidationError
    for a refused save, e.g. a stale one): the message over the current values."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)


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
class MilestoneStatusAdmin(ServiceSaveAdmin):
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
        except StaleSaveError as error:
            # Raised inside the admin's transaction: nothing is saved, and
            # changeform_view shows the message over the current values.
            raise ValidationError(error.message_for(request.user)) from error


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
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


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    """The managed list of the partner register's sectors. A sector in use
    cannot be deleted (rename it instead)."""

    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


# What the register's history tracks is what an admin edits.
REGISTER_FIELDS = RegisterChange.TRACKED_FIELDS


class PartnerAgencyAdminForm(forms.ModelForm):
    # The version the admin started from: the service refuses a stale save.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    class Meta:
        model = PartnerAgency
        fields = ("task_force", *REGISTER_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version
        if self.instance.pk is not None:
            # An agency stays with its task force: moving it would carry
            # another task force's history along.
            self.fields.pop("task_force", None)

    def _post_clean(self):
        # The service validates where it saves (see save_model).
        pass


@admin.register(PartnerAgency)
class PartnerAgencyAdmin(ServiceSaveAdmin):
    """Admins may correct the register here; every change goes through the
    register service, so it is validated and lands in the history. Agencies
    are never deleted: one that leaves is marked so."""

    form = PartnerAgencyAdminForm
    list_display = ["name", "task_force", "sector", "mou_status", "mou_renews_on", "left_on"]
    list_filter = ["sector", "mou_status", "partnership_type", "task_force"]
    list_select_related = ["task_force", "sector"]
    search_fields = ["name", "task_force__name"]
    readonly_fields = ["created_at", "updated_by", "updated_at"]

    def get_fields(self, request, obj=None):
        fields = list(REGISTER_FIELDS) + ["version"]
        if obj is None:
            return ["task_force", *fields]
        return ["task_force_name", *fields, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "task_force_name"] if obj else []

    @admin.display(description="task force")
    def task_force_name(self, obj: PartnerAgency) -> str:
        return obj.task_force.name

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        values = {field: form.cleaned_data[field] for field in REGISTER_FIELDS}
        try:
            if change:
                saved = register.partner_agency_update(
                    agency=obj,
                    user=request.user,
                    expected_version=form.cleaned_data["version"],
                    source=RegisterChange.Source.ADMIN,
                    **values,
                )
            else:
                saved = register.partner_agency_create(
                    task_force=form.cleaned_data["task_force"],
                    user=request.user,
                    source=RegisterChange.Source.ADMIN,
                    **values,
                )
        except StaleSaveError as error:
            raise ValidationError(error.message_for(request.user)) from error
        # The admin logs and links to `obj`: give it what was saved.
        for field in PartnerAgency._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False


@admin.register(RegisterChange)
class RegisterChangeAdmin(ReadOnlyAdmin):
    """The partner register's history: append-only, so read-only here."""

    list_display = [
        "changed_at",
        "task_force",
        "agency_name",
        "action",
        "changed_by_name",
        "source",
    ]
    list_filter = ["action", "source", "task_force"]
    list_select_related = ["task_force"]
    search_fields = ["task_force__name", "agency_name", "changed_by_name"]
    date_hierarchy = "changed_at"


# Review cycles -----------------------------------------------------------------


@admin.register(ReviewCycle)
class ReviewCycleAdmin(admin.ModelAdmin):
    """Title, due date and instructions may be corrected here; cycles are
    opened on /cycles/open/ (which creates the submissions) and never
    deleted once they hold submissions (PROTECT from snapshots)."""

    list_display = ["title", "due_on", "region", "opened_at", "closed_at"]
    fields = ["title", "due_on", "instructions", "closed_at", "region", "opened_by", "opened_at"]
    readonly_fields = ["region", "opened_by", "opened_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The admin's save is one transaction: the e-mails go only if it commits.
        if change and "due_on" in form.changed_data:
            cycles.cycle_due_date_changed(cycle=obj, user=request.user)


class SnapshotMilestoneInline(admin.TabularInline):
    model = SnapshotMilestone
    fields = ["milestone", "status", "lead_partner", "target_date"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ["submission", "number", "changed_by_name", "changed_at"]
    list_select_related = ["submission__cycle", "submission__task_force"]
    inlines = [SnapshotMilestoneInline]


@admin.register(SubmissionReview)
class SubmissionReviewAdmin(ReadOnlyAdmin):
    list_display = ["snapshot", "decision", "changed_by_name", "changed_at"]
    list_select_related = ["snapshot__submission__cycle", "snapshot__submission__task_force"]


@admin.register(HelpRequest)
class HelpRequestAdmin(ReadOnlyAdmin):
    """Help requests: read here; assigned, answered and closed on the site's
    thread page, so the history and the e-mail follow."""

    list_display = ["pk", "task_force", "milestone", "state", "assigned_to", "created_at"]
    list_filter = ["state", "task_force__region"]
    list_select_related = ["task_force", "milestone", "assigned_to"]
    search_fields = ["task_force__name"]
    date_hierarchy = "created_at"


@admin.register(HelpMessage)
class HelpMessageAdmin(ReadOnlyAdmin):
    """The threads' messages: append-only, so read-only here."""

    list_display = ["changed_at", "request", "changed_by_name", "from_state_program"]
    list_filter = ["from_state_program"]
    list_select_related = ["request__task_force"]
    date_hierarchy = "changed_at"


@admin.register(HelpRequestChange)
class HelpRequestChangeAdmin(ReadOnlyAdmin):
    """The help requests' history: append-only, so read-only here."""

    list_display = ["changed_at", "task_force", "request", "action", "changed_by_name"]
    list_filter = ["action"]
    list_select_related = ["task_force", "request__task_force"]
    date_hierarchy = "changed_at"


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """What happened, that e-mails were made of (core/events.py): append-only.
    Who was told is in Sent reminders (its key, event:<id>)."""

    list_display = ["at", "kind", "task_force", "actor_name", "name"]
    list_filter = ["kind"]
    list_select_related = ["task_force"]
    search_fields = ["task_force__name", "actor_name", "name"]
    date_hierarchy = "at"


@admin.register(SentNotification)
class SentNotificationAdmin(ReadOnlyAdmin):
    """Reminder e-mails sent: append-only, so read-only here."""

    list_display = ["sent_at", "run_date", "email", "kinds"]
    list_filter = ["run_date"]
    search_fields = ["email"]
    date_hierarchy = "sent_at"
