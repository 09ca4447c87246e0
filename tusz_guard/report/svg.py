"""Inline SVG bar charts for the HTML report: every text and attribute escaped, colours from CSS classes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from tusz_guard.textsafe import safe

_CSS_SAFE = re.compile(r"[^a-z0-9_-]")
_MAX_LABEL = 24


def esc(value: object) -> str:
    """Escape any value for HTML text and quoted attributes (quotes included)."""
    return escape(safe(str(value)), quote=True)   # controls and undecodable bytes first, then markup


def css_class(name: str) -> str:
    """A class token that data can never break out of (only a-z, 0-9, '-', '_')."""
    return _CSS_SAFE.sub("-", name.lower()) or "x"


def fmt_num(value: object) -> str:
    """Thousands separators for ints, one decimal for floats, str() for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


@dataclass(frozen=True)
class Segment:
    """One coloured part of a bar; css is a stylesheet class such as 'c-included'."""

    name: str
    value: float
    css: str


@dataclass(frozen=True)
class Bar:
    """One row of a chart: a label on the left, stacked segments, a note on the right."""

    label: str
    segments: tuple[Segment, ...]
    note: str = ""


def _short(text: str) -> str:
    # Long labels would run into the bars; the full text stays in the <title> tooltip.
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "\u2026"


def _segments_svg(bar: Bar, x0: float, y: float, height: float, px_per_unit: float) -> list[str]:
    out, x = [], x0
    for seg in bar.segments:
        if seg.value <= 0:
            continue
        w = max(seg.value * px_per_unit, 1.5)   # a count of 1 out of 100,000 must stay visible
        tip = f"{bar.label} \u00b7 {seg.name}: {fmt_num(seg.value)}"
        out.append(f'<rect class="{css_class(seg.css)}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" '
                   f'height="{height:.1f}"><title>{esc(tip)}</title></rect>')
        x += w
    return out


def stacked_bars(bars: list[Bar], *, title: str, width: int = 1000, label_w: int = 170,
                 note_w: int = 270, bar_h: int = 20, gap: int = 10) -> str:
    """Horizontal stacked bars sharing one scale (the largest bar total fills the track)."""
    track_w = width - label_w - note_w
    biggest = max((sum(max(s.value, 0) for s in b.segments) for b in bars), default=0)
    px = track_w / biggest if biggest > 0 else 0.0
    height = len(bars) * (bar_h + gap) + gap
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{esc(title)}">',
             f"<title>{esc(title)}</title>"]
    for i, bar in enumerate(bars):
        y = gap + i * (bar_h + gap)
        mid = y + bar_h / 2
        parts.append(f'<text class="lbl" x="{label_w - 8}" y="{mid:.1f}" text-anchor="end" '
                     f'dominant-baseline="central">{esc(_short(bar.label))}<title>{esc(bar.label)}</title></text>')
        parts.append(f'<rect class="track" x="{label_w}" y="{y}" width="{track_w}" height="{bar_h}" rx="3"/>')
        parts.extend(_segments_svg(bar, label_w, y, bar_h, px))
        parts.append(f'<text class="note" x="{width - note_w + 8}" y="{mid:.1f}" '
                     f'dominant-baseline="central">{esc(bar.note)}</text>')
    parts.append("</svg>")
    return "".join(parts)
