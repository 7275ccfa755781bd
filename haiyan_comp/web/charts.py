"""Charts drawn on the server as SVG: no script, no outside network."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from haiyan_comp.web.layout import amount


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]  # hundredths
    css: str  # a class of app.css: "this", "last", …


def _nice_ceiling(value: int) -> int:
    """A round axis maximum ≥ value (1, 2, 2.5 or 5 × a power of ten)."""
    if value <= 0:
        return 100
    power = 1
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return int(step * power)
    return 10 * power


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 720,
    height: int = 260,
) -> Markup:
    """Grouped bars, one group per label, with a value axis in units (hundredths in, shown /100)."""
    left, right, top, bottom = 64, 12, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_ceiling(max((v for s in series for v in s.values), default=0))
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(5):
        value = top_value * tick // 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(amount(value, grouped=True).removesuffix('.00'))}</text>"
        )
    for g, label in enumerate(labels):
        x0 = left + g * group_w + group_w * 0.1
        for s_index, s in enumerate(series):
            value = s.values[g] if g < len(s.values) else 0
            h = plot_h * value / top_value
            x = x0 + s_index * bar_w
            parts.append(
                f'<rect class="bar {escape(s.css)}" x="{x:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}">'
                f"<title>{escape(label)} {escape(s.name)}: {escape(amount(value))}</title></rect>"
            )
        parts.append(
            f'<text class="axis" x="{left + g * group_w + group_w / 2:.1f}" '
            f'y="{height - bottom + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    for s_index, s in enumerate(series):
        x = left + s_index * 120
        parts.append(
            f'<rect class="bar {escape(s.css)}" x="{x}" y="6" width="12" height="12"/>'
            f'<text class="legend" x="{x + 16}" y="16">{escape(s.name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
