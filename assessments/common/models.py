"""The append-only base of every history record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyQuerySet(models.QuerySet):
    """The history's records are never changed or deleted in bulk either."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model._meta.verbose_name_plural} are append-only.")

    def delete(self):
        raise TypeError(f"{self.model._meta.verbose_name_plural} are append-only.")


class AppendOnly(models.Model):
    """A row written once and never edited or deleted: save() of a saved row,
    delete(), and queryset update()/delete() all refuse. AppendOnlyRecord
    adds who and when; the parts of a review cycle snapshot use this alone."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError(f"{self._meta.verbose_name_plural} are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self._meta.verbose_name_plural} are append-only.")


class AppendOnlyRecord(AppendOnly):
    """One entry of a task force's history (statuses, register, evidence):
    who made the change and when, written once, in the same transaction as
    the change, and never edited or deleted."""

    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as text too, so the record still says who after an account is deleted.
    changed_by_name = models.CharField(max_length=150, blank=True)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        abstract = True
