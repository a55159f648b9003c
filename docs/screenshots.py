"""Screenshots of the built documentation in Debian's Chromium.

``make docs-screenshots`` builds the site, then runs this: it opens the
index and one guide of ``docs/_build/html`` in headless Chromium through
Playwright, as ``tools/screenshots.py`` does for the gallery (the same
Chromium, flags and PNG writer), and writes ``docs/images/docs-index.png``
and ``docs/images/docs-guide.png``.
"""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.helpers import CHROMIUM_ARGS, find_chromium  # noqa: E402
from tools.screenshots import save  # noqa: E402

SITE = ROOT / "docs" / "_build" / "html"
OUT = ROOT / "docs" / "images"
VIEWPORT = {"width": 1200, "height": 900}
SHOTS = {"docs-index": "index.html", "docs-guide": "guides/testing.html"}


def main() -> int:
    executable, reason = find_chromium()
    if executable is None:
        print(reason, file=sys.stderr)
        return 1
    if not (SITE / "index.html").is_file():
        print(f"no {SITE}/index.html: run make docs first", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
        for name, path in SHOTS.items():
            page.goto((SITE / path).as_uri())
            page.wait_for_load_state("load")
            page.evaluate("document.fonts.ready.then(() => 0)")
            target = OUT / f"{name}.png"
            size = save(page.screenshot(), target)
            print(f"{target}: {size / 1024:.0f} KiB")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
