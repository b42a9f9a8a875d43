"""Progress over time: achieved milestones per stage at the end of each month.

Derived from the status history (StatusChange) alone, with the same rules as
current progress (see assessments.core.progress):
- A milestone counts as achieved for a task force from a change to
  "achieved" until its next change to anything else; lapsed is not achieved.
- Only milestones that are active now count, in the stage they belong to now,
  so the latest month agrees with the progress shown elsewhere.
- Months run midnight to midnight in the site's time zone.

Statuses recorded before history was kept have no StatusChange row, so they
do not show here until they next change.
"""

from __future__ import annotations

import datetime
import math
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import ExtractMonth, ExtractYear, Greatest, Lag
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from assessments.core.models import Status, StatusChange, TaskForce
from stages.models import Stage

DEFAULT_MONTHS = 24
CHART_TITLE = "Milestones achieved per stage, month by month"


@dataclass(frozen=True)
class TrendPoint:
    month: datetime.date  # the first day of the month
    achieved: dict[int, int]  # keyed by stage id; at the end of the month

    def for_stage(self, stage: Stage) -> int:
        return self.achieved.get(stage.pk, 0)


@dataclass(frozen=True)
class TrendCell:
    stage: Stage
    achieved: int
    total: int

    def __str__(self) -> str:
        return f"{self.achieved} of {self.total}"


@dataclass(frozen=True)
class TrendRow:
    month: datetime.date
    cells: tuple[TrendCell, ...]

    @property
    def label(self) -> str:
        return month_label(self.month)


@dataclass(frozen=True)
class Trend:
    stages: list[Stage]  # annotated with active_total
    points: list[TrendPoint]  # oldest first
    # Totals are per task force, so a sum over several needs their number.
    task_force_count: int = 1

    def total(self, stage: Stage) -> int:
        return stage.active_total * self.task_force_count

    @property
    def latest(self) -> TrendPoint | None:
        return self.points[-1] if self.points else None

    @property
    def rows(self) -> list[TrendRow]:
        """One row per month, one cell per stage: the table alternative."""
        return [
            TrendRow(
                month=point.month,
                cells=tuple(
                    TrendCell(stage, point.for_stage(stage), self.total(stage))
                    for stage in self.stages
                ),
            )
            for point in self.points
        ]

    @property
    def period_label(self) -> str:
        if not self.points:
            return ""
        first, last = month_label(self.points[0].month), month_label(self.points[-1].month)
        return first if first == last else f"{first} to {last}"

    @property
    def latest_summary(self) -> str:
        """E.g. "Foundation 9 of 11, Stabilization 2 of 11"."""
        latest = self.latest
        if latest is None:
            return ""
        return ", ".join(
            f"{stage.name} {latest.for_stage(stage)} of {self.total(stage)}"
            for stage in self.stages
        )


def month_label(month: datetime.date) -> str:
    return dateformat.format(month, "F Y")


