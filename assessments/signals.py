"""Edits made outside the status service that change what task force pages
show: they bump the revision that cached page parts are keyed on."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from assessments import page_cache
from assessments.invitations import invitations_accepted_by_sign_in
from assessments.models import Area
from stages.models import Milestone, Stage


@receiver([post_save, post_delete], sender=Stage)
@receiver([post_save, post_delete], sender=Milestone)
def _guidance_changed(sender, raw=False, **kwargs) -> None:
    # Every partner page shows the guidance's names and descriptions.
    if not raw:
        page_cache.bump_all()


@receiver(post_save, sender=Area)
def _area_renamed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        page_cache.bump(instance.task_forces.values("pk"))


@receiver(user_logged_in)
def _invitation_answered(sender, request, user, **kwargs) -> None:
    # However they got in (the link, or a password reset), the link is spent.
    invitations_accepted_by_sign_in(user)
