from django.conf import settings
from django.core.management import BaseCommand

from assessments.core.prepared_downloads import purge_expired


class Command(BaseCommand):
    help = (
        "Delete prepared downloads (large exports built by the worker) and their files "
        "DJANGO_PREPARED_DOWNLOAD_DAYS after they were asked for. Every preparation job "
        "does this too; run it daily (cron or a systemd timer) so files go on time even "
        "when nobody exports."
    )

    def handle(self, *args, **options) -> None:
        purged = purge_expired()
        self.stdout.write(
            f"Deleted {purged} prepared download{'s' if purged != 1 else ''} older than "
            f"{settings.PREPARED_DOWNLOAD_DAYS} days."
        )
