"""Render the example gallery into ``docs/images/`` with Debian's Chromium.

``make screenshots`` runs ``python -m tools.screenshots``: it serves
``example_project.create_app()`` on a free loopback port, opens every page in
headless Chromium through Playwright, waits until every picture on it has
been decoded, and writes ``docs/images/<page>.png``, plus ``gallery.png``
(the fractal explorer at one of its presets) for the top of the README, and
``download.png`` (the Chart page's download control, open).

Chromium is ``$CHROMIUM``, else ``chromium`` on the PATH, else
``/usr/bin/chromium`` (Debian: ``apt-get install chromium``); the Chromium
that ``playwright install`` downloads is never used.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import io
import pathlib
import sys
import typing as t

from PIL import Image

from example_project import create_app
from example_project.pages import PAGES, chart, fractal
from tests.browser.helpers import (
    CHROMIUM_ARGS,
    assert_no_console_errors,
    choose_option,
    find_chromium,
    wait_for_dash,
    wait_for_image,
    wait_for_pictures,
    watch,
)
from tests.servers import LiveServer

if t.TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
VIEWPORT = {"width": 1200, "height": 800}
# A PNG over this is quantised to 256 colours to keep the repository small.
MAX_BYTES = 300_000
GALLERY_PRESET = "Seahorse valley"
MARGIN = 32  # CSS pixels kept under the gallery's demo
TIMEOUT_MS = 20_000


@dataclasses.dataclass(frozen=True)
class Shot:
    name: str
    path: str
    #: Dash pages wait for the renderer; the plain Flask page does not.
    dash: bool = True


SHOTS: tuple[Shot, ...] = (
    Shot("index", "/"),
    *(Shot(page.PATH.strip("/"), page.PATH) for page in PAGES),
    Shot("flask", "/flask/", dash=False),
)


def open_page(context: BrowserContext, url: str, dash: bool) -> Page:
    """Open ``url`` and wait until the page and all its pictures are drawn."""
    page = context.new_page()
    watch(page)
    page.goto(url)
    if dash:
        wait_for_dash(page)
    settle(page)
    return page


def settle(page: Page) -> None:
    """Wait for every picture, then for the network and fonts to be quiet."""
    if page.locator("img").count():
        # A picture hidden with display: none (the Zoom page's other drag
        # mode) loads nothing: it is not waited for.
        shown = wait_for_pictures(page, "img:not([style*='display: none'])")
        broken = [p for p in shown if not p["width"]]
        if broken:
            raise SystemExit(f"{page.url}: pictures did not load: {broken}")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => 0)")
    # The Formats page writes what the browser received under each picture.
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll("output"))
            .every((o) => !o.id.endsWith("-received") || o.textContent)"""
    )


def save(png: bytes, target: pathlib.Path) -> int:
    """Write a screenshot, smaller if need be; returns its size in bytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    if buffer.tell() > MAX_BYTES:
        buffer = io.BytesIO()
        palette = image.quantize(256, method=Image.Quantize.MEDIANCUT)
        palette.save(buffer, "PNG", optimize=True)
    target.write_bytes(buffer.getvalue())
    return buffer.tell()


def page_shot(context: BrowserContext, base: str, shot: Shot) -> bytes:
    """One page, whole (``full_page``: tall pages are not cut off)."""
    page = open_page(context, base + shot.path, shot.dash)
    png = page.screenshot(full_page=True)
    assert_no_console_errors(page)
    page.close()
    return png


def gallery_shot(context: BrowserContext, base: str) -> bytes:
    """The fractal explorer at a preset: the header and the demo, no more."""
    page = open_page(context, base + fractal.PATH, dash=True)
    before = page.locator("#fractal-picture").get_attribute("src")
    choose_option(page, "#fractal-preset", GALLERY_PRESET)
    wait_for_image(page, "#fractal-picture", changed_from=before)
    settle(page)
    # No focus ring on the dropdown; no empty band under the demo.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    bottom = page.locator(".demo").evaluate("(e) => e.getBoundingClientRect().bottom")
    height = min(VIEWPORT["height"], round(bottom) + MARGIN)
    png = page.screenshot(
        clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height}
    )
    assert_no_console_errors(page)
    page.close()
    return png


def download_shot(context: BrowserContext, base: str) -> bytes:
    """The Chart page's picture with its download control open."""
    page = open_page(context, base + chart.PATH, dash=True)
    picture = page.locator("#chart-picture")
    picture.hover()
    page.get_by_role("button", name="Download picture").click()
    page.get_by_role("link", name="PDF").hover()
    box = picture.bounding_box()
    assert box is not None
    png = page.screenshot(
        clip={
            "x": max(0, box["x"] - MARGIN),
            "y": max(0, box["y"] - MARGIN),
            "width": box["width"] + 2 * MARGIN,
            "height": box["height"] + 2 * MARGIN,
        }
    )
    assert_no_console_errors(page)
    page.close()
    return png


def main(argv: list[str] | None = None) -> int:
    names = [*(shot.name for shot in SHOTS), "gallery", "download"]
    parser = argparse.ArgumentParser(
        prog="python -m tools.screenshots", description=__doc__.partition("\n")[0]
    )
    parser.add_argument(
        "--out", type=pathlib.Path, default=OUT, help="default: docs/images"
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"only these shots, of: {', '.join(names)}",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(names))
    if unknown:
        parser.error(f"no such shot: {', '.join(unknown)}")
    executable, reason = find_chromium()
    if executable is None:
        print(reason, file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    server = LiveServer(create_app())
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
            context.set_default_timeout(TIMEOUT_MS)
            shots: dict[str, t.Callable[[], bytes]] = {
                shot.name: functools.partial(page_shot, context, server.url, shot)
                for shot in SHOTS
            }
            shots["gallery"] = functools.partial(gallery_shot, context, server.url)
            shots["download"] = functools.partial(download_shot, context, server.url)
            for name in args.names or names:
                target = args.out / f"{name}.png"
                size = save(shots[name](), target)
                print(f"{target}: {size / 1024:.0f} KiB")
            browser.close()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
