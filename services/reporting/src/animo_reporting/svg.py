"""Small inline SVG charts (stacked bars, lines, horizontal bars) with every text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
HEIGHT = 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 12, 12, 40
TICKS = 5


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="#444">{escape(text)}</text>'
    )


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):  # over TICKS intervals: gridlines at round numbers
        if value <= step * magnitude:
            return step * magnitude
    return value


def _frame(title: str, top: float, labels: Sequence[str], fmt: str) -> list[str]:
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    if fmt == ".0f" and (top / TICKS) % 1:
        fmt = ".1f"
    for i in range(TICKS + 1):
        value = top * i / TICKS
        y = PAD_TOP + inner_h - inner_h * i / TICKS
        parts.append(
            f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#e3e3e3"/>'
        )
        parts.append(_text(PAD_LEFT - 6, y + 4, format(value, fmt), "end", 10))
    every = max(1, len(labels) // 12)
    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(1, len(labels))
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(_text(PAD_LEFT + step * (i + 0.5), HEIGHT - PAD_BOTTOM + 16, label))
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    parts = []
    x = PAD_LEFT
    for item in series:
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{escape(item.color)}"/>'
        )
        parts.append(_text(x + 14, HEIGHT - 5, item.name, "start", 11))
        x += 24 + 7 * len(item.name)
    return parts


def stacked_bars(title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """One bar per label, its series stacked; empty data still draws the axes."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    top = _nice_max(max(totals, default=0))
    parts = _frame(title, top, labels, ".0f")
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(1, len(labels))
    for i, label in enumerate(labels):
        y: float = PAD_TOP + inner_h
        for item in series:
            value = item.values[i] or 0
            if value <= 0:
                continue
            height = inner_h * value / top
            y -= height
            parts.append(
                f'<rect x="{PAD_LEFT + step * i + step * 0.15:.1f}" y="{y:.1f}" '
                f'width="{step * 0.7:.1f}" height="{height:.1f}" fill="{escape(item.color)}">'
                f"<title>{escape(f'{label} {item.name}: {value:g}')}</title></rect>"
            )
    parts += [*_legend(series), "</svg>"]
    return "".join(parts)


def lines(title: str, labels: Sequence[str], series: Sequence[Series], fmt: str = ".0f") -> str:
    """One polyline per series; gaps (None) break the line."""
    values = [v for s in series for v in s.values if v is not None]
    top = _nice_max(max(values, default=0))
    parts = _frame(title, top, labels, fmt)
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(1, len(labels))
    for item in series:
        run: list[str] = []
        for i, value in enumerate([*item.values, None]):
            if value is None:
                if len(run) > 1:
                    parts.append(
                        f'<polyline fill="none" stroke="{escape(item.color)}" stroke-width="2" '
                        f'points="{" ".join(run)}"/>'
                    )
                elif run:
                    cx, cy = run[0].split(",")
                    parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{escape(item.color)}"/>')
                run = []
                continue
            x = PAD_LEFT + step * (i + 0.5)
            y = PAD_TOP + inner_h - inner_h * max(0.0, value) / top
            run.append(f"{x:.1f},{y:.1f}")
    parts += [*_legend(series), "</svg>"]
    return "".join(parts)


def hbars(title: str, items: Sequence[tuple[str, float, str]], color: str = "#3b6fb6") -> str:
    """Horizontal bars, one per (label, value, shown text), longest first as given."""
    row = 24
    height = max(1, len(items)) * row + 8
    top = max((value for _, value, _ in items), default=0) or 1
    label_w = 170
    bar_w = WIDTH - label_w - 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    if not items:
        parts.append(_text(WIDTH / 2, 18, "no data in this period"))
    for i, (label, value, shown) in enumerate(items):
        y = 4 + i * row
        width = bar_w * max(0.0, value) / top
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(_text(label_w - 8, y + 15, short, "end"))
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="{row - 8}" '
            f'fill="{escape(color)}"><title>{escape(f"{label}: {shown}")}</title></rect>'
        )
        parts.append(_text(label_w + width + 6, y + 15, shown, "start"))
    parts.append("</svg>")
    return "".join(parts)
