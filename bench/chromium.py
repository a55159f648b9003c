"""Debian's Chromium, driven by Playwright, with a round trip added to every
request: what the browser benchmarks measure in."""

from __future__ import annotations

import contextlib
import tempfile
import typing as t
from pathlib import Path

from tests.browser.helpers import CHROMIUM_ARGS, find_chromium

__all__ = ["gunicorn_page", "slow_page"]


@contextlib.contextmanager
def slow_page(latency_ms: int, timeout_ms: int) -> t.Iterator[t.Any]:
    """A page in a fresh Chromium whose requests each take ``latency_ms``
    more (Chrome's network emulation), with ``timeout_ms`` as the default
    timeout of its waits.

    :raises SystemExit: Chromium is not installed (saying how to get it).
    """
    from playwright.sync_api import sync_playwright

    chromium, reason = find_chromium()
    if chromium is None:
        raise SystemExit(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context()
            context.set_default_timeout(timeout_ms)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": latency_ms,
                    "downloadThroughput": -1,
                    "uploadThroughput": -1,
                },
            )
            yield page
        finally:
            browser.close()


@contextlib.contextmanager
def gunicorn_page(
    app: str, threads: int, latency_ms: int, timeout_ms: int
) -> t.Iterator[tuple[t.Any, t.Any]]:
    """``app`` under gunicorn (one gthread worker with ``threads`` threads,
    in a directory of its own), and a :func:`slow_page` to drive it."""
    from tests.servers import GunicornServer

    with tempfile.TemporaryDirectory(prefix="bench-") as directory:
        server = GunicornServer(
            app,
            Path(directory),
            workers=1,
            worker_class="gthread",
            threads=threads,
            ready_path="/",
        )
        with server, slow_page(latency_ms, timeout_ms) as page:
            yield server, page
