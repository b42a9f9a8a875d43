"""The evidence forms: a document, or a link."""

from django import forms
from django.conf import settings

from assessments.core.models import (
    NOTES_MAX_LENGTH,
)
from assessments.evidence.models import EVIDENCE_NOTE_HELP
from assessments.evidence.services import STATEMENT, STATEMENT_HELP, STATEMENT_REQUIRED
from assessments.evidence.uploads import ACCEPT_ATTRIBUTE, ACCEPTED_TEXT

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
