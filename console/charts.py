"""Charts as inline SVG computed on the server: no script, no CDN, so they show on an air-gapped network and print.

Each function turns a small table into shapes (rectangles, polylines, labels) in the SVG's own coordinates; the
template ``_charts.html`` writes them out (Jinja escapes every label). Colours come from one palette here; the risk
classes keep the same colour on every chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CLASS_COLOURS = {"A": "#2f855a", "B": "#d69e2e", "C": "#dd6b20", "D": "#c53030", "NEW": "#718096", "EXIT": "#a0aec0"}
PALETTE = ["#2b6cb0", "#c53030", "#2f855a", "#d69e2e", "#6b46c1", "#dd6b20", "#319795", "#718096"]


@dataclass
class Shape:
    x: float
    y: float
    w: float = 0
    h: float = 0
    colour: str = ""
    title: str = ""  # the tooltip (SVG <title>): the exact figure


@dataclass
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass
class Line:
    points: str
    colour: str
    name: str
    dots: list[Shape] = field(default_factory=list)


@dataclass
class Chart:
    width: int
    height: int
    title: str
    bars: list[Shape] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (name, colour)
    axes: list[tuple[float, float, float, float]] = field(default_factory=list)  # x1, y1, x2, y2


def colour_of(name: str, i: int) -> str:
    return CLASS_COLOURS.get(name, PALETTE[i % len(PALETTE)])


def stacked_bars(title: str, rows: dict[str, dict[str, float]], series: list[str], *, width: int = 760) -> Chart:
    """One horizontal bar per row, split by series, as shares of the row's total (the counts in the tooltips)."""
    left, bar_h, gap, top = 130, 18, 6, 28
    height = top + len(rows) * (bar_h + gap) + 24
    chart = Chart(width, height, title, legend=[(s, colour_of(s, i)) for i, s in enumerate(series)])
    span = width - left - 70
    for r, (row, values) in enumerate(rows.items()):
        y = top + r * (bar_h + gap)
        total = sum(values.values()) or 1
        chart.labels.append(Label(left - 6, y + bar_h - 4, row, "end"))
        x = float(left)
        for i, s in enumerate(series):
            n = values.get(s, 0)
            if n:
                w = span * n / total
                chart.bars.append(Shape(x, y, w, bar_h, colour_of(s, i), f"{row} · {s}：{n:g}（{n / total:.1%}）"))
                x += w
        chart.labels.append(Label(left + span + 6, y + bar_h - 4, f"{int(total):d}"))
    return chart


def line_chart(
    title: str, xs: list[str], series: dict[str, list[float | None]], *, percent: bool = False, width: int = 760
) -> Chart:
    """One line per series over the x labels (months); the y axis from 0 to the largest value."""
    left, right, top, bottom, height = 60, 20, 28, 40, 260
    chart = Chart(width, height, title, legend=[(s, colour_of(s, i)) for i, s in enumerate(series)])
    values = [v for vs in series.values() for v in vs if v is not None]
    top_value = max(values, default=0) or 1
    if percent:
        top_value = max(top_value, 1.0)
    plot_w, plot_h = width - left - right, height - top - bottom
    chart.axes += [(left, top, left, top + plot_h), (left, top + plot_h, left + plot_w, top + plot_h)]
    for k in range(5):
        v = top_value * k / 4
        y = top + plot_h - plot_h * k / 4
        chart.labels.append(Label(left - 6, y + 4, f"{v:.0%}" if percent else f"{v:,.0f}", "end"))
    step = plot_w / max(1, len(xs) - 1)
    every = max(1, len(xs) // 8)
    for i, x in enumerate(xs):
        if (i % every == 0 and len(xs) - 1 - i >= every / 2) or i == len(xs) - 1:  # no label crowds the last
            chart.labels.append(Label(left + i * step, top + plot_h + 16, x, "middle"))
    for n, (name, vs) in enumerate(series.items()):
        colour = colour_of(name, n)
        pts, dots = [], []
        for i, v in enumerate(vs):
            if v is None:
                continue
            x, y = left + i * step, top + plot_h - plot_h * v / top_value
            pts.append(f"{x:.1f},{y:.1f}")
            dots.append(
                Shape(
                    x, y, colour=colour, title=f"{name} · {xs[i]}：{v:.1%}" if percent else f"{name} · {xs[i]}：{v:g}"
                )
            )
        chart.lines.append(Line(" ".join(pts), colour, name, dots))
    return chart


def bars(title: str, values: dict[str, float], *, percent: bool = False, width: int = 760) -> Chart:
    """One horizontal bar per key, scaled to the largest value (or to 100 % for rates)."""
    left, bar_h, gap, top = 260, 16, 6, 28
    height = top + len(values) * (bar_h + gap) + 20
    chart = Chart(width, height, title)
    span = width - left - 80
    top_value = 1.0 if percent else (max(values.values(), default=0) or 1)
    for r, (name, v) in enumerate(values.items()):
        y = top + r * (bar_h + gap)
        text = f"{v:.1%}" if percent else f"{v:g}"
        chart.labels.append(Label(left - 6, y + bar_h - 3, name, "end"))
        chart.bars.append(Shape(left, y, span * (v or 0) / top_value, bar_h, PALETTE[0], f"{name}：{text}"))
        chart.labels.append(Label(left + span * (v or 0) / top_value + 6, y + bar_h - 3, text))
    return chart
