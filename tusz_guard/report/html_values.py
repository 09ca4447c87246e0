"""Arbitrary JSON-like values (finding details, archive facts) as escaped, bounded HTML."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tusz_guard.report.svg import esc, fmt_num

MAX_ITEMS = 50      # a details list of 3,734 paths would make the page unreadable; the JSON report has them all
MAX_DEPTH = 4


def _more(n: int) -> str:
    return f'<li class="more">\u2026 and {n:,} more (see the JSON report)</li>'


def _list_html(items: list[Any], depth: int) -> str:
    shown = "".join(f"<li>{value_html(v, depth + 1)}</li>" for v in items[:MAX_ITEMS])
    extra = _more(len(items) - MAX_ITEMS) if len(items) > MAX_ITEMS else ""
    return f'<ul class="vlist">{shown}{extra}</ul>' if items else '<span class="muted">(none)</span>'


def kv_table(mapping: Mapping[Any, Any], depth: int = 0) -> str:
    """A two-column key/value table, keys escaped, values rendered by value_html."""
    rows = list(mapping.items())
    body = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{value_html(v, depth + 1)}</td></tr>'
                   for k, v in rows[:MAX_ITEMS])
    if len(rows) > MAX_ITEMS:
        body += f'<tr><td colspan="2" class="more">\u2026 and {len(rows) - MAX_ITEMS:,} more keys</td></tr>'
    return f'<table class="kv">{body}</table>'


def value_html(value: Any, depth: int = 0) -> str:
    """Scalars as text, lists as bounded bullet lists, mappings as nested tables."""
    if depth > MAX_DEPTH:
        return f"<code>{esc(value)}</code>"
    if isinstance(value, Mapping):
        return kv_table(value, depth)
    if isinstance(value, (set, frozenset)):
        return _list_html(sorted(value, key=str), depth)
    if isinstance(value, (list, tuple)):
        return _list_html(list(value), depth)
    if value is None:
        return '<span class="muted">null</span>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<span class="num">{esc(fmt_num(value))}</span>'
    return f"<code>{esc(value)}</code>"
