"""Geometry of the monthly chart, drawn as inline SVG by a template: per month,
the share of that month's due comments answered within target.

Pure numbers only: bar positions and heights in SVG user units, a target line
and axis ticks. The template turns them into ``<rect>`` and ``<line>`` elements.
"""

from dataclasses import dataclass

WIDTH = 640
HEIGHT = 240
MARGIN_LEFT = 48
MARGIN_BOTTOM = 28
MARGIN_TOP = 12
MARGIN_RIGHT = 8


@dataclass(frozen=True)
class Bar:
    """One month's bar: the whole percent of its due comments answered within
    target (None: none of the month's comments is due yet)."""

    x: float
    y: float
    width: float
    height: float
    percent: int | None
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
    target_y: float  # the promise: every due comment within target (100 %)
    ticks: tuple  # (y, percent)


def build_chart(months):
    """Lay out one bar per month on a 0–100 % scale, the target at 100 %."""
    plot_bottom = HEIGHT - MARGIN_BOTTOM
    plot_height = plot_bottom - MARGIN_TOP
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    slot = plot_width / max(1, len(months))

    def y_of(percent):
        return round(plot_bottom - plot_height * percent / 100, 1)

    bars = []
    for index, month in enumerate(months):
        percent = month.within_target_percent
        x = MARGIN_LEFT + index * slot
        top = y_of(percent) if percent is not None else plot_bottom
        bars.append(
            Bar(
                x=round(x + slot * 0.15, 1),
                y=top,
                width=round(slot * 0.7, 1),
                height=round(plot_bottom - top, 1),
                percent=percent,
                label_x=round(x + slot / 2, 1),
                year=month.year,
                month=month.month,
            )
        )
    ticks = tuple((y_of(percent), percent) for percent in (0, 25, 50, 75, 100))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=MARGIN_LEFT,
        plot_bottom=plot_bottom,
        plot_top=MARGIN_TOP,
        plot_right=WIDTH - MARGIN_RIGHT,
        bars=tuple(bars),
        target_y=y_of(100),
        ticks=ticks,
    )
