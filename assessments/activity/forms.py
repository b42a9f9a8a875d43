"""The activity log's one form: an entry and its counts by sector, short
enough to fill in on a phone in under a minute."""

from __future__ import annotations

import datetime

from django import forms

from assessments.activity.models import ActivityEntry, ActivityKind, Measure
from assessments.core.forms import DateInput
from assessments.core.models import Sector
from stages.models import Milestone

MAX_COUNT = 100_000


class CountInput(forms.NumberInput):
    """A count: the phone's number pad, no spinner needed."""

    def __init__(self, attrs=None):
        base = {"inputmode": "numeric", "pattern": "[0-9]*", "min": "0", "class": "form-control"}
        super().__init__({**base, **(attrs or {})})


def count_field_name(measure: str, sector: Sector) -> str:
    return f"{measure}-{sector.pk}"


class ActivityEntryForm(forms.Form):
    """Add or edit an entry. `sectors` are the grid's rows (every sector, in
    order). The service validates again where it saves."""

    date = forms.DateField(
        widget=DateInput(format="%Y-%m-%d"),
        error_messages={
            "invalid": "Enter a date as YYYY-MM-DD, e.g. 2026-11-18.",
            "required": "Enter the day it happened.",
        },
    )
    kind = forms.ChoiceField(choices=ActivityKind.choices)
    title = forms.CharField(
        max_length=200,
        help_text=ActivityEntry._meta.get_field("title").help_text,
        error_messages={"required": "Give the entry a title, e.g. \u201cMonthly meeting\u201d."},
    )
    milestones = forms.ModelMultipleChoiceField(
        queryset=Milestone.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Optional: the milestones this work serves.",
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1, required=False
    )

    def __init__(
        self,
        *args,
        sectors: list[Sector],
        milestones,
        editing: bool,
        today: datetime.date,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.sectors = sectors
        self.editing = editing
        self.today = today
        self.fields["milestones"].queryset = milestones
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        for measure in Measure.values:
            for sector in sectors:
                self.fields[count_field_name(measure, sector)] = forms.IntegerField(
                    label=f"{Measure(measure).label}: {sector.name}",
                    required=False,
                    min_value=0,
                    max_value=MAX_COUNT,
                    widget=CountInput(),
                    error_messages={
                        "min_value": "Counts are whole numbers, 0 or more.",
                        "invalid": "Enter a whole number, 0 or more.",
                    },
                )

    def grid(self) -> list[tuple[Sector, list[forms.BoundField]]]:
        """The counts, a row per sector and a column per measure."""
        return [
            (sector, [self[count_field_name(measure, sector)] for measure in Measure.values])
            for sector in self.sectors
        ]

    def count_errors(self) -> list[str]:
        """The grid's errors, each once, with the cell it is about."""
        return [
            f"{self.fields[name].label}: {error}"
            for name, errors in self.errors.items()
            if "-" in name
            for error in errors
        ]

    @staticmethod
    def measures() -> list[tuple[str, str]]:
        return list(Measure.choices)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > self.today:
            raise forms.ValidationError("Log what has happened: enter today or an earlier day.")
        return day

    def clean(self):
        cleaned = super().clean()
        if self.editing and cleaned.get("version") is None:
            self.errors.pop("version", None)
            raise forms.ValidationError(
                "This form is out of date or incomplete: reload the page and try again.",
                code="version",
            )
        return cleaned

    def service_values(self) -> dict:
        """What the services take, from the cleaned data."""
        data = self.cleaned_data
        counts = {
            measure: {
                sector: data.get(count_field_name(measure, sector)) or 0 for sector in self.sectors
            }
            for measure in Measure.values
        }
        return {
            "date": data["date"],
            "kind": data["kind"],
            "title": data["title"],
            "milestones": list(data["milestones"]),
            "counts": counts,
        }


def initial_from(entry: ActivityEntry, counts, *, copy: bool, today: datetime.date) -> dict:
    """The form's initial values from an entry: for "add another like this"
    (`copy`), the same kind, title, milestones and counts, dated today."""
    initial = {
        "date": today if copy else entry.date,
        "kind": entry.kind,
        "title": entry.title,
        "milestones": [m.pk for m in entry.milestones.all()],
    }
    if not copy:
        initial["version"] = entry.version
    for measure, by_sector in counts.items():
        for sector, n in by_sector.items():
            initial[count_field_name(measure, sector)] = n
    return initial
