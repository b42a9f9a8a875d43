from django.conf import settings
from django.core.management import BaseCommand

from assessments.evidence.services import evidence_purge_removed


class Command(BaseCommand):
    help = (
        "Delete the files of evidence removed more than DJANGO_EVIDENCE_RETENTION_DAYS "
        "ago. Each piece's record (title, who, when) and its history stay. Run daily "
        "(cron or a systemd timer)."
    )

    def handle(self, *args, **options) -> None:
        purged = evidence_purge_removed()
        self.stdout.write(
            f"Purged {purged} piece{'s' if purged != 1 else ''} of evidence removed more "
            f"than {settings.EVIDENCE_RETENTION_DAYS} days ago."
        )
