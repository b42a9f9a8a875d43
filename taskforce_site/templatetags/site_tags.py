import datetime

from django import template

from taskforce_site.mail import failed_count

register = template.Library()


@register.filter
def in_words(value: datetime.timedelta) -> str:
    """15 minutes, 1 hour, 2 hours 30 minutes."""
    minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


@register.filter
def field_error_count(form) -> int:
    """How many fields have errors (errors about the whole form not counted)."""
    return sum(1 for name in form.errors if name != "__all__")


@register.simple_tag
def failed_email_count() -> int:
    """E-mails the job queue gave up on (taskforce_site/mail.py), for staff."""
    return failed_count()
