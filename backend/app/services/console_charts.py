"""Small charts drawn on the server as inline SVG (no script, no CDN, prints and screenshots).

Labels are escaped here; the result is `Markup`, safe to place in a Jinja2 template as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

_ROW_H = 30
_LABEL_W = 130
_VALUE_W = 110  # room for "100건 / 100"
_WIDTH = 560


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    limit: int | None = None  # drawn as a tick: a quota, a target
    tone: str = "normal"  # normal | warn | bad | good (CSS classes of the chart)


def bar_chart(bars: Sequence[Bar], *, title: str, unit: str = "") -> Markup:
    """Horizontal bars, one row each, scaled to the largest value or limit."""
    scale_max = max([1] + [b.value for b in bars] + [b.limit or 0 for b in bars])
    track = _WIDTH - _LABEL_W - _VALUE_W
    height = max(1, len(bars)) * _ROW_H + 8
    parts = [
        f'<svg class="mw-chart" role="img" viewBox="0 0 {_WIDTH} {height}" '
        # Drawn at its own size and only ever scaled down (CSS max-width), so one bar on a wide
        # screen is not blown up to twice its size.
        f'width="{_WIDTH}" height="{height}" preserveAspectRatio="xMinYMin meet" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = 4 + i * _ROW_H
        w = round(track * bar.value / scale_max)
        parts.append(
            f'<text class="mw-chart-label" x="{_LABEL_W - 8}" y="{y + 19}" '
            f'text-anchor="end">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<rect class="mw-chart-track" x="{_LABEL_W}" y="{y + 4}" width="{track}" '
            f'height="{_ROW_H - 10}" rx="3"/>'
        )
        parts.append(
            f'<rect class="mw-chart-bar mw-tone-{escape(bar.tone)}" x="{_LABEL_W}" y="{y + 4}" '
            f'width="{w}" height="{_ROW_H - 10}" rx="3"/>'
        )
        value_text = f"{bar.value}{unit}" + (f" / {bar.limit}" if bar.limit else "")
        if bar.limit:
            lx = _LABEL_W + round(track * bar.limit / scale_max)
            parts.append(
                f'<line class="mw-chart-limit" x1="{lx}" x2="{lx}" y1="{y + 1}" '
                f'y2="{y + _ROW_H - 3}"/>'
            )
        parts.append(
            f'<text class="mw-chart-value" x="{_WIDTH - _VALUE_W + 6}" y="{y + 19}">'
            f"{escape(value_text)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def quota_tone(used: int, limit: int) -> str:
    if used >= limit:
        return "bad"
    return "warn" if used >= 0.8 * limit else "normal"
