"""A PNG screenshot of a rendered HTML report in headless Chromium (for the README and the demo)."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from tusz_guard.errors import GuardError

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")
VIEWPORT: "ViewportSize" = {"width": 1240, "height": 900}


def chromium_path() -> str:
    """The Chromium binary to drive: the Debian package, else whatever `chromium` is on PATH."""
    found = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if not found:
        raise GuardError("chromium is not installed", hint="apt-get install -y chromium")
    return found


def screenshot(html_path: str | Path, png_path: str | Path, *, full_page: bool = True) -> Path:
    """Render html_path (a local file) and write a PNG of the whole page to png_path."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise GuardError("the screenshot needs the playwright package",
                         hint="pip install 'tusz-guard[dev]' or pip install playwright") from exc
    src = Path(html_path).resolve()
    if not src.is_file():
        raise GuardError(f"{html_path} does not exist", hint="render the report first: tusz-guard check --html FILE")
    out = Path(png_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport=VIEWPORT)
            # The report is self-contained; refuse anything but the file itself.
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                       else route.abort())
            page.goto(src.as_uri())
            page.screenshot(path=str(out), full_page=full_page)
        finally:
            browser.close()
    return out
