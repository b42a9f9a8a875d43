from django import forms
from django.utils import timezone

from assessments.models import Invitation, MilestoneStatus, PartnerLink, TaskForce


class DateInput(forms.DateInput):
    input_type = "date"


class MilestoneStatusForm(forms.ModelForm):
    # The version the editor started from, for optimistic locking.
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version if self.instance.pk else 0

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
        fields = ["label", "expires_on"]
        widgets = {"expires_on": DateInput(format="%Y-%m-%d")}
        labels = {"label": "Who is this link for?", "expires_on": "Expires on (optional)"}

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
