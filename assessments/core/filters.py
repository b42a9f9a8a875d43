"""The query-string filters of the list pages, read through forms.

A value that is not valid (a NUL byte, "²" where a number belongs, a region
longer than any region) is ignored, as if that filter were not set: a
hand-edited or truncated link shows the page unfiltered, and the filter's
menu says so. Nothing from the query string reaches a query unchecked.
"""

from __future__ import annotations

from django import forms

from assessments.core.models import TaskForce

REGION_MAX_LENGTH = TaskForce._meta.get_field("region").max_length
SORTS = {"name": "Name", "progress": "Overall progress (most first)"}


class QueryFilters(forms.Form):
    def values(self) -> dict:
        """Each filter's valid value, or its default when it is missing or invalid."""
        self.is_valid()
        return {
            name: self.cleaned_data.get(name) if name in self.cleaned_data else field.initial
            for name, field in self.fields.items()
        }


class HistoryFilters(QueryFilters):
    stage = forms.SlugField(required=False, initial="")
    # An account's primary key; out of range of the column, it is no account.
    person = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class MatrixFilters(QueryFilters):
    region = forms.CharField(required=False, max_length=REGION_MAX_LENGTH, initial="")
    stage = forms.SlugField(required=False, initial="")
    sort = forms.ChoiceField(required=False, choices=SORTS.items(), initial="name")

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or "name"


class GapsFilters(QueryFilters):
    region = forms.CharField(required=False, max_length=REGION_MAX_LENGTH, initial="")


class ReportFilters(QueryFilters):
    # The region of the statewide report's appendix; none, no appendix.
    region = forms.CharField(required=False, max_length=REGION_MAX_LENGTH, initial="")
