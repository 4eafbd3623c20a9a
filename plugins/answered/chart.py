"""Geometry of the monthly response-time chart, drawn as inline SVG by a template.

Pure numbers only: bar positions and heights in SVG user units, a target line
and axis ticks. The template turns them into ``<rect>`` and ``<line>`` elements.
"""

import math
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 240
MARGIN_LEFT = 48
MARGIN_BOTTOM = 28
MARGIN_TOP = 12
MARGIN_RIGHT = 8


@dataclass(frozen=True)
class Bar:
    """One month's bar: the median response time in hours (None: no answers)."""

    x: float
    y: float
    width: float
    height: float
    hours: float | None
    label_x: float
    year: int
    month: int


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw the chart."""

    width: int
    height: int
    plot_left: int
    plot_bottom: int
    plot_top: int
    plot_right: int
    bars: tuple
    target_y: float
    ticks: tuple  # (y, hours)


def nice_ceiling(hours):
    """Round a maximum up to 6, 12, 24, 48 … hours for readable ticks."""
    for step in (1, 2, 6, 12, 24, 48, 72, 168):
        if hours <= step:
            return step
    return math.ceil(hours / 168) * 168


def build_chart(months, target_hours):
    """Lay out one bar per month; the scale always shows the target line."""
    medians = [
        m.median_response_seconds / 3600
        for m in months
        if m.median_response_seconds is not None
    ]
    top_hours = nice_ceiling(max([target_hours, *medians]))
    plot_bottom = HEIGHT - MARGIN_BOTTOM
    plot_height = plot_bottom - MARGIN_TOP
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    slot = plot_width / max(1, len(months))

    def y_of(hours):
        return round(plot_bottom - plot_height * min(hours, top_hours) / top_hours, 1)

    bars = []
    for index, month in enumerate(months):
        hours = (
            None
            if month.median_response_seconds is None
            else month.median_response_seconds / 3600
        )
        x = MARGIN_LEFT + index * slot
        top = y_of(hours) if hours is not None else plot_bottom
        bars.append(
            Bar(
                x=round(x + slot * 0.15, 1),
                y=top,
                width=round(slot * 0.7, 1),
                height=round(plot_bottom - top, 1),
                hours=None if hours is None else round(hours, 1),
                label_x=round(x + slot / 2, 1),
                year=month.year,
                month=month.month,
            )
        )
    ticks = tuple(
        (y_of(top_hours * part / 4), top_hours * part / 4) for part in range(5)
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=MARGIN_LEFT,
        plot_bottom=plot_bottom,
        plot_top=MARGIN_TOP,
        plot_right=WIDTH - MARGIN_RIGHT,
        bars=tuple(bars),
        target_y=y_of(target_hours),
        ticks=ticks,
    )
