"""A short Markdown summary for a CI job summary or a pull-request comment: verdict, blocking checks, what changed.

Every string from the report is made terminal-safe (textsafe.safe), then HTML-escaped (GitHub renders inline
HTML) and its table pipes escaped, so no file name can add markup, a link or a table cell.
"""
from __future__ import annotations

from html import escape

from tusz_guard.report.changes import change_lines
from tusz_guard.report.html import summary_sentence, verdict
from tusz_guard.results import Report, blocks, cause_first, one_line
from tusz_guard.textsafe import safe

MAX_ROWS = 20     # blocking checks listed; the rest are counted


def md(value: object) -> str:
    """Text for a Markdown table cell or list item: no markup, no cell break, no line break."""
    text = escape(safe(str(value)), quote=False).replace("|", "\\|").replace("`", "\\`")
    return " ".join(text.split())


def _blocking_table(report: Report) -> list[str]:
    rows = cause_first(report.blocking)
    if not rows:
        return []
    lines = ["| status | check | message |", "|---|---|---|"]
    lines += [f"| {f.status.upper()} | `{md(f.id)}` | {md(one_line(f.message))} |" for f in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        lines.append(f"| | | … and {len(rows) - MAX_ROWS:,} more blocking (see the HTML report) |")
    return lines


def render_markdown(report: Report) -> str:
    """The summary as one Markdown document."""
    counts = report.counts()
    warned = [f.id for f in report.ordered if f.status == "warn" and not blocks(f, report.strict)]
    lines = [f"### tusz-guard {md(report.command)}: {verdict(report)}", "",
             f"**{md(summary_sentence(report))}** "
             + " · ".join(f"{n:,} {s}" for s, n in counts.items() if n), ""]
    lines += _blocking_table(report)
    if warned:
        lines += ["", "Warnings: " + ", ".join(f"`{md(i)}`" for i in warned[:MAX_ROWS])
                  + (f" and {len(warned) - MAX_ROWS:,} more" if len(warned) > MAX_ROWS else "")]
    changed = change_lines(report.changes)
    if changed:
        lines += ["", "#### What changed", ""] + [f"- {md(line)}" for line in changed]
    where = ", ".join(c.path for c in report.configs)
    lines += ["", f"<sub>{md(where or '(no config)')} · cache {md(report.cache_dir)} · fingerprint "
              f"{md(report.fingerprint)} · {md(report.generated_at)} · tusz-guard {md(report.tool_version)}</sub>"]
    return "\n".join(lines) + "\n"
