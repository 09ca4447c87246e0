"""The recordings table of the HTML report: every ledger recording as a plain table row, and one inline script
(allowed by its sha256 in the Content-Security-Policy, nothing else may run) that adds search, filters by role,
status, reason and cache state, sorting and pages of PAGE rows. Without JavaScript it is a plain table.

Rows omit optional end tags (</td>, </tr>): 70,000 rows stay a few MB. Every cell is escaped. Beyond PLAIN_MAX
rows the rest sit in an inert <template> (parsed, never laid out): Chromium laying out a 70,000-row table as it
streams in took 35 s on the development VM, against 2 s for the template; the script pages through all of them,
and without JavaScript the page says where the rest are.
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from tusz_guard.report.svg import esc, fmt_num

PAGE = 100
PLAIN_MAX = 10_000     # rows laid out as a plain table; the rest wait in a <template> for the script
MAX_NOTE = 160
COLUMNS = ("recording", "role", "status", "reason", "cache", "windows expected", "windows cached",
           "seizure s", "notes")
FILTERS = ("role", "status", "reason", "cache")      # columns 1-4 (the script's filter selects)
NUMERIC = (5, 6, 7)

SCRIPT = """(function () {
var sec = document.getElementById("recordings"), table = sec && sec.querySelector("table.recs");
if (!table) return;
var PAGE = %d, body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
var rest = document.getElementById("rec-rest"), note = document.getElementById("rec-more");
if (rest) rows = rows.concat(Array.prototype.slice.call(rest.content.querySelectorAll("tr")));
if (note) note.hidden = true;
var cells = rows.map(function (r) {
  return Array.prototype.map.call(r.cells, function (c) { return c.textContent; }); });
var low = cells.map(function (c) { return c.join(" ").toLowerCase(); });
var names = ["role", "status", "reason", "cache"], sel = {}, page = 0, sortCol = -1, dir = 1, shown = [];
var bar = document.createElement("div"); bar.className = "rec-controls";
var q = document.createElement("input"); q.type = "search"; q.id = "rec-q"; q.placeholder = "search recordings";
q.setAttribute("aria-label", "search recordings"); bar.appendChild(q);
names.forEach(function (name, i) {
  var s = document.createElement("select"); s.id = "rec-" + name; s.setAttribute("aria-label", name);
  var seen = {}; cells.forEach(function (c) { seen[c[i + 1]] = (seen[c[i + 1]] || 0) + 1; });
  var all = document.createElement("option"); all.value = "*"; all.textContent = name + ": all"; s.appendChild(all);
  Object.keys(seen).sort().forEach(function (v) {
    var o = document.createElement("option"); o.value = v;
    o.textContent = name + ": " + (v || "(none)") + " (" + seen[v] + ")"; s.appendChild(o); });
  s.addEventListener("change", function () { page = 0; draw(); }); sel[name] = s; bar.appendChild(s); });
var prev = document.createElement("button"); prev.type = "button"; prev.textContent = "previous"; prev.id = "rec-prev";
var next = document.createElement("button"); next.type = "button"; next.textContent = "next"; next.id = "rec-next";
var info = document.createElement("span"); info.id = "rec-info"; info.setAttribute("role", "status");
bar.appendChild(prev); bar.appendChild(next); bar.appendChild(info);
sec.insertBefore(bar, table.parentNode);
q.addEventListener("input", function () { page = 0; draw(); });
prev.addEventListener("click", function () { if (page > 0) { page--; draw(); } });
next.addEventListener("click", function () { if ((page + 1) * PAGE < shown.length) { page++; draw(); } });
Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
  var b = document.createElement("button"); b.type = "button"; b.className = "sort"; b.textContent = th.textContent;
  b.addEventListener("click", function () { dir = sortCol === col ? -dir : 1; sortCol = col; page = 0; draw(); });
  th.textContent = ""; th.appendChild(b); });
var numeric = %s;
function key(i) { var v = cells[i][sortCol]; return numeric.indexOf(sortCol) >= 0 ? parseFloat(v.replace(/,/g, "")) || 0 : v; }
function draw() {
  var text = q.value.toLowerCase().trim(), want = names.map(function (n) { return sel[n].value; });
  shown = [];
  for (var i = 0; i < cells.length; i++) {
    var ok = !text || low[i].indexOf(text) >= 0;
    for (var j = 0; ok && j < 4; j++) ok = want[j] === "*" || cells[i][j + 1] === want[j];
    if (ok) shown.push(i); }
  if (sortCol >= 0) shown.sort(function (a, b) { var x = key(a), y = key(b); return x < y ? -dir : x > y ? dir : a - b; });
  var start = page * PAGE, part = shown.slice(start, start + PAGE), frag = document.createDocumentFragment();
  part.forEach(function (i) { frag.appendChild(rows[i]); });
  body.textContent = ""; body.appendChild(frag);
  info.textContent = shown.length ? "rows " + (start + 1) + "\\u2013" + (start + part.length) + " of " +
    shown.length + " matching (" + cells.length + " recordings)" : "no recording matches (" + cells.length + ")";
  prev.disabled = page === 0; next.disabled = start + PAGE >= shown.length; }
