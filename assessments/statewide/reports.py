"""Printable reports: one task force, or the statewide summary, optionally
followed by an appendix of the task forces of one region. The same templates
make the HTML page (printable with static/css/report.css) and the PDF
(WeasyPrint), for browsers and for the `report` management command alike.
Each takes a constant number of queries, whatever the number of task forces."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from assessments.common.pdf import render_pdf  # noqa: F401  (reports.render_pdf: the report command)
from assessments.core import hooks
from assessments.core.models import TaskForce
from assessments.core.priorities import PRIORITY_RULE, priorities_from, review_due_from
from assessments.core.progress import WORKING_STAGE_RULE, boards_for, progress_for
from assessments.statewide.overview import gaps

GAPS_IN_SUMMARY = 10
LEAST_IN_SUMMARY = 20


def task_force_sections(task_forces: QuerySet[TaskForce], today: datetime.date) -> list[dict]:
    """A section per task force, by name, in a constant number of queries."""
    listed = list(task_forces.order_by("name"))
    boards = boards_for(listed)
    sections = []
    for task_force in listed:
        progress, stage_sections = boards[task_force.pk]
        sections.append(
            {
                "task_force": task_force,
                "progress": progress,
                "priorities": priorities_from(stage_sections, today),
                "review_due": review_due_from(stage_sections, today),
            }
        )
    return sections


def statewide_summary(task_forces: QuerySet[TaskForce]) -> dict:
    """Counts by working stage, a line per region, the task forces with the
    least progress and the biggest gaps: two pages whatever the number of
    task forces (the region appendix and the matrix list them all)."""
    listed = list(task_forces.order_by("name"))
    progress = progress_for(listed)
    count, milestone_gaps = gaps(task_forces)
    by_stage: dict[str, int] = {}
    by_region: dict[str, list[int]] = {}
    for task_force in listed:
        stage = progress[task_force.pk].working_stage
        if stage is not None:
            by_stage[stage.name] = by_stage.get(stage.name, 0) + 1
        by_region.setdefault(task_force.region, []).append(progress[task_force.pk].percent)
    # The same Progress.percent the rows show; sorted() is stable, so task
    # forces of equal progress stay in name order.
    least = sorted(((tf, progress[tf.pk]) for tf in listed), key=lambda pair: pair[1].percent)
    return {
        "count": count,
        "rows": least[:LEAST_IN_SUMMARY],
        "working_stages": by_stage,
        "regions": [
            {
                "name": name,
                "count": len(percents),
                "average": round(sum(percents) / len(percents)),
                "lowest": min(percents),
            }
            for name, percents in sorted(by_region.items())
        ],
        "gaps": milestone_gaps[:GAPS_IN_SUMMARY],
    }


def report_context(
    *,
    task_forces: QuerySet[TaskForce],
    summary: bool,
    region: str = "",
    pdf: bool = False,
    built_summary: dict | None = None,
) -> dict:
    """The statewide summary (`summary`; `built_summary` if the caller has
    it already), with an appendix of the task forces of `region` when one is
    given; or a section for each of `task_forces`."""
    today = timezone.localdate()
    if summary:
        sections = task_force_sections(task_forces.filter(region=region), today) if region else []
    else:
        sections = task_force_sections(task_forces, today)
    # One task force's report: where it stands against its last submission.
    # The review cycles feature adds "comparison" and its rule (core.hooks).
    comparison = (
        hooks.report_comparison(sections[0]["task_force"])
        if not summary and len(sections) == 1
        else {}
    )
    return {
        "comparison": None,
        **comparison,
        "today": today,
        "pdf": pdf,
        "summary": (built_summary or statewide_summary(task_forces)) if summary else None,
        "region": region,
        "sections": sections,
        "working_stage_rule": WORKING_STAGE_RULE,
        "priority_rule": PRIORITY_RULE,
    }