def _add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def trend_for(
    task_forces: QuerySet[TaskForce],
    *,
    months: int = DEFAULT_MONTHS,
    today: datetime.date | None = None,
) -> Trend:
    """Achieved milestones per stage at the end of each of the last `months`
    months (the current month as of now), summed over `task_forces`.

    Three queries whatever the number of task forces or changes: the stages,
    the task forces' number, and one aggregate over the history, so memory
    does not grow with it either. History before the window counts too,
    because it sets where each milestone starts.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    month_starts = [_add_months(this_month, -n) for n in reversed(range(months))]

    stages = list(Stage.objects.with_active_totals())
    task_force_count = TaskForce.objects.filter(pk__in=task_forces).count()
    if not stages:
        return Trend(
            stages=stages,
            points=[TrendPoint(month=month, achieved={}) for month in month_starts],
            task_force_count=task_force_count,
        )

    # Each change moves its stage's count by +1 (into achieved), -1 (out of
    # it) or 0, judged against the previous change of the same milestone of
    # the same task force: its old_status cannot be trusted for that (a
    # first change may say achieved -> achieved). The count at the end of a
    # month is then the sum of the moves up to that month.
    is_achieved = Case(When(new_status=Status.ACHIEVED, then=Value(1)), default=Value(0))
    was_achieved = Window(
        Lag(is_achieved, default=Value(0)),
        partition_by=[F("task_force_id"), F("milestone_id")],
        order_by=[F("changed_at").asc(), F("pk").asc()],
    )
    history = StatusChange.objects.filter(
        task_force__in=task_forces,
        milestone__is_active=True,
        changed_at__lt=_local_midnight(_add_months(this_month, 1)),
    )
    moves = history.annotate(
        move=ExpressionWrapper(is_achieved - was_achieved, output_field=IntegerField())
    )
    # The month of each change, counted from the first month shown; changes
    # before it count in it, since they set where each milestone starts.
    zone = timezone.get_current_timezone()
    first = month_starts[0].year * 12 + month_starts[0].month
    month_index = Greatest(
        ExtractYear("changed_at", tzinfo=zone) * 12
        + ExtractMonth("changed_at", tzinfo=zone)
        - Value(first),
        Value(0),
    )
    # Most changes move nothing. The ones that do are counted per month and
    # stage, up and down apart: a database cannot group by a window function
    # directly, but it can group the changes a window picked out.
    counts: Counter[tuple[int, int]] = Counter()
    for direction in (1, -1):
        moved = (
            StatusChange.objects.filter(pk__in=moves.filter(move=direction).values("pk"))
            .annotate(month_index=month_index)
            .order_by()
            .values_list("month_index", "milestone__stage_id")
            .annotate(n=Count("pk"))
        )
        for index, stage_id, n in moved:
            counts[index, stage_id] += direction * n
    points = []
    running: Counter[int] = Counter()
    for i, month in enumerate(month_starts):
        for stage in stages:
            running[stage.pk] += counts[i, stage.pk]
        points.append(TrendPoint(month=month, achieved={pk: n for pk, n in running.items() if n}))
    return Trend(stages=stages, points=points, task_force_count=task_force_count)


# The chart. Drawn in a fixed coordinate space (viewBox) that scales to the
# page width. The site's Content-Security-Policy forbids inline styles, so
# everything is set with SVG presentation attributes.

WIDTH = 440
LEFT, RIGHT, TOP = 40, 20, 30
PLOT_HEIGHT = 180
X_AXIS_SPACE = 48  # two lines of month labels under the plot
LEGEND_ROW = 22
MAX_X_LABELS = 6
MAX_Y_INTERVALS = 6
# Big enough to stay readable when the chart shrinks to a 375 px wide phone.
FONT_SIZE = 13
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
TEXT_COLOUR = "#212529"  # 15:1 on white
AXIS_COLOUR = "#6c757d"  # 4.7:1
GRID_COLOUR = "#dee2e6"  # faint on purpose: the labels carry the values

# All at least 4.5:1 on white. Colour is never the only difference: each
# stage also has its own dash pattern and marker shape. The lists have
# different lengths so their combinations repeat as late as possible.
COLOURS = ("#146c43", "#0a58ca", "#b02a37", "#6f42c1", "#984c0c", "#055160", "#ab296a")
DASHES = ("none", "8 4", "2 3", "10 3 2 3", "5 5", "1 4")
MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down")


@dataclass(frozen=True)
class _Series:
    stage: Stage
    colour: str
    dash: str
    marker: str


def _series(stages: Sequence[Stage]) -> list[_Series]:
    return [
        _Series(
            stage=stage,
            colour=COLOURS[i % len(COLOURS)],
            dash=DASHES[i % len(DASHES)],
            marker=MARKERS[i % len(MARKERS)],
        )
        for i, stage in enumerate(stages)
    ]


def _n(value: float) -> str:
    """A coordinate, short: 12, 12.5."""
    return f"{value:.1f}".removesuffix(".0")


def _concat(parts: Iterable[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def _y_step(top: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that needs no more than
    MAX_Y_INTERVALS gridlines to reach `top`."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(top / step) <= MAX_Y_INTERVALS:
                return step
        magnitude *= 10


def _marker(shape: str, x: float, y: float, colour: str) -> SafeString:
    r = 3.5
    if shape == "circle":
        return format_html(
            '<circle cx="{}" cy="{}" r="{}" fill="{}"/>', _n(x), _n(y), _n(r), colour
        )
    if shape == "square":
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
            _n(x - r),
            _n(y - r),
            _n(2 * r),
            _n(2 * r),
            colour,
        )
    corners = {
        "triangle": [(0, -1.3), (1.2, 1), (-1.2, 1)],
        "triangle-down": [(0, 1.3), (1.2, -1), (-1.2, -1)],
        "diamond": [(0, -1.4), (1.4, 0), (0, 1.4), (-1.4, 0)],
    }[shape]
    points = " ".join(f"{_n(x + dx * r)},{_n(y + dy * r)}" for dx, dy in corners)
    return format_html('<polygon points="{}" fill="{}"/>', points, colour)


def render_svg(trend: Trend, *, id_prefix: str | None = None) -> SafeString:
    """An accessible line chart of `trend`: one line per stage, with a text
    title and description for screen readers. Pair it with the table in
    templates/assessments/core/_trend.html for the exact numbers.

    `id_prefix` names the title and description elements; by default it is
    unique, so several charts can share a page.
    """
    prefix = id_prefix or f"trend-{uuid.uuid4().hex[:8]}"
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    series = _series(trend.stages)
    months = [point.month for point in trend.points]
    height = TOP + PLOT_HEIGHT + X_AXIS_SPACE + LEGEND_ROW * len(series) + 8
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    plot_top, plot_bottom = TOP, TOP + PLOT_HEIGHT

    # Scale to the full totals, so a line's height reads as how close to done.
    highest = max(
        [trend.total(stage) for stage in trend.stages]
        + [max(point.achieved.values(), default=0) for point in trend.points]
        + [1]
    )
    step = _y_step(highest)
    y_top = math.ceil(highest / step) * step

    def x_at(i: int) -> float:
        if len(months) <= 1:
            return (plot_left + plot_right) / 2
        return plot_left + i * (plot_right - plot_left) / (len(months) - 1)

    def y_at(value: int) -> float:
        return plot_bottom - value * PLOT_HEIGHT / y_top

    parts: list[SafeString] = [
        format_html('<title id="{}">{}</title>', title_id, CHART_TITLE),
        format_html('<desc id="{}">{}</desc>', desc_id, _description(trend)),
        format_html(
            '<text x="0" y="{}" font-size="{}" fill="{}">Milestones achieved</text>',
            _n(TOP - 14),
            FONT_SIZE,
            TEXT_COLOUR,
        ),
    ]

    for value in range(0, y_top + 1, step):
        y = _n(y_at(value))
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" dy="0.35em" text-anchor="end" font-size="{}" '
                'fill="{}">{}</text>',
                plot_left,
                y,
                plot_right,
                y,
                AXIS_COLOUR if value == 0 else GRID_COLOUR,
                plot_left - 6,
                y,
                FONT_SIZE,
                TEXT_COLOUR,
                value,
            )
        )
    parts.append(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
            plot_left,
            plot_top,
            plot_left,
            plot_bottom,
            AXIS_COLOUR,
        )
    )

    # Label every few months, counting back from the latest so it is labelled.
    every = math.ceil(len(months) / MAX_X_LABELS)
    labelled = [i for i in range(len(months)) if (len(months) - 1 - i) % every == 0]
    previous_year = None
    for i in labelled:
        month = months[i]
        x = _n(x_at(i))
        # The year only where it changes, to keep the axis uncluttered.
        year = dateformat.format(month, "Y") if month.year != previous_year else ""
        previous_year = month.year
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="{}" fill="{}">'
                '<tspan x="{}">{}</tspan><tspan x="{}" dy="1.15em">{}</tspan></text>',
                x,
                plot_bottom,
                x,
                plot_bottom + 4,
                AXIS_COLOUR,
                x,
                plot_bottom + 4 + FONT_SIZE + 2,
                FONT_SIZE,
                TEXT_COLOUR,
                x,
                dateformat.format(month, "M"),
                x,
                year,
            )
        )

    for s in series:
        coordinates = [
            (x_at(i), y_at(point.for_stage(s.stage))) for i, point in enumerate(trend.points)
        ]
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" '
                'stroke-dasharray="{}" stroke-linejoin="round"/>',
                " ".join(f"{_n(x)},{_n(y)}" for x, y in coordinates),
                s.colour,
                s.dash,
            )
        )
        parts.extend(_marker(s.marker, x, y, s.colour) for x, y in coordinates)

    legend_top = plot_bottom + X_AXIS_SPACE
    for row, s in enumerate(series):
        y = legend_top + row * LEGEND_ROW + LEGEND_ROW / 2
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5" '
                'stroke-dasharray="{}"/>',
                plot_left,
                _n(y),
                plot_left + 36,
                _n(y),
                s.colour,
                s.dash,
            )
        )
        parts.append(_marker(s.marker, plot_left + 18, y, s.colour))
        parts.append(
            format_html(
                '<text x="{}" y="{}" dy="0.35em" font-size="{}" fill="{}">{}</text>',
                plot_left + 44,
                _n(y),
                FONT_SIZE,
                TEXT_COLOUR,
                s.stage.name,
            )
        )

    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" '
        'role="img" aria-labelledby="{} {}" font-family="{}" class="trend-chart">{}</svg>',
        WIDTH,
        height,
        title_id,
        desc_id,
        FONT,
        _concat(parts),
    )


def _description(trend: Trend) -> str:
    if not trend.points:
        return "No months to show."
    sentences = [f"Milestones achieved at the end of each month, {trend.period_label}."]
    if trend.stages:
        latest = month_label(trend.latest.month)
        sentences.append(f"Latest ({latest}): {trend.latest_summary}.")
    else:
        sentences.append("There are no stages yet.")
    return " ".join(sentences)
