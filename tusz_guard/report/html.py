"""The HTML report of `tusz-guard check`: one self-contained file (inline CSS and SVG, no script, no network).

Every string from the report is escaped with html.escape (text and attributes, SVG included); a
Content-Security-Policy of `default-src 'none'` makes the browser refuse any fetch even so.

`Report.sections` keys read here (all optional; an absent section renders as a short note;
docs/report-sections.md is the contract):
    sections["coverage"]    = {"<role>": {"current": n, "stale": n, "missing": n}}
                              (absent: totals[role]["cached"] / ["would_process_live"] as current / missing)
    sections["windows"]     = {"<role>": {"expected": n, "cached": n, "seizure": n}}
                              (absent: totals[role]["windows_expected"] / ["windows_cached"])
    sections["labels"]      = {"<label>": seconds}                 annotated time per label
    sections["label_kinds"] = {"<label>": "seizure" | "background" | "unknown"}   colours the label bars
    sections["archive"]     = {"<fact>": value, ...} or a list of such mappings    shown as key/value tables
"""
from __future__ import annotations

from tusz_guard.report.changes import change_lines, is_empty
from tusz_guard.report.html_charts import coverage_section, funnel_section, labels_section, windows_section
from tusz_guard.report.html_checks import checks_section
from tusz_guard.report.html_configs import archive_section, configs_section
from tusz_guard.report.html_recordings import SCRIPT_HASH, recordings_section, script_tag
from tusz_guard.report.html_style import STYLESHEET
from tusz_guard.report.svg import css_class, esc
from tusz_guard.results import Report, cause_first, fix_of, one_line

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_NAV = (("checks", "Checks"), ("funnel", "Funnel"), ("coverage", "Coverage"), ("windows", "Windows"),
        ("labels", "Labels"), ("recordings", "Recordings"), ("configs", "Configs"), ("archive", "Archive"))


# what a PASS lets the user do next, per command
GO_AHEAD = {"check": "training", "verify-archive": "the upload"}


def verdict(report: Report) -> str:
    """PASS or BLOCKED: the report's own verdict (results.overall_status), the same as the exit code."""
    return "PASS" if report.status == "pass" else "BLOCKED"


def summary_sentence(report: Report) -> str:
    """One sentence: how many findings block and what may (not) start."""
    counts = report.counts()
    blocking = len(report.blocking)
    if not any(counts[s] for s in ("pass", "warn", "fail", "error")):
        return "No check ran, so nothing is known to be safe."
    action = GO_AHEAD.get(report.command, "training")
    if blocking:
        return f"{blocking:,} blocking finding{'s' if blocking != 1 else ''}: {action} must not start."
    return f"No blocking finding: {action} may start."


def _cause(report: Report) -> str:
    """The first blocking check (cause first) and its message, which names the fix; a link to its row."""
    blocking = cause_first(report.blocking)
    if not blocking:
        return ""
    first = blocking[0]
    more = f" ({len(blocking) - 1:,} more blocking below)" if len(blocking) > 1 else ""
    fix = fix_of(first.message)
    said = f"Fix: {one_line(fix)}" if fix else one_line(first.message)
    return (f'<p class="cause">Blocked by <a href="#check-{css_class(first.id)}"><code>{esc(first.id)}</code></a>'
            f" ({esc(first.title)}). {esc(said)}{esc(more)}</p>")


def _banner(report: Report) -> str:
    word = verdict(report)
    strict = report.strict
    counts = " \u00b7 ".join(f"{n:,} {s}" for s, n in report.counts().items())
    mode = " (strict: warnings block)" if strict else ""
    return (f'<div class="banner {word.lower()}" id="verdict" role="status">'
            f'<span class="verdict">{word}</span><div><strong>{esc(summary_sentence(report))}</strong>{_cause(report)}'
            f'<p class="counts">{esc(counts + mode)}</p></div></div>')


def changes_box(report: Report) -> str:
    """What changed since the previous report of this config: a box above the checks table."""
    lines = change_lines(report.changes)
    if not lines:
        return ""
    quiet = is_empty(report.changes or {})
    items = "".join(f"<li>{esc(line)}</li>" for line in lines[1:]) if len(lines) > 1 else ""
    return (f'<section id="changes" class="changes{" quiet" if quiet else ""}"><h2>What changed</h2>'
            f'<p>{esc(lines[0])}</p>{f"<ul>{items}</ul>" if items else ""}</section>')


def _header(report: Report) -> str:
    facts = [("configs", ", ".join(c.path for c in report.configs) or "(none)"),
             ("cache_dir", report.cache_dir), ("fingerprint", report.fingerprint),
             ("generated", report.generated_at), ("tusz-guard", report.tool_version)]
    rows = "".join(f"<dt>{esc(k)}</dt><dd><code>{esc(v)}</code></dd>" for k, v in facts if v)
    return f'<header class="top"><h1>tusz-guard {esc(report.command)}</h1><dl>{rows}</dl></header>'


def _nav(has_archive: bool, has_recordings: bool = False) -> str:
    hidden = {"archive"} - ({"archive"} if has_archive else set()) | ({"recordings"} if not has_recordings else set())
    links = "".join(f'<a href="#{sid}">{name}</a>' for sid, name in _NAV if sid not in hidden)
    return f"<nav>{links}</nav>"


def render_html(report: Report) -> str:
    """The whole report as one HTML document (str); pure formatting of `report`."""
    sections = report.sections if isinstance(report.sections, dict) else {}
    archive = archive_section(sections.get("archive"))
    body = "".join([
        _header(report), _banner(report), _nav(bool(archive), bool(report.recordings)), "<main>", changes_box(report),
        checks_section(report.ordered, sections.get("recording_links")),
        funnel_section(report.totals, report.funnel),
        coverage_section(sections, report.totals), windows_section(sections, report.totals),
        labels_section(sections), recordings_section(report.recordings), configs_section(report.configs), archive,
        "</main>",
        f"<footer>tusz-guard {esc(report.tool_version)} \u00b7 a self-contained file: "
        f"{'one inline script' if report.recordings else 'no script'}, no network</footer>",
        script_tag(report.recordings)])
    csp = CSP + (f"; script-src 'sha256-{SCRIPT_HASH}'" if report.recordings else "")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
            '<meta name="referrer" content="no-referrer">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>tusz-guard {esc(report.command)}: {verdict(report)}</title>"
            f"<style>{STYLESHEET}</style></head>\n<body><div class=\"page\">{body}</div></body></html>\n")
