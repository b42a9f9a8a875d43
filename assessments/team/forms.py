"""The invitation form."""

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe

from assessments.core.models import (
    TaskForce,
)
from assessments.team.models import Invitation


class TaskForceCheckboxes(forms.CheckboxSelectMultiple):
    """One checkbox per task force, written in Python: Django renders each
    option through a template, seconds for a whole country's 3,143. Its
    choices are (pk, name) pairs (InvitationForm sets them)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(item) for item in value or []}
        base_id = escape((attrs or {}).get("id") or f"id_{name}")
        name = escape(name)
        rows = []
        for index, (pk, label) in enumerate(self.choices):
            pk = int(pk)  # a number: nothing to escape
            checked = " checked" if str(pk) in chosen else ""
            rows.append(
                f'<div class="form-check"><input type="checkbox" class="form-check-input" '
                f'name="{name}" value="{pk}" id="{base_id}_{index}" '
                f'data-filterable="task forces"{checked}>'
                f'<label class="form-check-label" for="{base_id}_{index}">{escape(label)}</label>'
                "</div>"
            )
        # Every value above is escaped or a number.
        return mark_safe("".join(rows))  # noqa: S308


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
        # Checkboxes, not a multiple select: Ctrl-click lost earlier choices
        # with one slip, and a phone shows a select as a wheel. With many
        # task forces, site.js adds a filter above them (data-filterable).
        # Rendered by templates/assessments/team/_task_force_choices.html.
        field.widget = TaskForceCheckboxes()
        if user.is_staff:
            field.queryset = TaskForce.objects.all()
            field.label = "Task forces (at least one for a coordinator)"
        else:
            del self.fields["role"]
            field.queryset = TaskForce.objects.filter(coordinators=user)
            # Coordinators invite coordinators only: a task force is needed.
            field.required = True
            field.error_messages["required"] = "Choose at least one task force."
        field.widget.choices = list(field.queryset.order_by("name").values_list("pk", "name"))
        if task_force is not None and not self.is_bound:
            self.initial["task_forces"] = [task_force.pk]

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role", Invitation.Role.COORDINATOR)
        cleaned["role"] = role
        if role == Invitation.Role.COORDINATOR and not cleaned.get("task_forces"):
            self.add_error("task_forces", "Choose at least one task force for a coordinator.")
        return cleaned
