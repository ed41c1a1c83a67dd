"""Where the report's horizontal bars go: positions and lengths as numbers, no markup.

``templates/backoffice/_bar_chart.svg.html`` draws them; the values themselves are in the
table next to each chart, so the chart only has to be proportional and labelled.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

CHART_WIDTH = 640
LABEL_WIDTH = 230
VALUE_WIDTH = 70
ROW_HEIGHT = 26
BAR_HEIGHT = 16
PADDING = 8
LABEL_CHARS = 34
# Text sits on a baseline a little above the bar's bottom edge, level with the bar's middle.
BASELINE_RAISE = 3
LABEL_GAP = 8
VALUE_GAP = 6


class ChartRow(Protocol):
    # Read-only, so that frozen rows fit.
    @property
    def label(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def display(self) -> str: ...


@dataclass(frozen=True)
class Bar:
    label: str
    short_label: str
    display: str
    y: int
    baseline: int
    width: float
    value_x: float


@dataclass(frozen=True)
class BarChartLayout:
    bars: list[Bar]
    height: int
    width: int = CHART_WIDTH
    label_x: int = LABEL_WIDTH - LABEL_GAP
    bar_x: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT
    # Where the "no data" line goes when there is no bar.
    empty_x: int = PADDING
    empty_y: int = PADDING + BAR_HEIGHT


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart_layout(*, rows: Sequence[ChartRow], maximum: float | None = None) -> BarChartLayout:
    """One bar per row, scaled to the largest value (or ``maximum`` when larger, e.g. 100 %)."""
    scale_max = max([maximum or 0, *(row.value for row in rows)]) or 1
    bar_space = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, row in enumerate(rows):
        top = PADDING + index * ROW_HEIGHT
        width = bar_space * row.value / scale_max
        bars.append(
            Bar(
                label=row.label,
                short_label=_short(row.label),
                display=row.display,
                y=top,
                baseline=top + BAR_HEIGHT - BASELINE_RAISE,
                width=width,
                value_x=LABEL_WIDTH + width + VALUE_GAP,
            )
        )
    return BarChartLayout(bars=bars, height=max(1, len(rows)) * ROW_HEIGHT + 2 * PADDING)
