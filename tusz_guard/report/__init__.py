"""Renderers of a check Report (text, JSON, JUnit, HTML, Markdown) and the one place that writes report files."""
from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from tusz_guard.atomic import write_output
from tusz_guard.errors import GuardError
from tusz_guard.results import Report

FORMATS = ("text", "json", "junit", "html", "markdown")
EXTENSIONS = {"text": "txt", "json": "json", "junit": "xml", "html": "html", "markdown": "md"}
LATEST = "latest"


def render(report: Report, fmt: str) -> str:
    """One format as a string (renderers are imported lazily: HTML is only needed when asked for)."""
    if fmt == "text":
        from tusz_guard.report.text import render_text
        return render_text(report) + "\n"
    if fmt == "json":
        from tusz_guard.report.json_report import render_json
        return render_json(report)
    if fmt == "junit":
        from tusz_guard.report.junit import render_junit
        return render_junit(report)
    if fmt == "html":
        from tusz_guard.report.html import render_html
        return render_html(report)
    if fmt == "markdown":
        from tusz_guard.report.markdown import render_markdown
        return render_markdown(report)
    raise GuardError(f"unknown report format '{fmt}'", hint=f"choose from {', '.join(FORMATS)}")


def write_atomic(path: Path | str, text: str) -> None:
    """Write via a temp file in the same folder and os.replace (a reader never sees half a report); a device,
    FIFO or '-' (stdout) is written through (tusz_guard.atomic)."""
    write_output(path, text)


def _free_stamp(folder: Path, formats: list[str], stem: str) -> str:
    """<stem>-<time> with a -2, -3 ... suffix when a run in the same second already used that name."""
    base = datetime.now().strftime("%Y%m%d-%H%M%S")
    stamp, n = base, 1
    while any(os.path.exists(folder / f"{stem}-{stamp}.{EXTENSIONS[fmt]}") for fmt in formats):   # never raises
        n += 1
        stamp = f"{base}-{n}"
    return stamp


def check_output_option(formats: Iterable[str], out: str | Path | None) -> None:
    """-o names one file: refuse several formats before any work is done."""
    formats = list(dict.fromkeys(formats))
    if out is not None and len(formats) != 1:
        raise GuardError(f"-o takes exactly one file format, got {', '.join(formats) or 'none'}",
                         hint="use --report-dir for several formats")


def write_reports(report: Report, formats: Iterable[str], out: str | Path | None,
                  report_dir: str | Path | None, *, stem: str = "check", latest: bool = True) -> list[Path]:
    """Write each format: to `out` when exactly one is asked for, else report_dir/<stem>-<time>.<ext>
    (+ latest.<ext> unless `latest` is False: a partial report, such as the build gate's, must not replace it)."""
    formats = list(dict.fromkeys(formats))
    if out is not None:
        check_output_option(formats, out)
        write_atomic(out, render(report, formats[0]))
        return [Path(out)]
    if report_dir is None:
        return []
    folder = Path(report_dir)
    stamp = _free_stamp(folder, formats, stem)
    written = []
    for fmt in formats:
        text = render(report, fmt)
        names = [f"{stem}-{stamp}.{EXTENSIONS[fmt]}"] + ([f"{LATEST}.{EXTENSIONS[fmt]}"] if latest else [])
        for name in names:
            write_atomic(folder / name, text)
            written.append(folder / name)
    return written
