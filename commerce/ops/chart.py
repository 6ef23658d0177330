"""The orders-per-minute chart's geometry: counts per minute as the bars of an SVG drawn on the server."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .store_day import store_tz

CHART_MINUTES = 60
CHART_WIDTH = 600  # the SVG's viewBox: one 10-unit slot per minute
CHART_HEIGHT = 100
_SLOT = CHART_WIDTH // CHART_MINUTES
_TOP = 8  # headroom above the tallest bar


@dataclass(frozen=True)
class Bar:
    x: int
    y: float
    width: int
    height: float
    count: int
    label: str  # "14:05", store time


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    total: int
    peak: int
    first_label: str
    last_label: str
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def minute_chart(first: datetime, counts: list[int]) -> Chart:
    """One bar per minute from `first` (`counts[i]` orders in minute i), scaled to the tallest."""
    peak = max(counts)
    scale = (CHART_HEIGHT - _TOP) / max(peak, 1)
    tz = store_tz()
    bars = []
    for index, count in enumerate(counts):
        height = round(max(count * scale, 2.0 if count else 0.0), 1)  # a single order stays visible
        minute = (first + timedelta(minutes=index)).astimezone(tz)
        bars.append(
            Bar(
                x=index * _SLOT + 1,
                y=round(CHART_HEIGHT - height, 1),
                width=_SLOT - 2,
                height=height,
                count=count,
                label=minute.strftime("%H:%M"),
            )
        )
    return Chart(bars=bars, total=sum(counts), peak=peak, first_label=bars[0].label, last_label=bars[-1].label)
