"""Forms of the review cycle pages. They parse input; the services in
assessments/cycles/services.py validate what they save."""

from __future__ import annotations

from django import forms

from assessments.core.forms import DateInput
from assessments.core.models import NO_IDENTIFYING_DETAILS
from assessments.cycles.models import (
    CYCLE_INSTRUCTIONS_HELP,
    NARRATIVE_HELP,
    REVIEW_COMMENTS_HELP,
    CycleSubmission,
)
from assessments.cycles.services import NARRATIVE_MAX_LENGTH, OWNER_MAX_LENGTH
from stages.models import Milestone, Stage

VERSION_FIELD = {"widget": forms.HiddenInput, "min_value": 0, "max_value": 2**31 - 1}


class CycleOpenForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="For example '2027 annual self-assessment'.")
    due_on = forms.DateField(label="Due date", widget=DateInput)
    region = forms.ChoiceField(
        required=False,
        help_text="The task forces the cycle covers: all of them, or one region's.",
    )
    instructions = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=CYCLE_INSTRUCTIONS_HELP,
    )

    def __init__(self, *args, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "All task forces")] + [(r, r) for r in regions]


class SubmissionForm(forms.Form):
    """The draft: a narrative per stage and the plan for the next cycle
    (existing lines plus EXTRA_PLAN_LINES blank ones)."""

    EXTRA_PLAN_LINES = 3
    AGENCY_LIST_ID = "plan-owner-agencies"

    version = forms.IntegerField(**VERSION_FIELD)

    def __init__(
        self,
        *args,
        submission: CycleSubmission,
        stages: list[Stage],
        milestones: list[Milestone],
        agency_names: list[str],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.stages = stages
        self.agency_names = agency_names
        if not self.is_bound:
            self.initial["version"] = submission.version
        self.narrative_fields = []
        for stage in stages:
            name = f"narrative_{stage.pk}"
            self.fields[name] = forms.CharField(
                label=f"Narrative: {stage.name}",
                required=False,
                max_length=NARRATIVE_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=NARRATIVE_HELP,
            )
            self.initial.setdefault(name, submission.narrative.get(str(stage.pk), ""))
            self.narrative_fields.append(self[name])
        choices = [("", "—")] + [(m.pk, f"{m.stage.name}: {m.name}") for m in milestones]
        plan = list(submission.plan)
        self.plan_lines = []
        for index in range(len(plan) + self.EXTRA_PLAN_LINES):
            item = plan[index] if index < len(plan) else {}
            prefix = f"plan_{index}_"
            self.fields[prefix + "milestone"] = forms.TypedChoiceField(
                label=f"Planned milestone {index + 1}",
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
            )
            self.fields[prefix + "owner"] = forms.CharField(
                label=f"Owner {index + 1}",
                required=False,
                max_length=OWNER_MAX_LENGTH,
                help_text="The lead partner. " + NO_IDENTIFYING_DETAILS,
            )
            if agency_names:
                self.fields[prefix + "owner"].widget.attrs["list"] = self.AGENCY_LIST_ID
            self.fields[prefix + "due_on"] = forms.DateField(
                label=f"Due date {index + 1}", required=False, widget=DateInput
            )
            self.initial.setdefault(prefix + "milestone", item.get("milestone"))
            self.initial.setdefault(prefix + "owner", item.get("owner", ""))
            self.initial.setdefault(prefix + "due_on", item.get("due_on"))
            self.plan_lines.append(
                [self[prefix + "milestone"], self[prefix + "owner"], self[prefix + "due_on"]]
            )

    def clean_narratives(self) -> dict[str, str]:
        return {
            str(stage.pk): self.cleaned_data.get(f"narrative_{stage.pk}", "").replace("\r\n", "\n")
            for stage in self.stages
        }

    def narrative(self) -> dict[str, str]:
        return self.clean_narratives()

    def plan(self) -> list[dict]:
        """The lines with a milestone; a line with only an owner or a date is
        an error on that line."""
        lines = []
        for index in range(len(self.plan_lines)):
            prefix = f"plan_{index}_"
            milestone = self.cleaned_data.get(prefix + "milestone")
            owner = self.cleaned_data.get(prefix + "owner", "")
            due_on = self.cleaned_data.get(prefix + "due_on")
            if milestone is None:
                continue
            lines.append({"milestone": milestone, "owner": owner, "due_on": due_on})
        return lines

    def clean(self):
        cleaned = super().clean()
        if self.errors.get("version") or cleaned.get("version") is None:
            self.errors.pop("version", None)
            raise forms.ValidationError(
                "This form is out of date or incomplete: reload the page and try again.",
                code="version",
            )
        for index in range(len(self.plan_lines)):
            prefix = f"plan_{index}_"
            if cleaned.get(prefix + "milestone") is None and (
                cleaned.get(prefix + "owner") or cleaned.get(prefix + "due_on")
            ):
                self.add_error(prefix + "milestone", "Choose the milestone this line plans.")
        return cleaned


class DecisionForm(forms.Form):
    version = forms.IntegerField(**VERSION_FIELD)
    comments = forms.CharField(
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to return it. " + REVIEW_COMMENTS_HELP,
    )
