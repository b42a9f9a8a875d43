"""Progress over time, from hand-made status history, and its chart."""

import datetime
import random
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.core.progress import progress_for
from assessments.core.trend import render_svg, trend_for
from assessments.models import MilestoneStatus, Status, StatusChange, TaskForce
from stages.models import Milestone, Stage
from tests.factories import MilestoneFactory, StageFactory, TaskForceFactory, UserFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
TODAY = datetime.date(2026, 6, 15)  # the window of 6 months is January to June 2026


@pytest.fixture
def stages():
    """Three stages of 3, 2 and 2 milestones."""
    foundation = StageFactory(name="Foundation", order=1)
    stabilization = StageFactory(name="Stabilization", order=2)
    sustainability = StageFactory(name="Sustainability", order=3)
    return {
        "foundation": [MilestoneFactory(stage=foundation, order=i) for i in range(3)],
        "stabilization": [MilestoneFactory(stage=stabilization, order=i) for i in range(2)],
        "sustainability": [MilestoneFactory(stage=sustainability, order=i) for i in range(2)],
    }


def _local(year, month, day, hour=12, minute=0):
    """An aware datetime in the site's time zone."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def _set(task_force, milestone, status, at):
    """Record a status and its history row at `at`, as the status service does.

    Written directly so these tests exercise only the trend, not the service's
    locking and validation."""
    record, _ = MilestoneStatus.objects.get_or_create(task_force=task_force, milestone=milestone)
    StatusChange.objects.create(
        task_force=task_force,
        milestone=milestone,
        old_status=record.status,
        new_status=status,
        changes={"status": [record.status, status]},
        changed_at=at,
        source=StatusChange.Source.IMPORT,
    )
    record.status = status
    record.status_since = at
    record.save(update_fields=["status", "status_since"])


def _trend(*task_forces, months=6, today=TODAY):
    queryset = TaskForce.objects.filter(pk__in=[tf.pk for tf in task_forces])
    return trend_for(queryset, months=months, today=today)


def _series(trend, stage_name):
    stage = next(s for s in trend.stages if s.name == stage_name)
    return [point.for_stage(stage) for point in trend.points]


# Numbers


def test_the_window_is_the_last_months_ending_with_the_current_month(stages):
    trend = _trend(TaskForceFactory(), months=6)
    assert [point.month for point in trend.points] == [
        datetime.date(2026, month, 1) for month in range(1, 7)
    ]
    trend = _trend(TaskForceFactory(), months=3, today=datetime.date(2026, 2, 1))
    assert [point.month for point in trend.points] == [
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]


def test_without_today_the_window_ends_with_this_month(stages):
    trend = trend_for(TaskForce.objects.all(), months=2)
    assert trend.points[-1].month == timezone.localdate().replace(day=1)


def test_no_history_is_zero_every_month_in_every_stage(stages):
    trend = _trend(TaskForceFactory())
    assert [stage.name for stage in trend.stages] == [
        "Foundation",
        "Stabilization",
        "Sustainability",
    ]
    for name in ("Foundation", "Stabilization", "Sustainability"):
        assert _series(trend, name) == [0] * 6


def test_achieved_then_lapsed_two_months_later_counts_only_in_between(stages):
    task_force = TaskForceFactory()
    milestone = stages["foundation"][0]
    _set(task_force, milestone, Status.ACHIEVED, _local(2026, 2, 10))
    _set(task_force, milestone, Status.LAPSED, _local(2026, 4, 5))
    trend = _trend(task_force)
    assert _series(trend, "Foundation") == [0, 1, 1, 0, 0, 0]
    assert _series(trend, "Stabilization") == [0] * 6


def test_achieved_lapsed_and_achieved_again_counts_once_each_time(stages):
    task_force = TaskForceFactory()
    milestone = stages["stabilization"][1]
    _set(task_force, milestone, Status.ACHIEVED, _local(2026, 1, 20))
    _set(task_force, milestone, Status.LAPSED, _local(2026, 3, 1))
    _set(task_force, milestone, Status.ACHIEVED, _local(2026, 5, 31))
    assert _series(_trend(task_force), "Stabilization") == [1, 1, 0, 0, 1, 1]


def test_only_the_state_at_the_end_of_the_month_counts(stages):
    task_force = TaskForceFactory()
    milestone = stages["foundation"][0]
    _set(task_force, milestone, Status.ACHIEVED, _local(2026, 2, 3))
    _set(task_force, milestone, Status.IN_PROGRESS, _local(2026, 2, 20))
    assert _series(_trend(task_force), "Foundation") == [0] * 6


def test_changes_between_other_statuses_do_not_count(stages):
    task_force = TaskForceFactory()
    milestone = stages["foundation"][0]
    _set(task_force, milestone, Status.PLANNING, _local(2026, 1, 3))
    _set(task_force, milestone, Status.IN_PROGRESS, _local(2026, 2, 3))
    _set(task_force, milestone, Status.LAPSED, _local(2026, 3, 3))
    assert _series(_trend(task_force), "Foundation") == [0] * 6


def test_a_repeated_achieved_change_is_not_counted_twice(stages):
    task_force = TaskForceFactory()
    milestone = stages["foundation"][0]
    for month in (2, 3):
        StatusChange.objects.create(
            task_force=task_force,
            milestone=milestone,
            old_status=Status.ACHIEVED,
            new_status=Status.ACHIEVED,
            changes={"notes": ["", "edited"]},
            changed_at=_local(2026, month, 1),
        )
    assert _series(_trend(task_force), "Foundation") == [0, 1, 1, 1, 1, 1]


def test_two_task_forces_are_summed_and_so_are_their_totals(stages):
    first, second = TaskForceFactory(), TaskForceFactory()
    foundation = stages["foundation"]
    _set(first, foundation[0], Status.ACHIEVED, _local(2026, 1, 10))
    _set(first, foundation[1], Status.ACHIEVED, _local(2026, 3, 10))
    _set(second, foundation[0], Status.ACHIEVED, _local(2026, 2, 10))
    trend = _trend(first, second)
    assert _series(trend, "Foundation") == [1, 2, 3, 3, 3, 3]
    assert trend.task_force_count == 2
    assert [str(cell) for cell in trend.rows[-1].cells] == ["3 of 6", "0 of 4", "0 of 4"]


def test_task_forces_outside_the_queryset_are_left_out(stages):
    mine, theirs = TaskForceFactory(), TaskForceFactory()
    coordinator = UserFactory()
    mine.coordinators.add(coordinator)
    _set(mine, stages["foundation"][0], Status.ACHIEVED, _local(2026, 1, 10))
    _set(theirs, stages["foundation"][1], Status.ACHIEVED, _local(2026, 1, 10))
    trend = trend_for(TaskForce.objects.visible_to(coordinator), months=6, today=TODAY)
    assert _series(trend, "Foundation") == [1] * 6
    assert trend.task_force_count == 1


def test_a_change_before_the_window_sets_the_starting_state(stages):
    task_force = TaskForceFactory()
    foundation = stages["foundation"]
    _set(task_force, foundation[0], Status.ACHIEVED, _local(2023, 5, 1))
    _set(task_force, foundation[1], Status.ACHIEVED, _local(2024, 2, 1))
    _set(task_force, foundation[1], Status.LAPSED, _local(2025, 12, 31))
    _set(task_force, foundation[2], Status.ACHIEVED, _local(2026, 4, 1))
    assert _series(_trend(task_force), "Foundation") == [1, 1, 1, 2, 2, 2]


def test_a_change_after_the_current_month_is_not_counted(stages):
    task_force = TaskForceFactory()
    _set(task_force, stages["foundation"][0], Status.ACHIEVED, _local(2026, 7, 1, 0, 0))
    assert _series(_trend(task_force), "Foundation") == [0] * 6


def test_a_retired_milestone_is_not_counted_in_any_month(stages):
    task_force = TaskForceFactory()
    kept, retired, _ = stages["foundation"]
    _set(task_force, kept, Status.ACHIEVED, _local(2026, 1, 10))
    _set(task_force, retired, Status.ACHIEVED, _local(2026, 1, 10))
    Milestone.objects.filter(pk=retired.pk).update(is_active=False)
    trend = _trend(task_force)
    assert _series(trend, "Foundation") == [1] * 6
    assert str(trend.rows[-1].cells[0]) == "1 of 2"


def test_the_latest_month_agrees_with_current_progress(guidance):
    task_force = TaskForceFactory()
    milestones = list(Milestone.objects.active())
    for i, milestone in enumerate(milestones[:12]):
        _set(task_force, milestone, Status.ACHIEVED, _local(2025, 1 + i % 12, 5))
    for milestone in milestones[:12:3]:
        _set(task_force, milestone, Status.LAPSED, _local(2026, 1, 5))
    _set(task_force, milestones[20], Status.IN_PROGRESS, _local(2026, 2, 5))
    trend = trend_for(TaskForce.objects.filter(pk=task_force.pk))
    progress = progress_for([task_force])[task_force.pk]
    assert [str(cell) for cell in trend.rows[-1].cells] == [
        f"{stage.achieved} of {stage.total}" for stage in progress.stages
    ]


# Month boundaries, in the site's time zone (America/Los_Angeles in tests)


def test_late_on_the_last_evening_of_a_month_counts_in_that_month(stages, settings):
    assert settings.TIME_ZONE == "America/Los_Angeles"
    task_force = TaskForceFactory()
    # 23:30 on 31 January in Los Angeles is already 1 February in UTC.
    at = _local(2026, 1, 31, 23, 30)
    assert at.astimezone(datetime.timezone.utc).month == 2
    _set(task_force, stages["foundation"][0], Status.ACHIEVED, at)
    assert _series(_trend(task_force), "Foundation") == [1] * 6


def test_midnight_at_the_start_of_a_month_counts_in_the_new_month(stages):
    task_force = TaskForceFactory()
    milestone = stages["foundation"][0]
    _set(task_force, milestone, Status.ACHIEVED, _local(2026, 2, 28, 23, 59))
    _set(task_force, milestone, Status.LAPSED, _local(2026, 3, 1, 0, 0))
    assert _series(_trend(task_force), "Foundation") == [0, 1, 0, 0, 0, 0]


def test_months_across_a_year_end(stages):
    task_force = TaskForceFactory()
    _set(task_force, stages["foundation"][0], Status.ACHIEVED, _local(2025, 12, 31, 23, 59))
    trend = _trend(task_force, months=3, today=datetime.date(2026, 1, 2))
    assert [point.month.month for point in trend.points] == [11, 12, 1]
    assert _series(trend, "Foundation") == [0, 1, 1]


def test_months_must_be_at_least_one(stages):
    with pytest.raises(ValueError):
        _trend(TaskForceFactory(), months=0)


# The SQL aggregate against a plain reading of the history


def _reference(task_forces, *, months, today):
    """Achieved per stage at each month end, read the plainest way: for every
    task force and milestone, the last change before the month ends (ties in
    time broken by id) says whether it is achieved then."""
    this_month = today.replace(day=1)
    index = this_month.year * 12 + this_month.month - 1
    month_starts = [
        datetime.date((index - n) // 12, (index - n) % 12 + 1, 1) for n in reversed(range(months))
    ]
    history = sorted(
        StatusChange.objects.filter(task_force__in=task_forces, milestone__is_active=True)
        .select_related("milestone")
        .order_by(),
        key=lambda change: (change.changed_at, change.pk),
    )
    result = []
    for month in month_starts:
        following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        end = timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))
        last = {}
        for change in history:
            if change.changed_at < end:
                last[change.task_force_id, change.milestone_id] = change
        counts = {}
        for change in last.values():
            if change.new_status == Status.ACHIEVED:
                stage_id = change.milestone.stage_id
                counts[stage_id] = counts.get(stage_id, 0) + 1
        result.append((month, counts))
    return result


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_trend_matches_a_plain_reading_of_a_random_history(stages, seed):
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    task_forces = TaskForceFactory.create_batch(4)
    milestones = [m for group in stages.values() for m in group]
    statuses = list(Status)
    # Month boundaries exactly, a shared instant (ties go by id), and times
    # before, inside and after a window of January to June 2026.
    instants = [_local(2025, 11, 30, 23, 59), _local(2026, 7, 1, 0, 0)]
    instants += [_local(2026, month, 1, 0, 0) for month in range(1, 7)]
    instants += [
        _local(2025 + rng.randint(0, 1), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23))
        for _ in range(10)
    ]
    for _ in range(150):
        status = rng.choice(statuses)
        StatusChange.objects.create(
            task_force=rng.choice(task_forces),
            milestone=rng.choice(milestones),
            old_status=rng.choice(statuses),
            new_status=status,
            changed_at=rng.choice(instants),
            source=StatusChange.Source.IMPORT,
        )
    Milestone.objects.filter(pk=milestones[rng.randrange(len(milestones))].pk).update(
        is_active=False
    )
    for scope in (task_forces[:1], task_forces[1:3], task_forces):
        queryset = TaskForce.objects.filter(pk__in=[tf.pk for tf in scope])
        trend = trend_for(queryset, months=6, today=TODAY)
        expected = _reference(queryset, months=6, today=TODAY)
        assert [point.month for point in trend.points] == [month for month, _ in expected]
        assert [
            {stage.pk: point.for_stage(stage) for stage in trend.stages} for point in trend.points
        ] == [
            {stage.pk: counts.get(stage.pk, 0) for stage in trend.stages} for _, counts in expected
        ]


# Queries


def _make_task_forces_with_history(n):
    milestones = list(Milestone.objects.active())
    task_forces = TaskForceFactory.create_batch(n)
    for i, task_force in enumerate(task_forces):
        for j, milestone in enumerate(milestones[: 3 + i % 5]):
            _set(task_force, milestone, Status.ACHIEVED, _local(2025, 1 + (i + j) % 12, 10))
            if j % 3 == 0:
                _set(task_force, milestone, Status.LAPSED, _local(2026, 1 + j % 6, 10))
    return TaskForce.objects.filter(pk__in=[tf.pk for tf in task_forces])


def _queries_for(task_forces):
    with CaptureQueriesContext(connection) as context:
        trend_for(task_forces, today=TODAY)
    return len(context.captured_queries)


def test_the_number_of_queries_does_not_grow_with_task_forces_or_changes(
    guidance, django_assert_max_num_queries
):
    few = _make_task_forces_with_history(3)
    many = _make_task_forces_with_history(30)
    assert StatusChange.objects.filter(task_force__in=many).count() > 5 * (
        StatusChange.objects.filter(task_force__in=few).count()
    )
    # The stages, the number of task forces, and the moves up and the moves
    # down per month and stage.
    with django_assert_max_num_queries(4):
        trend_for(many, today=TODAY)
    assert _queries_for(few) == _queries_for(many) == _queries_for(TaskForce.objects.all())


def test_no_visible_task_forces_is_all_zero(stages):
    TaskForceFactory()
    trend = trend_for(TaskForce.objects.none(), months=2, today=TODAY)
    assert trend.task_force_count == 0
    assert [str(cell) for cell in trend.rows[-1].cells] == ["0 of 0"] * 3


# The chart


def _parse(svg):
    return ET.fromstring(str(svg))  # noqa: S314 (our own output, not untrusted)


def _polylines(root):
    return root.findall(f"{SVG}polyline")


def test_the_chart_is_valid_svg_with_a_title_and_description(stages):
    task_force = TaskForceFactory()
    _set(task_force, stages["foundation"][0], Status.ACHIEVED, _local(2026, 2, 10))
    root = _parse(render_svg(_trend(task_force)))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert "January 2026 to June 2026" in desc.text
    assert "Foundation 1 of 3, Stabilization 0 of 2, Sustainability 0 of 2" in desc.text


def test_the_chart_has_one_line_per_stage_even_with_more_stages(stages):
    StageFactory(name="Fourth", order=4)
    extra = StageFactory(name="Fifth", order=5)
    MilestoneFactory(stage=extra)
    trend = _trend(TaskForceFactory())
    root = _parse(render_svg(trend))
    lines = _polylines(root)
    assert len(lines) == len(trend.stages) == 5
    assert all(len(line.get("points").split()) == 6 for line in lines)
    legend = [text.text for text in root.iter(f"{SVG}text")]
    for name in ("Foundation", "Stabilization", "Sustainability", "Fourth", "Fifth"):
        assert name in legend


def test_stages_differ_by_dash_pattern_and_marker_shape_not_only_colour(stages):
    root = _parse(render_svg(_trend(TaskForceFactory())))
    dashes = [line.get("stroke-dasharray") for line in _polylines(root)]
    assert len(set(dashes)) == 3
    shapes = {
        (element.tag, element.get("points", "").count(" "))
        for element in root
        if element.tag in (f"{SVG}circle", f"{SVG}rect", f"{SVG}polygon")
    }
    assert len(shapes) >= 3


def test_the_chart_uses_no_inline_style_or_script(stages):
    task_force = TaskForceFactory()
    _set(task_force, stages["foundation"][0], Status.ACHIEVED, _local(2026, 2, 10))
    svg = str(render_svg(_trend(task_force, months=24)))
    root = _parse(svg)
    for element in root.iter():
        assert "style" not in element.attrib
        assert element.tag not in (f"{SVG}style", f"{SVG}script")
    assert "style" not in svg
    assert "<script" not in svg


def test_with_no_history_the_lines_are_flat_at_zero(stages):
    root = _parse(render_svg(_trend(TaskForceFactory())))
    for line in _polylines(root):
        ys = {point.split(",")[1] for point in line.get("points").split()}
        assert len(ys) == 1


def test_a_chart_of_one_month_and_no_stages_is_still_valid(db):
    trend = trend_for(TaskForce.objects.all(), months=1, today=TODAY)
    root = _parse(render_svg(trend))
    assert _polylines(root) == []
    assert "June 2026" in root.find(f"{SVG}desc").text


def test_a_crowded_x_axis_labels_only_some_months_including_the_latest(stages):
    root = _parse(render_svg(_trend(TaskForceFactory(), months=24)))
    month_labels = [
        text.find(f"{SVG}tspan").text
        for text in root.iter(f"{SVG}text")
        if text.find(f"{SVG}tspan") is not None
    ]
    assert 2 <= len(month_labels) <= 6
    assert month_labels[-1] == "Jun"


def test_stage_names_are_escaped_in_the_chart(stages):
    Stage.objects.filter(name="Foundation").update(name='A <b>&"c"')
    svg = str(render_svg(_trend(TaskForceFactory())))
    assert "<b>" not in svg
    root = _parse(svg)
    assert 'A <b>&"c"' in [text.text for text in root.iter(f"{SVG}text")]
    assert 'A <b>&"c" 0 of 3' in root.find(f"{SVG}desc").text


def test_two_charts_on_a_page_get_different_ids(stages):
    trend = _trend(TaskForceFactory())
    first, second = _parse(render_svg(trend)), _parse(render_svg(trend))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


# The partial


def test_the_partial_shows_the_chart_and_a_table_of_the_numbers(stages):
    task_force = TaskForceFactory()
    _set(task_force, stages["foundation"][0], Status.ACHIEVED, _local(2026, 2, 10))
    Stage.objects.filter(name="Sustainability").update(name='A <b>&"c"')
    trend = _trend(task_force)
    html = render_to_string(
        "assessments/core/_trend.html", {"trend": trend, "trend_svg": render_svg(trend)}
    )
    assert "<figure" in html and "<figcaption" in html and "<svg" in html
    assert "<summary>Show the numbers as a table</summary>" in html
    assert '<table class="table table-sm sticky-first">' in html and "<caption>" in html
    assert html.count('<th scope="row">') == 6
    assert html.count('<th scope="col">') == 1 + 3
    assert '<th scope="row">June 2026</th>' in html
    assert "<td>1 of 3</td>" in html
    assert "<b>" not in html
    assert "A &lt;b&gt;&amp;&quot;c&quot;" in html
    assert "style" not in html
    assert "<script" not in html
