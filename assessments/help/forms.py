"""The forms of the help request pages (assessments/help/views.py). They
only read input; the rules are the service's (assessments/help/services.py)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet

from assessments.common.people import person_name
from assessments.core.filters import REGION_MAX_LENGTH, QueryFilters
from assessments.help.models import HELP_BODY_MAX_LENGTH, HELP_TEXT_WARNING, HelpRequest
from assessments.roles import READ_ALL_PERMISSION
from stages.models import Milestone

_VERSION = {"widget": forms.HiddenInput, "min_value": 0, "max_value": 2**31 - 1}


def state_program_people() -> QuerySet:
    """Active program managers and staff: who a request may be assigned to.
    The permission as the group grants it or directly; superusers are staff."""
    app_label, codename = READ_ALL_PERMISSION.split(".")
    groups = Group.objects.filter(
        permissions__codename=codename, permissions__content_type__app_label=app_label
    )
    holds = (
        Q(is_staff=True)
        | Q(is_superuser=True)
        | Q(
            user_permissions__codename=codename,
            user_permissions__content_type__app_label=app_label,
        )
        | Q(groups__in=groups)
    )
    return (
        get_user_model()
        .objects.filter(holds, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return person_name(obj)


class HelpRequestForm(forms.Form):
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.active().select_related("stage"),
        required=False,
        empty_label="The task force in general",
        label="About",
        help_text="The milestone you need help with, or the task force in general.",
    )
    subject = forms.CharField(
        max_length=HelpRequest._meta.get_field("subject").max_length,
        help_text=HelpRequest._meta.get_field("subject").help_text,
    )
    body = forms.CharField(
        label="What do you need?",
        max_length=HELP_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            "What you have tried and what you would like from the state program. "
            + HELP_TEXT_WARNING
        ),
    )


class HelpReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=HELP_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=HELP_TEXT_WARNING,
    )
    version = forms.IntegerField(**_VERSION)


class HelpAssignForm(forms.Form):
    assignee = PersonChoiceField(queryset=state_program_people(), label="Assign to")
    version = forms.IntegerField(**_VERSION)

    def __init__(self, *args, **kwargs):
        # The thread page holds the reply, assign and close forms, each with a
        # version field: ids of their own keep the page's ids unique.
        kwargs.setdefault("auto_id", "id_assign_%s")
        super().__init__(*args, **kwargs)
        # Evaluated per form, so a new program manager is offered at once.
        self.fields["assignee"].queryset = state_program_people()


class HelpStateForm(forms.Form):
    """Close or reopen: only the version the page showed."""

    version = forms.IntegerField(**_VERSION)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_state_%s")  # see HelpAssignForm
        super().__init__(*args, **kwargs)


class HelpQueueFilters(QueryFilters):
    milestone = forms.SlugField(required=False, initial="")
    region = forms.CharField(required=False, max_length=REGION_MAX_LENGTH, initial="")
    # An account's primary key, or "none" for requests nobody has.
    assignee = forms.RegexField(regex=r"^(none|[1-9]\d{0,9})$", required=False, initial="")
    state = forms.ChoiceField(
        required=False,
        choices=[("", "Not closed"), ("all", "All"), *HelpRequest.State.choices],
        initial="",
    )
