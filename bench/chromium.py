"""Debian's Chromium, driven by Playwright, with a round trip added to every
request: what the browser benchmarks measure in."""

from __future__ import annotations

import contextlib
import typing as t

from tests.browser.helpers import CHROMIUM_ARGS, find_chromium

__all__ = ["slow_page"]


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
