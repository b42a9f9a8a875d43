"""What a status save says to the editor: what changed, in words.

A save of only the target date used to say "X is now planning", as if the
status had moved. The service puts what changed on the record it returns
(`saved_changes`, {field: [old, new]}); this turns it into one sentence.
"""

from django.utils.formats import date_format
from django.utils.text import get_text_list

from assessments.models import MilestoneStatus
from stages.models import Milestone


def _part(record: MilestoneStatus, field: str) -> str:
    value = getattr(record, field)
    if field == "target_date":
        return f"target date {date_format(value)}" if value else "target date removed"
    if field == "lead_partner":
        return f"lead partner {value}" if value else "lead partner removed"
    # Notes are internal and may be long: the message names them only.
    return "notes" if value else "notes removed"


def saved_message(milestone: Milestone, record: MilestoneStatus) -> str:
    changes = getattr(record, "saved_changes", None)
    status = record.get_status_display().lower()
    if changes is None:  # a record from elsewhere: say where it stands
        return f"Saved: {milestone.name} is now {status}."
    if not changes:
        return f"Nothing to save: {milestone.name} was already as shown."
    others = [
        _part(record, field)
        for field in ("target_date", "lead_partner", "notes")
        if field in changes
    ]
    if "status" in changes:
        also = f", with {get_text_list(others, 'and')}" if others else ""
        return f"Saved: {milestone.name} is now {status}{also}."
    return f"Saved: {get_text_list(others, 'and')} for {milestone.name}."
