"""The checks table: status, id, title, message, expandable details, and a CSS-only status filter."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tusz_guard.report.html_recordings import row_links
from tusz_guard.report.html_values import kv_table
from tusz_guard.report.svg import css_class, esc
from tusz_guard.results import STATUSES, Finding


def status_class(status: str) -> str:
    """The CSS token of a status; anything outside the closed set is shown as 'unknown'."""
    return status if status in STATUSES else "unknown"


def badge(status: str) -> str:
    """A coloured status pill; the text is the status as given, escaped."""
    return f'<span class="badge b-{status_class(status)}">{esc(status)}</span>'


def _filter_bar(findings: tuple[Finding, ...]) -> str:
    # Radio buttons + `:has()` rules in the stylesheet filter rows without any script.
    opts = [("all", len(findings))] + [(s, sum(f.status == s for f in findings)) for s in STATUSES]
    radios = "".join(
        f'<input type="radio" name="status-filter" id="f-{s}"{" checked" if s == "all" else ""}>'
        f'<label for="f-{s}" class="chip chip-{s}">{s} <b>{n:,}</b></label>'
        for s, n in opts if s == "all" or n)
    return f'<div class="filter" role="group" aria-label="filter by status">{radios}</div>'


def _details(f: Finding) -> str:
    if not f.details:
        return ""
    return (f'<details><summary>details ({len(f.details):,} key{"s" if len(f.details) != 1 else ""})</summary>'
            f"{kv_table(f.details)}</details>")


def _row(f: Finding, links: Mapping[str, Any]) -> str:
    mine = links.get(f.id) if f.status != "pass" else None
    return (f'<tr class="s-{status_class(f.status)}" id="check-{css_class(f.id)}">'
            f"<td>{badge(f.status)}</td><td><code>{esc(f.id)}</code></td><td>{esc(f.title)}</td>"
            f'<td><p class="msg">{esc(f.message)}</p>{row_links(mine if isinstance(mine, list) else [])}'
            f"{_details(f)}</td></tr>")


def checks_section(findings: tuple[Finding, ...], links: Mapping[str, Any] | None = None) -> str:
    """The whole <section> for the checks, cause first (the caller passes Report.ordered)."""
    links = links if isinstance(links, Mapping) else {}
    rows = "".join(_row(f, links) for f in findings) or '<tr><td colspan="4" class="muted">No check ran.</td></tr>'
    return ('<section id="checks"><h2>Checks</h2>' + _filter_bar(findings) +
            '<table class="checks"><thead><tr><th>Status</th><th>Check</th><th>Title</th><th>Message</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></section>")
