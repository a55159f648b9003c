"""5. In Chromium, with 50 ms round trips: from an input's change to the new
picture decoded, for the three ways of :mod:`bench.apps` (server-side,
clientside, Dash-native), in one page, taking turns.

The page records the time itself: ``performance.now()`` at the ``input``
event, and again once the ``<img>`` has loaded and ``img.decode()`` has
resolved. The Dash app is served by werkzeug's threaded server on 127.0.0.1;
Chromium is Debian's, driven by Playwright, latency emulated through CDP.
"""

from __future__ import annotations

import logging
import typing as t

from tests.servers import LiveServer

from . import chromium, common, pictures
from .apps import MODES, X, dash_app

LATENCY_MS = 50
TIMEOUT_MS = 10_000
LABELS = {"server": "server-side", "client": "clientside", "native": "native"}

# Per input id: when it changed and when its mode's picture was decoded.
RECORDER = """() => {
    window.__bench = {};
    document.addEventListener("input", (event) => {
        window.__bench[event.target.id.split("-")[0]] = {start: performance.now()};
    }, true);
    document.addEventListener("load", async (event) => {
        const img = event.target;
        if (img.tagName !== "IMG") return;
        const record = window.__bench[img.id.split("-")[0]];
        if (!record || record.end) return;
        try { await img.decode(); } catch (error) { record.error = String(error); }
        record.end = performance.now();
    }, true);
}"""
IMAGES_READY = """() => Array.from(document.querySelectorAll("img")).every(
    (img) => img.complete && img.naturalWidth > 0)"""


def measure(base_url: str, rounds: int) -> dict[str, list[float]]:
    """Seconds from change to decoded picture, per mode, ``rounds`` each."""
    samples: dict[str, list[float]] = {LABELS[mode]: [] for mode in MODES}
    with chromium.slow_page(LATENCY_MS, TIMEOUT_MS) as page:
        page.goto(base_url + "/")
        page.wait_for_function(IMAGES_READY)
        page.evaluate(RECORDER)
        # One untimed change each first (the first image request opens a
        # connection), then the timed rounds, taking turns.
        for round_ in range(-1, rounds):
            order = MODES if round_ % 2 == 0 else MODES[::-1]
            for mode in order:
                seconds = change(page, mode, X + 2 + round_ % 100)
                if round_ >= 0:
                    samples[LABELS[mode]].append(seconds)
    return samples


def change(page: t.Any, mode: str, value: int) -> float:
    page.fill(f"#{mode}-x", str(value))
    page.wait_for_function(
        "mode => window.__bench[mode] && window.__bench[mode].end", arg=mode
    )
    record = page.evaluate("mode => window.__bench[mode]", mode)
    if "error" in record:
        raise AssertionError(f"{mode}: the picture did not decode: {record['error']}")
    return (record["end"] - record["start"]) / 1000


def run(quick: bool) -> common.Report:
    """Chromium, 50 ms round trips: input change to decoded picture."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = dash_app(pictures.line)
    server = LiveServer(app)
    try:
        samples = measure(server.url, 3 if quick else 30)
    finally:
        server.close()
    rows = common.timing_rows(samples, base="native")
    text = (
        f"line picture 200x200, {LATENCY_MS} ms round trips emulated,"
        f" {len(samples['native'])} changes each, ratio = variant / native\n\n"
        + common.table(common.TIMING_HEADERS + common.RATIO_HEADERS, rows)
    )
    native = common.median(samples["native"])
    notes = [
        (
            f"browser, change to decoded picture: {name} / native",
            f"{common.median(common.ratios(samples, name, 'native')):.3f}x"
            f" ({common.ms(common.median(samples[name]))} vs {common.ms(native)} ms)",
        )
        for name in ("server-side", "clientside")
    ]
    return common.Report(
        "browser_latency",
        "Chromium: input change to decoded picture, 50 ms round trips",
        text,
        notes=notes,
    )


if __name__ == "__main__":
    common.main(run)
