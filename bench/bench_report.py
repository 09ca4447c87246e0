"""Benchmark the report a person reads (issue 18): sizes of the HTML/JSON/Markdown reports of `check` on the
scale corpus with a full-size cache index, and their load in headless Chromium (first paint, load event, the
recordings table ready); the same for a synthetic 70,000-recording report.

    .venv/bin/python bench/bench_report.py [--workdir /tmp/tg-bench-report] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import project, write_cache  # noqa: E402

from tusz_guard.cli import run  # noqa: E402
from tusz_guard.report.html import render_html  # noqa: E402
from tusz_guard.report.html_shot import CHROMIUM_ARGS, chromium_path  # noqa: E402
from tusz_guard.results import Finding, Report  # noqa: E402

TIMING = """() => {
  const paint = performance.getEntriesByType('paint').find(p => p.name === 'first-contentful-paint');
  const nav = performance.getEntriesByType('navigation')[0];
  return {first_paint_ms: paint ? paint.startTime : null, load_ms: nav.loadEventEnd,
          dom_ms: nav.domContentLoadedEventEnd};
}"""


def browser_times(html: Path, repeat: int) -> dict[str, float]:
    """Median first-contentful-paint, load event and table-ready (the script's info line) over `repeat` loads."""
    from playwright.sync_api import sync_playwright

    runs = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            t0 = time.perf_counter()
            page.goto(html.as_uri(), wait_until="load")
            page.wait_for_selector("#rec-info")
            ready = (time.perf_counter() - t0) * 1000
            runs.append({**page.evaluate(TIMING), "ready_ms": ready})
            page.close()
        browser.close()
    return {k: round(statistics.median(r[k] for r in runs), 1) for k in runs[0]}


def scale(workdir: Path, repeat: int) -> dict[str, object]:
    config = project(workdir)
    entries = write_cache(config)
    reports = config.parent.parent / "reports"
    t0 = time.perf_counter()
    run(["check", str(config), "--no-expectations", "--format", "html", "--format", "json", "--format", "markdown",
         "--report-dir", str(reports)])
    wall = time.perf_counter() - t0
    rows = len(json.loads((reports / "latest.json").read_text())["recordings"])
    sizes = {ext: (reports / f"latest.{ext}").stat().st_size for ext in ("html", "json", "md")}
    history = sum(p.stat().st_size for p in (reports / "history").glob("*.json")) / max(
        1, len(list((reports / "history").glob("*.json"))))
    return {"recordings": rows, "entries": entries, "check_wall_s": round(wall, 2), "bytes": sizes,
            "history_entry_bytes": int(history), "browser": browser_times(reports / "latest.html", repeat)}


def big(workdir: Path, repeat: int, n: int = 70_000) -> dict[str, object]:
    rows = tuple({"path": f"train/p{i:06d}/s001_2002/01_tcp_ar/p{i:06d}_s001_t000.edf", "role": ("train", "val",
                  "test")[i % 3], "split": "train", "patient": f"p{i:06d}", "status": "included", "reason": None,
                  "notes": [], "cache": ("current", "stale", "missing")[i % 3], "cache_reason": None,
                  "windows_expected": 36, "windows_cached": 36, "seizure_seconds": 0.0, "header_defects": []}
                 for i in range(n))
    html = workdir / "big.html"
    t0 = time.perf_counter()
    text = render_html(Report((Finding("cache.coverage", "fail", "t", "m"),), (), "/c", "fp", {}, recordings=rows))
    render_s = time.perf_counter() - t0
    html.write_text(text)
    return {"recordings": n, "bytes": html.stat().st_size, "render_s": round(render_s, 2),
            "browser": browser_times(html, repeat)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/tg-bench-report"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(json.dumps({"scale": scale(args.workdir, args.repeat), "70k": big(args.workdir, args.repeat)}, indent=2))


if __name__ == "__main__":
    main()
