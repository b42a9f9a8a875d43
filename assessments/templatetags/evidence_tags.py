from django import template

from assessments.evidence.selectors import NO_EVIDENCE

register = template.Library()


@register.filter
def evidence_for(summaries: dict | None, milestone_id: int):
    """A milestone's evidence summary (evidence_by_milestone); none yet when
    it has no evidence."""
    return (summaries or {}).get(milestone_id, NO_EVIDENCE)
