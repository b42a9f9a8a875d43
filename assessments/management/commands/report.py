from pathlib import Path

from django.core.management import BaseCommand, CommandError

from assessments import reports
from assessments.models import TaskForce


class Command(BaseCommand):
    help = (
        "Write the PDF report: the statewide summary and a page or more per task "
        "force, or one task force alone. For scheduled reports (cron)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pdf", required=True, metavar="FILE", help="Where to write the PDF.")
        parser.add_argument("--task-force", metavar="SLUG", help="Only this task force.")

    def handle(self, *args, pdf: str, task_force: str | None = None, **options) -> None:
        if task_force:
            task_forces = TaskForce.objects.filter(slug=task_force)
            if not task_forces.exists():
                raise CommandError(f"No task force with the slug {task_force!r}.")
        else:
            task_forces = TaskForce.objects.all()
        context = reports.report_context(task_forces=task_forces, summary=task_force is None)
        target = Path(pdf)
        target.write_bytes(reports.render_pdf(context))
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {target} ({task_forces.count()} task force(s)).")
        )
