"""The report's stylesheet: system fonts only, status colours as variables, CSS-only filters."""
from __future__ import annotations

from tusz_guard.results import STATUSES

_BASE = """
:root {
  --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #f6f8fa; --card: #ffffff;
  --pass: #1a7f37; --warn: #9a6700; --fail: #cf222e; --error: #82071e; --skip: #6e7781; --unknown: #6e7781;
  --pass-bg: #dafbe1; --warn-bg: #fff8c5; --fail-bg: #ffebe9; --error-bg: #ffebe9; --skip-bg: #eaeef2;
  --unknown-bg: #eaeef2;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.45;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 12.5px; }
.page { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 0 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
.muted { color: var(--muted); }
.override { color: #9a6700; font-size: 0.85em; font-weight: 600; }
.num { font-variant-numeric: tabular-nums; text-align: right; }

header.top dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0 0; }
header.top dt { color: var(--muted); }
header.top dd { margin: 0; overflow-wrap: anywhere; }

.banner { display: flex; align-items: center; gap: 20px; margin: 18px 0; padding: 16px 22px;
  border-radius: 8px; border: 1px solid; }
.banner.pass { background: var(--pass-bg); border-color: var(--pass); }
.banner.blocked { background: var(--fail-bg); border-color: var(--fail); }
.verdict { font-size: 30px; font-weight: 800; letter-spacing: 0.06em; }
.banner.pass .verdict { color: var(--pass); }
.banner.blocked .verdict { color: var(--fail); }
.banner .counts { margin: 4px 0 0; color: var(--muted); }
.banner .cause { margin: 6px 0 0; overflow-wrap: anywhere; }
.banner .cause a { color: inherit; }

nav { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 0 0 18px; }
nav a { color: #0969da; text-decoration: none; }
nav a:hover { text-decoration: underline; }

section { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 16px 20px; margin: 0 0 18px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
thead th { background: var(--bg); font-weight: 600; white-space: nowrap; }
table.data { width: auto; margin-top: 10px; }
table.data td.num { min-width: 80px; }
.scroll { overflow-x: auto; }

.badge { display: inline-block; min-width: 48px; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; text-align: center; text-transform: uppercase; }
table.checks td:nth-child(2) { white-space: nowrap; }
table.checks p.msg { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
details { margin-top: 6px; }
details summary { cursor: pointer; color: var(--muted); }
table.kv { width: auto; margin: 6px 0 0; font-size: 13px; }
table.kv th { color: var(--muted); font-weight: 500; white-space: nowrap; }
table.kv td, table.kv th { padding: 3px 8px; }
ul.vlist { margin: 0; padding-left: 18px; }
li.more, td.more { color: var(--muted); font-style: italic; }

.filter { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 10px; }
.filter input { position: absolute; opacity: 0; pointer-events: none; }
.chip { padding: 2px 10px; border: 1px solid var(--line); border-radius: 12px; cursor: pointer;
  user-select: none; }
.filter input:checked + .chip { background: var(--fg); border-color: var(--fg); color: #fff; }
.filter input:focus-visible + .chip { outline: 2px solid #0969da; outline-offset: 1px; }

table.configs tr.diff th, table.configs tr.diff td { background: var(--warn-bg); }
table.configs tr.diff th::before { content: "\\2260\\00a0"; color: var(--warn); font-weight: 700; }
table.configs code { overflow-wrap: anywhere; }
table.configs th code { overflow-wrap: break-word; }
.cfg-name { font-weight: 600; }
.toggle { margin: 0 0 10px; }

ol.lines { margin: 0 0 12px; padding-left: 20px; }
ul.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; padding: 0; margin: 0 0 6px;
  color: var(--muted); }
.sw { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px;
  vertical-align: -1px; }

svg.chart { display: block; max-width: 100%; height: auto; }
svg.chart text { font-size: 12px; fill: var(--fg); }
svg.chart text.note { fill: var(--muted); }
svg.chart .track { fill: var(--bg); }
.c-included, .c-current { fill: #2da44e; background: #2da44e; }
.c-stale { fill: #d4a72c; background: #d4a72c; }
.c-missing, .c-seizure { fill: #cf222e; background: #cf222e; }
.c-expected { fill: #8c959f; background: #8c959f; }
.c-cached, .c-background { fill: #0969da; background: #0969da; }
.c-unknown, .c-label { fill: #6e7781; background: #6e7781; }
.c-r1 { fill: #cf222e; background: #cf222e; } .c-r2 { fill: #fb8f44; background: #fb8f44; }
.c-r3 { fill: #d4a72c; background: #d4a72c; } .c-r4 { fill: #8250df; background: #8250df; }
.c-r5 { fill: #bf3989; background: #bf3989; } .c-r6 { fill: #57606a; background: #57606a; }

section.changes { border-left: 4px solid #0969da; }
section.changes.quiet { border-left-color: var(--line); }
section.changes ul { margin: 6px 0 0; padding-left: 20px; }
section.changes li { overflow-wrap: anywhere; }

p.rows { margin: 4px 0 0; }
p.rows a { margin-right: 10px; color: #0969da; }
.rec-controls { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; margin: 0 0 10px; }
.rec-controls input, .rec-controls select, .rec-controls button { font: inherit; max-width: 100%; }
.rec-controls input { flex: 1 1 220px; min-width: 0; }
table.recs { font-size: 12.5px; }
table.recs td { padding: 3px 8px; }
table.recs td:first-child { overflow-wrap: anywhere; min-width: 14em; }
table.recs td:nth-child(6), table.recs td:nth-child(7), table.recs td:nth-child(8) {
  text-align: right; font-variant-numeric: tabular-nums; }
table.recs td:last-child { color: var(--muted); min-width: 12em; }
table.recs button.sort { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; }

footer { color: var(--muted); font-size: 12px; text-align: center; }

/* a phone: cards edge to edge, the checks table as stacked blocks, headers free to wrap */
@media (max-width: 700px) {
  .page { padding: 12px 8px 32px; }
  section { padding: 12px 10px; }
  .banner { flex-direction: column; align-items: flex-start; gap: 6px; padding: 12px 14px; }
  th, td { padding: 4px 5px; }
  thead th { white-space: normal; }
  table.data td.num { min-width: 0; }
  table.checks thead { display: none; }
  table.checks tr { display: block; border-bottom: 1px solid var(--line); padding: 4px 0; }
  table.checks td { display: block; border: 0; padding: 2px 4px; }
  table.checks td:nth-child(2) { white-space: normal; overflow-wrap: anywhere; }
  table.kv th { white-space: normal; overflow-wrap: anywhere; }
}
@media print { .filter, .toggle, nav { display: none; } section { break-inside: avoid; } }
"""


def _status_rules() -> str:
    # One rule per closed-set status: badge colours, and the `:has()` filter that hides other rows.
    rules = [f".b-{s} {{ color: var(--{s}); background: var(--{s}-bg); }}\n"
             f"body:has(#f-{s}:checked) table.checks > tbody > tr:not(.s-{s}) {{ display: none; }}"
             for s in (*STATUSES, "unknown")]
    rules.append("body:has(#only-diff:checked) table.configs tr.same { display: none; }")
    return "\n".join(rules)


STYLESHEET = _BASE + _status_rules() + "\n"
