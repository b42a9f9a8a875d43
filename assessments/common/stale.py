"""The one refusal of a save that lost a race: someone saved the record
after the editor opened it. Every path that can refuse one (status page, in
place, admin, import, register, review cycles, help requests) raises this
error and shows its one wording, so they never disagree."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from assessments.common.people import person_name


class StaleSaveError(Exception):
    """Carries the record as it is now (None when it no longer exists), so
    the editor is shown who changed it and when, and what it holds."""

    def __init__(self, current: models.Model | None, *, detail: str = "") -> None:
        self.current = current
        # What the message adds about the record now, e.g. " (it is now closed)".
        self.detail = detail
        super().__init__("The record was changed by someone else.")

    def by_viewer(self, viewer: AbstractBaseUser | None) -> bool:
        """Whether the newer version is the viewer's own (another window)."""
        who = getattr(self.current, "updated_by_id", None)
        return who is not None and viewer is not None and who == viewer.pk

    def saved_by(self, viewer: AbstractBaseUser | None) -> str:
        """Who saved the newer version, and when, as the viewer reads it: "You
        saved this in another window at 14:05" when it was the viewer."""
        when = ""
        updated_at = getattr(self.current, "updated_at", None)
        if updated_at:
            saved_at = timezone.localtime(updated_at)
            when = f" at {saved_at:%H:%M}"
            if saved_at.date() != timezone.localdate():
                when += f" on {date_format(saved_at.date())}"
        if self.by_viewer(viewer):
            return f"You saved this in another window{when}"
        who = getattr(self.current, "updated_by", None)
        return f"{person_name(who) if who is not None else 'Someone'} saved this{when}"

    def message_for(self, viewer: AbstractBaseUser | None) -> str:
        return (
            f"Not saved: {self.saved_by(viewer)}, after you opened it{self.detail}. "
            "Check what it holds now, then change it again if needed."
        )