function apply(filter) {
  q.value = ""; names.forEach(function (n) { sel[n].value = "*"; });
  Object.keys(filter).forEach(function (n) { if (sel[n]) sel[n].value = filter[n]; });
  page = 0; draw(); }
document.addEventListener("click", function (e) {
  var a = e.target.closest ? e.target.closest("a.rowlink") : null; if (!a) return;
  apply(JSON.parse(a.getAttribute("data-filter") || "{}")); });
draw();
})();
""" % (PAGE, list(NUMERIC))

SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")


def _text(value: Any) -> str:
    return "" if value is None else esc(value)


def _notes(row: Mapping[str, Any]) -> str:
    notes = [str(n) for n in (row.get("notes") or [])]
    notes += [f"header: {d}" for d in (row.get("header_defects") or []) if f"header: {d}" not in notes]
    if row.get("cache_reason"):
        notes.append(str(row["cache_reason"]))
    text = "; ".join(notes)
    return esc(text if len(text) <= MAX_NOTE else text[: MAX_NOTE - 1] + "\u2026")


def _row(row: Mapping[str, Any]) -> str:
    nums = "".join(f"<td>{esc(fmt_num(row.get(k, 0)))}"
                   for k in ("windows_expected", "windows_cached", "seizure_seconds"))
    path = _text(row.get("path")).replace("/", "/<wbr>")     # long paths wrap at their folders, not mid-word
    return (f"<tr><td>{path}<td>{_text(row.get('role'))}<td>{_text(row.get('status'))}"
            f"<td>{_text(row.get('reason'))}<td>{_text(row.get('cache'))}{nums}<td>{_notes(row)}\n")


def recordings_section(rows: Sequence[Mapping[str, Any]]) -> str:
    """Every recording as a table row; empty (no section) when the report has none."""
    if not rows:
        return ""
    head = "".join(f"<th>{esc(c)}</th>" for c in COLUMNS)
    return (f'<section id="recordings"><h2>Recordings ({len(rows):,})</h2>'
            '<p class="muted">Every recording of the ledger: its role, status, why it is excluded, and its cache '
            "entry. Search, filters, sorting and pages need JavaScript; without it this is the whole table.</p>"
            f'<div class="scroll"><table class="recs"><thead><tr>{head}</tr></thead><tbody>\n'
            + "".join(_row(r) for r in rows[:PLAIN_MAX]) + "</tbody></table></div>" + _rest(rows) + "</section>")


def _rest(rows: Sequence[Mapping[str, Any]]) -> str:
    if len(rows) <= PLAIN_MAX:
        return ""
    more = len(rows) - PLAIN_MAX
    return (f'<p class="muted" id="rec-more">The first {PLAIN_MAX:,} rows are shown; {more:,} more are in this file '
            "for the table's search and pages, which need JavaScript (the JSON report lists every row).</p>"
            '<template id="rec-rest">\n' + "".join(_row(r) for r in rows[PLAIN_MAX:]) + "</template>")


def script_tag(rows: Sequence[Mapping[str, Any]]) -> str:
    """The one inline script (only when there is a recordings table to drive)."""
    return f"<script>{SCRIPT}</script>" if rows else ""


def _filter(value: Any) -> str:
    """The link's filter as JSON for the script ({} when malformed: the link then shows every row)."""
    if not isinstance(value, Mapping):
        return "{}"
    return json.dumps({str(k): str(v) for k, v in value.items() if str(k) in FILTERS}, sort_keys=True)


def row_links(links: Sequence[Mapping[str, Any]]) -> str:
    """Links from a finding to its rows in the recordings table ("12 missing" -> the 12)."""
    if not links:
        return ""
    items = " ".join(f'<a class="rowlink" href="#recordings" data-filter="{esc(_filter(link.get("filter")))}">'
                     f'{esc(fmt_num(link.get("n")))} {esc(link.get("label"))}</a>' for link in links)
    return f'<p class="rows">recordings: {items}</p>'
