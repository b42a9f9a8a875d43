from django.core.management import BaseCommand, call_command

from stages.models import Milestone, Stage


class Command(BaseCommand):
    help = (
        "Load the stages and milestones of the guidance (fixtures/stages.json) "
        "when the database has none yet. Never overwrites an admin's edits: "
        "to reset the text to the guidance, run 'manage.py loaddata stages'."
    )

    def handle(self, *args, **options) -> None:
        if Stage.objects.exists():
            self.stdout.write(
                f"Stages already loaded ({Stage.objects.count()} stages, "
                f"{Milestone.objects.count()} milestones); left as they are."
            )
            return
        call_command("loaddata", "stages", verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {Stage.objects.count()} stages and "
                f"{Milestone.objects.count()} milestones from the guidance."
            )
        )
