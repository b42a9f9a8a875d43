from pathlib import Path

from django.core.management import BaseCommand, CommandError

from assessments.models import TaskForce
from assessments.statewide import overview, reports


class Command(BaseCommand):
    help = (
        "Write the PDF report: the statewide summary, with an appendix of the "
        "task forces of one region (--region), or one task force alone. For "
        "scheduled reports (cron)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pdf", required=True, metavar="FILE", help="Where to write the PDF.")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--task-force", metavar="SLUG", help="Only this task force.")
        scope.add_argument(
            "--region",
            metavar="REGION",
            help="Add an appendix with a section for each task force of this region.",
        )

    def handle(
        self,
        *args,
        pdf: str,
        task_force: str | None = None,
        region: str | None = None,
        **options,
    ) -> None:
        if task_force:
            task_forces = TaskForce.objects.filter(slug=task_force)
            if not task_forces.exists():
                raise CommandError(f"No task force with the slug {task_force!r}.")
            context = reports.report_context(task_forces=task_forces, summary=False)
            written = f"{task_forces.count()} task force(s)"
        else:
            task_forces = TaskForce.objects.all()
            if region is not None:
                regions = overview.regions(task_forces)
                if region not in regions:
                    valid = (
                        ", ".join(repr(name) for name in regions) or "none: no task force has one"
                    )
                    raise CommandError(
                        f"No task force is in the region {region!r}. Regions: {valid}."
                    )
            context = reports.report_context(
                task_forces=task_forces, summary=True, region=region or ""
            )
            written = f"summary of {context['summary']['count']} task force(s)"
            if region:
                written += f", appendix of {len(context['sections'])} in {region}"
        target = Path(pdf)
        target.write_bytes(reports.render_pdf(context))
        self.stdout.write(self.style.SUCCESS(f"Wrote {target} ({written})."))
