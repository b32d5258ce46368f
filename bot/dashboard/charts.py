"""Chart geometry for inline SVG, computed on the server (the templates only draw it).

No script and no asset from elsewhere: a chart is a handful of ``<rect>`` and ``<text>``
elements whose coordinates come from here, and every chart has a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str
    anchor: str = "middle"  # SVG text-anchor: the last label ends at its bar


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    left: int  # the plot area starts here (room for the y labels)
    bottom: float  # the baseline's y
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    top_value: int

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def nice_top(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5, 10, 20, 50, ...)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def bar_chart(
    values: Sequence[tuple[str, int]],
    *,
    width: int = 720,
    height: int = 220,
    every: int = 5,
) -> BarChart:
    """Vertical bars, one per (label, value); every ``every``-th label under the axis."""
    left, top_pad, bottom_pad = 44, 10, 24
    plot_w, plot_h = width - left - 6, height - top_pad - bottom_pad
    bottom = float(top_pad + plot_h)
    top_value = nice_top(max((v for _, v in values), default=0))
    slot = plot_w / max(1, len(values))
    gap = min(2.0, slot / 5)
    bars = []
    x_ticks = []
    for index, (label, value) in enumerate(values):
        h = plot_h * value / top_value
        x = left + index * slot
        bars.append(
            Bar(
                round(x + gap / 2, 2),
                round(bottom - h, 2),
                round(slot - gap, 2),
                round(h, 2),
                label,
                value,
            )
        )
        if index == len(values) - 1:
            x_ticks.append(Tick(round(x + slot, 2), label, "end"))
        elif index % every == 0 and index < len(values) - every / 2:
            x_ticks.append(Tick(round(x + slot / 2, 2), label))
    marks = (0, top_value // 2, top_value) if top_value % 2 == 0 else (0, top_value)
    y_ticks = tuple(Tick(round(bottom - plot_h * m / top_value, 2), str(m)) for m in marks)
    return BarChart(width, height, left, bottom, tuple(bars), y_ticks, tuple(x_ticks), top_value)
