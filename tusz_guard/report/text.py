"""The terminal rendering: the resolved cache path first, a line per check, totals, a summary line."""
from __future__ import annotations

from tusz_guard.report.changes import change_lines
from tusz_guard.results import Report, blocking_statuses
from tusz_guard.textsafe import safe

LABELS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR", "skip": "SKIP"}
COLORS = {"pass": "green", "warn": "yellow", "fail": "red", "error": "magenta", "skip": "bright_black"}


def status_tag(status: str, color: bool) -> str:
    """'FAIL ', padded; coloured (errors and failures bold) on a terminal."""
    label = f"{LABELS.get(status, status.upper()):<5}"
    if not color:
        return label
    import click

    return click.style(label, fg=COLORS.get(status), bold=status in blocking_statuses())


def header_lines(report: Report) -> list[str]:
    """Where the data is: cache path first (the one number people got wrong), then the configs."""
    lines = [f"cache_dir: {safe(report.cache_dir)}  (fingerprint {report.fingerprint})"]
    paths = report.sections.get("paths", {})
    if paths:
        lines.append(f"data_dir:  {safe(str(paths.get('data_dir')))}")
    lines += [f"config:    {safe(c.path)} ({c.kind})" for c in report.configs[:1]]
    lines += [f"override:  {safe(k)}={safe(v)}" for c in report.configs[:1] for k, v in c.overrides.items()]
    return lines


def totals_lines(report: Report) -> list[str]:
    if not report.totals:
        return []
    lines = [f"  {'role':<5} {'found':>7} {'included':>8} {'cached':>7} {'uncached':>8} {'windows':>9} {'cached_w':>9} "
             f"{'seizure_s':>10}"]
    for role, t in report.totals.items():
        lines.append(f"  {role:<5} {t['found']:>7,} {t['included']:>8,} {t['cached']:>7,} {t['would_process_live']:>8,} "
                     f"{t['windows_expected']:>9,} {t['windows_cached']:>9,} {t['seizure_seconds']:>10,.1f}")
    return lines


def summary_line(report: Report) -> str:
    c = report.counts()
    verdict = "PASS" if report.status == "pass" else "BLOCKED"
    strict = " (--strict: warnings block)" if report.strict else ""
    return (f"{verdict}: {c['pass']} passed, {c['warn']} warning(s), {c['fail']} failed, {c['error']} error(s), "
            f"{c['skip']} skipped{strict}")


def render_text(report: Report, color: bool = False) -> str:
    """The whole terminal report as one string."""
    width = max((len(f.id) for f in report.findings), default=10)
    lines = header_lines(report) + [""]
    # messages quote file and member names: escaped, so no name can print a line or a terminal sequence
    lines += [f"{status_tag(f.status, color)} {f.id:<{width}}  {safe(f.message)}" for f in report.ordered]
    if report.funnel:
        lines += ["", "funnel:"] + [f"  {safe(line)}" for line in report.funnel]
    if report.totals:
        lines += ["", "totals:"] + totals_lines(report)
    lines += ["", summary_line(report)] + changes_text(report)
    return "\n".join(lines)


def changes_text(report: Report) -> list[str]:
    """What changed since the previous report of this config, indented under the summary line."""
    return [f"  {safe(line)}" for line in change_lines(report.changes)]
