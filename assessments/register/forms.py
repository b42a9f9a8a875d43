"""The partner register's forms: an agency, and an agency leaving."""

from django import forms

from assessments.core.forms import DateInput
from assessments.register.models import MouStatus, PartnerAgency


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
