"""Edits made outside the status service that change what task force pages
show: they bump the revision that cached page parts are keyed on."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from assessments.core import page_cache
from assessments.models import Area, Sector, TaskForce
from assessments.team.services import invitations_accepted_by_sign_in
from stages.models import Milestone, MilestoneResource, Stage


# Fixtures (raw=True) included: `loaddata stages`, the documented reset of the
# guidance text, must not leave partner pages showing the old text.
@receiver([post_save, post_delete], sender=Stage)
@receiver([post_save, post_delete], sender=Milestone)
# Partner pages list a milestone's public resources.
@receiver([post_save, post_delete], sender=MilestoneResource)
def _guidance_changed(sender, **kwargs) -> None:
    # Every partner page shows the guidance's names and descriptions.
    page_cache.bump_all()


@receiver([post_save, post_delete], sender=Sector)
def _sector_changed(sender, **kwargs) -> None:
    # Partner pages name the sectors of the agencies they show.
    page_cache.bump_all()


@receiver(post_save, sender=Area)
def _area_renamed(sender, instance, **kwargs) -> None:
    page_cache.bump(instance.task_forces.values("pk"))


@receiver(pre_delete, sender=Area)
def _area_deleted(sender, instance, **kwargs) -> None:
    # Before: once deleted, the area no longer names the task forces it served.
    page_cache.bump(list(instance.task_forces.values_list("pk", flat=True)))


@receiver(m2m_changed, sender=TaskForce.areas.through)
def _areas_served_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A task force's counties changed, from either side, outside the admin
    too (the admin also saves the task force, which bumps it)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        page_cache.bump([instance.pk])
    elif action == "pre_clear":
        page_cache.bump(list(instance.task_forces.values_list("pk", flat=True)))
    else:
        page_cache.bump(pk_set)


@receiver(user_logged_in)
def _invitation_answered(sender, request, user, **kwargs) -> None:
    # However they got in (the link, or a password reset), the link is spent.
    invitations_accepted_by_sign_in(user)
