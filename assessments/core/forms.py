"""The task force forms: a milestone's status and a partner link."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.core.models import (
    NO_IDENTIFYING_DETAILS,
    MilestoneStatus,
    PartnerLink,
    TaskForce,
)


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


class PublicContactForm(forms.ModelForm):
    """What the partner page says about reaching the task force."""

    class Meta:
        model = TaskForce
        fields = ["public_contact_name", "public_contact_email", "public_contact_phone"]
        help_texts = {
            "public_contact_email": "A shared inbox of the task force is best: it outlasts "
            "changes of coordinator.",
            "public_contact_phone": "Optional. " + NO_IDENTIFYING_DETAILS,
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("public_contact_name") and not (
            cleaned.get("public_contact_email") or cleaned.get("public_contact_phone")
        ):
            self.add_error(
                "public_contact_email", "Give an e-mail address or a telephone number to reach."
            )
        return cleaned


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
        agency.queryset = task_force.partner_agencies.active().order_by("name")
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


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: by field where the form has
    the field, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)
