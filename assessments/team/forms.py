"""The invitation form."""

from django import forms

from assessments.core.models import (
    TaskForce,
)
from assessments.team.models import Invitation


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
