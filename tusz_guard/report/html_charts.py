"""Chart sections of the HTML report: funnel, cache coverage, window counts, label distribution."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tusz_guard.report.svg import Bar, Segment, css_class, esc, fmt_num, stacked_bars

N_REASON_COLOURS = 6
MAX_LABELS = 60
LABEL_KINDS = ("seizure", "background", "unknown")


def legend(items: list[tuple[str, str]]) -> str:
    """A row of colour swatches naming each segment class."""
    spans = "".join(f'<li><span class="sw {css_class(cls)}"></span>{esc(name)}</li>' for name, cls in items)
    return f'<ul class="legend">{spans}</ul>'


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}"><h2>{esc(title)}</h2>{body}</section>'


def _absent(what: str) -> str:
    return f'<p class="muted">No {esc(what)} in this report.</p>'


def _num(value: Any) -> float:
    """A number to scale a bar by; anything non-numeric draws nothing (the table still shows it as given)."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _n(row: Mapping[str, Any], key: str) -> float:
    return _num(row.get(key))


def _cell(value: Any) -> str:
    return f'<td class="num">{esc(fmt_num(value))}</td>' if value is not None else '<td class="muted">\u2014</td>'


def _table(head: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join(f'<tr><th scope="row">{esc(r[0])}</th>{"".join(_cell(v) for v in r[1:])}</tr>' for r in rows)
    return f'<div class="scroll"><table class="data"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'


def _reasons(totals: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Every exclusion reason in order of first appearance, with its colour class."""
    seen: dict[str, str] = {}
    for row in totals.values():
        for reason in (row.get("excluded") or {}):
            seen.setdefault(str(reason), f"c-r{len(seen) % N_REASON_COLOURS + 1}")
    return seen


def funnel_section(totals: Mapping[str, Mapping[str, Any]], lines: tuple[str, ...]) -> str:
    """found -> excluded by reason -> included, per role: sentences, a stacked bar chart and a table."""
    if not totals and not lines:
        return _section("funnel", "Funnel", _absent("corpus totals"))
    reasons = _reasons(totals)
    bars = [Bar(str(role), (Segment("included", _n(row, "included"), "c-included"),) +
                tuple(Segment(r, n, reasons[str(r)]) for r, n in (row.get("excluded") or {}).items()),
                f"{fmt_num(_n(row, 'included'))} of {fmt_num(_n(row, 'found'))} included")
            for role, row in totals.items()]
    sentences = "".join(f"<li>{esc(line)}</li>" for line in lines)
    body = (f'<ol class="lines">{sentences}</ol>' if lines else "")
    if bars:
        # one column per role, one row per count: as narrow as the roles, however many reasons (fits a phone)
        roles = list(totals.items())
        rows = ([["found", *[row.get("found") for _, row in roles]]] +
                [[f"excluded: {r}", *[(row.get("excluded") or {}).get(r, 0) for _, row in roles]] for r in reasons] +
                [["included", *[row.get("included") for _, row in roles]]])
        body += (legend([("included", "c-included")] + list(reasons.items())) +
                 stacked_bars(bars, title="recordings per role: included and excluded by reason") +
                 _table(["", *[str(role) for role, _ in roles]], rows))
    return _section("funnel", "Funnel: found \u2192 excluded \u2192 roles", body)


def _coverage_rows(report_sections: Mapping[str, Any], totals: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    # The engine's per-role coverage when given; otherwise the totals' cached / would-process-live counts.
    if isinstance(report_sections.get("coverage"), Mapping):
        return dict(report_sections["coverage"])
    return {role: {"current": row.get("cached"), "missing": row.get("would_process_live")}
            for role, row in totals.items() if row.get("cached") is not None}


def coverage_section(report_sections: Mapping[str, Any], totals: Mapping[str, Mapping[str, Any]]) -> str:
    """Cache entries per role: current, stale, missing."""
    cov = _coverage_rows(report_sections, totals)
    if not cov:
        return _section("coverage", "Cache coverage", _absent("cache coverage data"))
    kinds = [("current", "c-current"), ("stale", "c-stale"), ("missing", "c-missing")]
    bars = [Bar(str(role), tuple(Segment(k, _n(row, k), c) for k, c in kinds),
                f"{fmt_num(_n(row, 'current'))} current, {fmt_num(_n(row, 'stale'))} stale, "
                f"{fmt_num(_n(row, 'missing'))} missing") for role, row in cov.items()]
    rows = [[role, row.get("current"), row.get("stale"), row.get("missing")] for role, row in cov.items()]
    body = (legend([(k, c) for k, c in kinds]) + stacked_bars(bars, title="cache entries per role") +
            _table(["role", "current", "stale", "missing"], rows))
    return _section("coverage", "Cache coverage", body)


def _window_rows(report_sections: Mapping[str, Any], totals: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    if isinstance(report_sections.get("windows"), Mapping):
        return dict(report_sections["windows"])
    return {role: {"expected": row.get("windows_expected"), "cached": row.get("windows_cached")}
            for role, row in totals.items() if row.get("windows_expected") is not None}


def windows_section(report_sections: Mapping[str, Any], totals: Mapping[str, Mapping[str, Any]]) -> str:
    """Windows per role: expected from the headers, found in the cache, and how many hold seizure."""
    win = _window_rows(report_sections, totals)
    if not win:
        return _section("windows", "Windows", _absent("window counts"))
    kinds = [("expected", "c-expected"), ("cached", "c-cached"), ("seizure", "c-seizure")]
    bars = [Bar(f"{role} \u00b7 {k}", (Segment(k, _n(row, k), c),), fmt_num(_n(row, k)))
            for role, row in win.items() for k, c in kinds if row.get(k) is not None]
    rows = [[role, row.get("expected"), row.get("cached"), row.get("seizure"),
             (totals.get(role) or {}).get("seizure_seconds")] for role, row in win.items()]
    body = (legend(kinds) + stacked_bars(bars, title="windows per role") +
            _table(["role", "expected", "cached", "seizure windows", "seizure seconds"], rows))
    return _section("windows", "Windows", body)


def duration(seconds: float) -> str:
    """Seconds in the unit a reader takes in at a glance."""
    if seconds < 60:
        return f"{seconds:,.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds / 3600:,.2f} h"


def _kind(kinds: Mapping[Any, Any], label: Any) -> str:
    kind = kinds.get(label)
    return kind if kind in LABEL_KINDS else "label"


def labels_section(report_sections: Mapping[str, Any]) -> str:
    """Annotated time per label, longest first, coloured by kind (seizure / background / unknown)."""
    labels = report_sections.get("labels")
    if not isinstance(labels, Mapping) or not labels:
        return _section("labels", "Labels", _absent("label distribution"))
    kinds = report_sections.get("label_kinds")
    kinds = kinds if isinstance(kinds, Mapping) else {}
    ordered = sorted(labels.items(), key=lambda kv: (-_num(kv[1]), str(kv[0])))
    bars = [Bar(str(label), (Segment(_kind(kinds, label), _num(secs), f"c-{_kind(kinds, label)}"),),
                duration(_num(secs))) for label, secs in ordered[:MAX_LABELS]]
    body = (legend([(k, f"c-{k}") for k in LABEL_KINDS if k in kinds.values()]) +
            stacked_bars(bars, title="annotated seconds per label"))
    if len(ordered) > MAX_LABELS:
        body += f'<p class="muted">\u2026 and {len(ordered) - MAX_LABELS:,} more labels (see the JSON report).</p>'
    return _section("labels", "Labels", body)
