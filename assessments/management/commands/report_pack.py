import csv
from pathlib import Path

from django.core.management import BaseCommand, CommandError

from assessments.common.suppression import default_threshold
from assessments.models import TaskForce
from assessments.pages import report_pack


class Command(BaseCommand):
    help = (
        "Write the report pack for a period as CSV: one table per measure, task "
        "forces (or regions, --by region) as rows, categories as columns, with "
        "totals. Counts from 1 to the threshold - 1 are hidden, and others where "
        "they would let one be worked out."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--period", required=True, help=f"The period: {report_pack.PERIOD_HELP}."
        )
        parser.add_argument("--csv", required=True, metavar="FILE", help="Where to write the CSV.")
        parser.add_argument(
            "--threshold",
            type=int,
            help="Hide counts below this; the setting (SMALL_COUNT_THRESHOLD) or higher.",
        )
        parser.add_argument(
            "--by",
            choices=[report_pack.TASK_FORCES, report_pack.REGIONS],
            default=report_pack.TASK_FORCES,
            help="Rows of the statewide pack: task forces (the default) or regions.",
        )
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--task-force", metavar="SLUG", help="Only this task force.")
        scope.add_argument("--region", metavar="REGION", help="Only this region's task forces.")

    def handle(self, *args, period, csv: str, threshold=None, by=None, **options) -> None:
        try:
            chosen = report_pack.parse_period(period)
        except ValueError as error:
            raise CommandError(str(error)) from None
        minimum = default_threshold()
        if threshold is None:
            threshold = minimum
        elif threshold < minimum:
            raise CommandError(
                f"--threshold {threshold} is below the setting ({minimum}): it may be raised, "
                "never lowered."
            )
        task_force = region = None
        if options.get("task_force"):
            task_force = TaskForce.objects.filter(slug=options["task_force"]).first()
            if task_force is None:
                raise CommandError(f"No task force with the slug {options['task_force']!r}.")
        if options.get("region") is not None:
            region = options["region"]
            regions = report_pack.region_names()
            if region not in regions:
                valid = ", ".join(repr(name) for name in regions) or "none"
                raise CommandError(f"No task force is in the region {region!r}. Regions: {valid}.")
        pack = report_pack.build_pack(
            chosen,
            threshold=threshold,
            task_force=task_force,
            region=region,
            by=by,
            # On stderr, so that what stdout says stays one line; at national
            # scale the suppression takes minutes.
            progress=lambda text: self.stderr.write(text, style_func=None),
        )
        target = Path(csv)
        try:
            with target.open("w", newline="", encoding="utf-8") as out:
                _write(out, report_pack.pack_csv_rows(pack))
        except OSError as error:
            raise CommandError(f"Cannot write {target}: {error.strerror}.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {target} ({pack.scope}, {chosen.label}, {len(pack.tables)} tables, "
                f"counts below {threshold} hidden)."
            )
        )


def _write(out, rows) -> None:
    writer = csv.writer(out)
    writer.writerows(rows)
