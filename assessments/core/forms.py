from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.core.models import (
    NO_IDENTIFYING_DETAILS,
    NOTES_MAX_LENGTH,
    MilestoneStatus,
    PartnerLink,
    TaskForce,
)
from assessments.evidence.models import EVIDENCE_NOTE_HELP
from assessments.evidence.services import (
    ACCEPT_ATTRIBUTE,
    ACCEPTED_TEXT,
    STATEMENT,
    STATEMENT_HELP,
    STATEMENT_REQUIRED,
)
from assessments.register.models import MouStatus, PartnerAgency
from assessments.team.models import Invitation


class DateInput(forms.DateInput):
    input_type = "date"


class MilestoneStatusForm(forms.ModelForm):
    # The version the editor started from, for optimistic locking.
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1, required=False
    )

    # The id of the <datalist> of the register's active agencies that the
    # lead partner field offers (see milestone_edit.html).
    AGENCY_LIST_ID = "register-agencies"

    def __init__(self, *args, agency_names: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version if self.instance.pk else 0
        self.agency_names: list[str] = []
        if agency_names:
            self.offer_agencies(agency_names)

    def offer_agencies(self, names: list[str]) -> None:
        """Offer the register's agencies as lead partners; typing another
        name stays possible (a partner not in the register yet)."""
        self.agency_names = names
        if names:
            lead = self.fields["lead_partner"]
            lead.widget.attrs["list"] = self.AGENCY_LIST_ID
            lead.help_text = (
                "Choose an agency from the partner register, or type the name of one "
                "not in it yet. " + NO_IDENTIFYING_DETAILS
            )

    def clean_notes(self) -> str:
        # Browsers send textarea (and hidden input) line breaks as CRLF; store
        # one form, so an unchanged note never counts as a change.
        return self.cleaned_data["notes"].replace("\r\n", "\n")

    def _post_clean(self):
        # Parsing only: the fields above check the input, and the service
        # validates the record where it saves it. The model's own checks
        # here would repeat that, at the cost of a database round trip.
        pass

    def clean(self):
        cleaned = super().clean()
        if self.errors.get("version") or cleaned.get("version") is None:
            self.errors.pop("version", None)
            raise forms.ValidationError(
                "This form is out of date or incomplete: reload the page and try again.",
                code="version",
            )
        return cleaned

    class Meta:
        model = MilestoneStatus
        fields = ["status", "lead_partner", "target_date", "notes"]
        widgets = {
            "target_date": DateInput(format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"notes": "Internal notes"}
        help_texts = {
            "status": "Lapsed: achieved once but no longer holds, for example when "
            "funding ended or an MOU expired."
        }
        error_messages = {
            "status": {
                "invalid_choice": "Choose one of the listed statuses: %(value)s is not one.",
            },
            "target_date": {"invalid": "Enter a date as YYYY-MM-DD, e.g. 2027-03-31."},
        }


class PartnerLinkForm(forms.ModelForm):
    class Meta:
        model = PartnerLink
        fields = ["agency", "label", "expires_on"]
        widgets = {"expires_on": DateInput(format="%Y-%m-%d")}
        labels = {
            "agency": "Agency from the partner register (optional)",
            "label": "Who is this link for?",
            "expires_on": "Expires on (optional)",
        }
        help_texts = {
            "label": "Leave empty when you chose an agency above: the link is then "
            "named after it. " + NO_IDENTIFYING_DETAILS
        }

    def __init__(self, *args, task_force: TaskForce, **kwargs):
        super().__init__(*args, **kwargs)
        agency = self.fields["agency"]
        agency.queryset = (
            PartnerAgency.objects.filter(task_force=task_force).active().order_by("name")
        )
        agency.empty_label = "None: a partner not in the register"
        # Its name alone: str() would name the task force too, a query each.
        agency.label_from_instance = lambda choice: choice.name
        self.fields["label"].required = False

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("label") and not self.has_error("label"):
            agency = cleaned.get("agency")
            if agency is None:
                self.add_error("label", "Say who the link is for, or choose an agency.")
            else:
                cleaned["label"] = agency.name[: PartnerLink._meta.get_field("label").max_length]
        return cleaned

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on < timezone.localdate():
            raise forms.ValidationError("Choose today or a later day.")
        return expires_on


class InvitationForm(forms.Form):
    """Who to invite, and as what. Coordinators see only their own task forces
    and no role choice: they invite coordinators, and only there."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(
        choices=Invitation.Role.choices,
        initial=Invitation.Role.COORDINATOR,
        widget=forms.RadioSelect,
    )
    task_forces = forms.ModelMultipleChoiceField(
        queryset=TaskForce.objects.none(),
        required=False,
        help_text="Coordinators see and edit these task forces.",
    )

    def __init__(self, *args, user, task_force: TaskForce | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["task_forces"]
        if user.is_staff:
            field.queryset = TaskForce.objects.all()
            field.widget.attrs["size"] = 8
            field.help_text = (
                "Coordinators see and edit these task forces. Hold Ctrl (⌘ on a Mac) "
                "to choose more than one."
            )
        else:
            del self.fields["role"]
            field.queryset = TaskForce.objects.filter(coordinators=user)
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
        if task_force is not None and not self.is_bound:
            self.initial["task_forces"] = [task_force.pk]

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role", Invitation.Role.COORDINATOR)
        cleaned["role"] = role
        if role == Invitation.Role.COORDINATOR and not cleaned.get("task_forces"):
            self.add_error("task_forces", "Choose at least one task force for a coordinator.")
        return cleaned


class PartnerAgencyForm(forms.ModelForm):
    """Add or edit an agency of the register. The service validates again
    where it saves (constraints, the case-insensitive unique name)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1, required=False
    )

    class Meta:
        model = PartnerAgency
        fields = [
            "name",
            "sector",
            "partnership_type",
            "mou_status",
            "mou_signed_on",
            "mou_renews_on",
            "mou_covers_data_sharing",
            "contact_name",
            "contact_email",
            "contact_phone",
            "shown_to_partners",
            "left_on",
        ]
        widgets = {
            "mou_signed_on": DateInput(format="%Y-%m-%d"),
            "mou_renews_on": DateInput(format="%Y-%m-%d"),
            "left_on": DateInput(format="%Y-%m-%d"),
        }
        help_texts = {
            "mou_status": "In legal review: waiting for approval, for example by a city "
            "council or a board.",
            "mou_signed_on": "Needed once the MOU is signed.",
            "contact_phone": "The agency's number, never a survivor's.",
        }
        error_messages = {
            field: {"invalid": "Enter a date as YYYY-MM-DD, e.g. 2027-03-31."}
            for field in ("mou_signed_on", "mou_renews_on", "left_on")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version if self.instance.pk else 0
        self.fields["sector"].empty_label = None
        self.fields["sector"].queryset = self.fields["sector"].queryset.order_by("order", "name")
        if self.instance.pk is None:
            # Leaving is recorded on an agency already in the register.
            del self.fields["left_on"]

    def _post_clean(self):
        # Parsing only: the service runs the model's checks where it saves.
        pass

    def clean(self):
        cleaned = super().clean()
        signed_without_date = cleaned.get("mou_status") == MouStatus.SIGNED and not cleaned.get(
            "mou_signed_on"
        )
        if signed_without_date and not self.has_error("mou_signed_on"):
            self.add_error("mou_signed_on", "A signed MOU needs the day it was signed.")
        signed, renews = cleaned.get("mou_signed_on"), cleaned.get("mou_renews_on")
        if signed and renews and renews < signed:
            self.add_error("mou_renews_on", "The renewal date cannot be before the signing date.")
        if self.instance.pk is not None and cleaned.get("version") is None:
            self.errors.pop("version", None)
            raise forms.ValidationError(
                "This form is out of date or incomplete: reload the page and try again.",
                code="version",
            )
        return cleaned


class PartnerAgencyLeaveForm(forms.Form):
    left_on = forms.DateField(
        label="Left the task force on",
        widget=DateInput(format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD, e.g. 2027-03-31."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)


# The register's wording adds how survivor representation is recorded, which
# is not about evidence.
NO_VICTIM_DETAILS = "Do not record anything that identifies a victim or survivor."


class EvidenceFileForm(forms.Form):
    """Upload a document as evidence. The form only parses; the evidence
    service (assessments/evidence/services.py) judges the file and the statement."""

    title = forms.CharField(
        max_length=200,
        help_text="What it is, e.g. 'Signed MOU, 2026'. " + NO_VICTIM_DETAILS,
    )
    file = forms.FileField(
        label="Document",
        # The service says why an empty file is refused, with the other refusals.
        allow_empty_file=True,
    )
    statement = forms.BooleanField(label=STATEMENT, help_text=STATEMENT_HELP)
    note = forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=EVIDENCE_NOTE_HELP,
    )
    shared_with_partners = forms.BooleanField(
        label="Share with partners",
        required=False,
        help_text="Partners holding a link to this task force's page see its title "
        "and may download it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statement"].error_messages["required"] = STATEMENT_REQUIRED
        limit = settings.EVIDENCE_MAX_BYTES
        size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
        self.fields["file"].help_text = (
            f"{ACCEPTED_TEXT}, up to {size}. The type is judged from the file's "
            "content, not its name. Files are never public: they are downloaded only "
            "by people who may read this task force."
        )
        self.fields["file"].widget.attrs["accept"] = ACCEPT_ATTRIBUTE


class EvidenceLinkForm(forms.Form):
    """Add a link to a document kept elsewhere, such as a partner's own system."""

    title = forms.CharField(
        max_length=200,
        help_text="What it is, e.g. 'Response protocol'. " + NO_VICTIM_DETAILS,
    )
    url = forms.CharField(
        label="Link",
        max_length=2000,
        widget=forms.URLInput,
        help_text="The document's full address, starting with https://. Who opens it "
        "still needs access in the system that keeps it.",
    )
    note = forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=EVIDENCE_NOTE_HELP,
    )
    shared_with_partners = forms.BooleanField(
        label="Share with partners",
        required=False,
        help_text="Partners holding a link to this task force's page see its title and the link.",
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: by field where the form has
    the field, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)
