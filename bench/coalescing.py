"""In Chromium, with 50 ms round trips: a ``dcc.Slider`` dragged across 40
steps in 2 s over a picture that takes 150 ms to render, with coalescing (the
default: at most one picture request in flight per image, the latest values
win) and without it (``window.dashImages.coalesce = false``: every step asks
for its picture, the URL function's old behaviour).

Two kinds of 150 ms render, each with its own slider and ``<img>``:

- ``waits``: the generator sleeps 150 ms (a slow query: renders overlap
  freely);
- ``draws``: it spins for 150 ms of its thread's CPU time (drawing, as
  matplotlib does: renders share the worker's one core under the GIL, so
  many at once take longer each).

The Dash app (:func:`gunicorn_app`) is served by gunicorn, one ``gthread``
worker with 8 threads (as the README advises), in its own process, so that
drawing never slows the benchmark's driver; the worker counts every picture
request (start, end, status) and every render, and how many picture requests
of each image it was answering at once ("worker at once"); the page's own
count ("in flight") comes from the browser's request events.

The drag is Playwright's mouse (Chrome's input events through CDP): press on
the slider's track at its start, then a move to the next step's position
every 50 ms (scheduled by the clock, not slept after each move), then
release. The page records, by ``performance.now()``, when the slider's
value changed (its thumb's ``aria-valuenow``) and when each picture loaded;
"release to final" is from the last change to the load of the final value's
picture. Chromium emulates 50 ms of latency (CDP network emulation, as in
:mod:`bench.browser_latency`), which is a floor (at least 50 ms from a
request to its response's headers) that a 150 ms render hides; so "one
render plus one round trip" is measured: the final picture's own request,
from its start to the end of its response (Resource Timing).

When the drag ends, the page sets the waiting values at once, in place of
the stale picture still loading (the browser cancels that request), so the
final picture's request starts at the release: release to final is one
picture's time plus the page's own (Dash's callback, decoding). The server,
which cannot know that the page gave a request up, still finishes the stale
render: "in flight" is counted both where the page sees it (requests sent
and not yet answered or cancelled) and where the worker does. Without
coalescing release to final is one picture's time as long as the server
keeps up, and the backlog's time when it does not.

Rounds: each round loads the page afresh for each of the four runs (render
kind x coalescing on or off), with slider values no earlier run has seen
(no cache helps), in the given order on even rounds and reversed on odd
ones. A full run: 5 rounds (about 2 minutes); ``--quick``: 1 round of 10
steps in 0.5 s.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
import time
import typing as t

import dash
import flask
from dash import Input, Output, dcc, html
from PIL import Image

from flask_dash_images import DynamicImages

from . import common

LATENCY_MS = 50
STEPS = 40
DRAG_SECONDS = 2.0
RENDER_SECONDS = 0.15
ROUNDS = 5
#: Round ``r``'s sliders run over ``STRIDE * r + (0 .. STEPS)``.
STRIDE = 100
#: Milliseconds the page may take to show the final picture after release.
FINAL_TIMEOUT_MS = 30_000
THREADS = 8
APP = "bench.coalescing:gunicorn_app()"

KINDS = {"waits": "waits 150 ms", "draws": "draws 150 ms (CPU)"}
MODES = {"on": "coalescing", "off": "every step"}


# -- the app, in the gunicorn worker ------------------------------------------


class Stats:
    """What the worker saw: picture requests and renders, by kind."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.base = 0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests: list[tuple[str, float, float, str]] = []
            self.renders: list[tuple[str, int, float, float]] = []
            self.active: collections.Counter[str] = collections.Counter()
            self.peak: collections.Counter[str] = collections.Counter()

    def snapshot(self) -> dict[str, t.Any]:
        with self.lock:
            return {
                "requests": list(self.requests),
                "renders": list(self.renders),
                "peak": dict(self.peak),
                "active": sum(self.active.values()),
            }


STATS = Stats()


def picture(value: int) -> Image.Image:
    return Image.new("RGB", (200, 100), (value % 256, (value * 7) % 256, 90))


def waits(value: int) -> Image.Image:
    start = time.monotonic()
    time.sleep(RENDER_SECONDS)
    return _rendered("waits", value, start)


def draws(value: int) -> Image.Image:
    start, cpu = time.monotonic(), time.thread_time()
    while time.thread_time() - cpu < RENDER_SECONDS:
        pass
    return _rendered("draws", value, start)


def _rendered(kind: str, value: int, start: float) -> Image.Image:
    with STATS.lock:
        STATS.renders.append((kind, value, start, time.monotonic()))
    return picture(value)


class InFlight:
    """WSGI middleware: each picture request's start, end and status, and
    the most picture requests of one image answered at once."""

    def __init__(self, app: t.Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        path = environ.get("PATH_INFO", "")
        if "/image_generator/" not in path:
            return self.app(environ, start_response)
        kind = path.rpartition("/")[2].partition(".")[0]
        start = time.monotonic()
        status: list[str] = []
        with STATS.lock:
            STATS.active[kind] += 1
            STATS.peak[kind] = max(STATS.peak[kind], STATS.active[kind])

        def started(line: str, headers: t.Any, exc_info: t.Any = None) -> t.Any:
            status.append(line[:3])
            return start_response(line, headers, exc_info)

        try:
            body = b"".join(self.app(environ, started))
        finally:
            with STATS.lock:
                STATS.active[kind] -= 1
                STATS.requests.append(
                    (kind, start, time.monotonic(), status[0] if status else "-")
                )
        return [body]


def gunicorn_app() -> flask.Flask:
    """The Dash app: a slider and an image per kind of render."""
    app = dash.Dash(__name__)
    server: flask.Flask = app.server
    images = DynamicImages(server)

    def layout() -> html.Div:
        return html.Div(
            [
                html.Div(
                    [
                        dcc.Slider(
                            id=f"{kind}-slider",
                            min=STATS.base,
                            max=STATS.base + STEPS,
                            step=1,
                            value=STATS.base,
                            updatemode="drag",
                            marks=None,
                            allow_direct_input=False,
                        ),
                        html.Img(id=f"{kind}-img", width=200, height=100),
                    ],
                    style={"width": "640px", "padding": "10px"},
                )
                for kind in KINDS
            ]
        )

    app.layout = layout
    for kind, generator in (("waits", waits), ("draws", draws)):
        images.callback(
            Output(f"{kind}-img", "src"), Input(f"{kind}-slider", "value"), name=kind
        )(generator)

    common.add_stats_routes(server, STATS)
    server.wsgi_app = InFlight(server.wsgi_app)  # type: ignore[method-assign]
    return server


# -- the driver ----------------------------------------------------------------

# Records when the sliders' values changed and when pictures loaded.
RECORDER = """() => {
    window.__bench = {changes: [], loads: []};
    for (const thumb of document.querySelectorAll('[role="slider"]')) {
        const id = thumb.closest(".dash-slider-container").id;
        new MutationObserver(() => {
            window.__bench.changes.push(
                [id, Number(thumb.getAttribute("aria-valuenow")), performance.now()]);
        }).observe(thumb, {attributes: true, attributeFilter: ["aria-valuenow"]});
    }
    for (const type of ["load", "error"]) {
        document.addEventListener(type, (event) => {
            const img = event.target;
            if (img.tagName === "IMG") {
                window.__bench.loads.push(
                    [img.id, img.getAttribute("src"), type, performance.now()]);
            }
        }, true);
    }
}"""
READY = """() => Array.from(document.querySelectorAll("img")).every(
    (img) => img.complete && img.naturalWidth > 0)
    && document.querySelectorAll('[role="slider"]').length === 2"""
SHOWS = """([id, value]) => window.__bench.loads.some(
    ([img, src, type]) => img === id && type === "load"
        && new URL(src, location.href).searchParams.get("value") === String(value))"""


@dataclasses.dataclass
class Run:
    """One drag: what the page and the server saw."""

    kind: str
    mode: str
    changes: int  # the values the slider took
    drag_seconds: float
    sent: int
    served: int
    renders: int
    peak: int  # the most requests of the image the worker answered at once
    drag_peak: int  # the most the page had open at once, the final one aside
    page_peak: int  # the same, the final one included
    cancelled: int  # requests the page gave up (a stale picture's)
    failed: int
    release_to_request: float  # release to the final request's start
    release_to_final: float
    final_request: float
    render_seconds: float


def drag(page: t.Any, kind: str, steps: int, seconds: float) -> None:
    """Press on the slider's track at its start, move one step every
    ``seconds / steps``, release."""
    box = page.locator(f"#{kind}-slider .dash-slider-root").bounding_box()
    y = box["y"] + box["height"] / 2

    def x(step: int) -> float:
        return float(box["x"] + 0.5 + (box["width"] - 1) * step / STEPS)

    page.mouse.move(x(0), y)
    page.mouse.down()
    start = time.perf_counter()
    for step in range(1, steps + 1):
        pause = start + (step - 1) * seconds / steps - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        page.mouse.move(x(step), y)
    page.mouse.up()


def one_run(
    page: t.Any,
    server: t.Any,
    kind: str,
    mode: str,
    base: int,
    steps: int,
    seconds: float,
) -> Run:
    common.server_post(server, f"/bench/reset?base={base}")
    page.goto(server.url + "/")
    page.wait_for_function(READY)
    if mode == "off":
        page.evaluate("window.dashImages.coalesce = false")
    page.evaluate(RECORDER)
    sent: list[str] = []
    final = base + steps
    # The page's picture requests of this image from sent to answered or
    # cancelled, in the order the browser reports them.
    open_: set[t.Any] = set()
    counts = {"drag": 0, "all": 0, "cancelled": 0}

    def ours(request: t.Any) -> bool:
        return f"/image_generator/{kind}." in request.url

    def on_request(request: t.Any) -> None:
        if ours(request):
            sent.append(request.url)
            open_.add(request)
            stale = [r for r in open_ if value_of(r.url) != final]
            counts["drag"] = max(counts["drag"], len(stale))
            counts["all"] = max(counts["all"], len(open_))

    def on_end(request: t.Any) -> None:
        open_.discard(request)

    def on_failed(request: t.Any) -> None:
        if ours(request):
            open_.discard(request)
            counts["cancelled"] += request.failure == "net::ERR_ABORTED"

    common.server_post(server, f"/bench/reset?base={base}")
    page.on("request", on_request)
    page.on("requestfinished", on_end)
    page.on("requestfailed", on_failed)
    try:
        drag(page, kind, steps, seconds)
        page.wait_for_function(
            SHOWS, arg=[f"{kind}-img", final], timeout=FINAL_TIMEOUT_MS
        )
        # Count once the server has answered every picture request (those a
        # run without coalescing left behind end after the final one).
        deadline = time.monotonic() + FINAL_TIMEOUT_MS / 1000
        idle = 0
        while idle < 2 and time.monotonic() < deadline:
            time.sleep(0.25)
            stats = common.server_get(server, "/bench/stats")
            idle = idle + 1 if stats["active"] == 0 else 0
        renders = [r for r in stats["renders"] if r[0] == kind]
        served = [r for r in stats["requests"] if r[0] == kind]
    finally:
        page.remove_listener("request", on_request)
        page.remove_listener("requestfinished", on_end)
        page.remove_listener("requestfailed", on_failed)
    record = page.evaluate("window.__bench")
    changes = [c for c in record["changes"] if c[0] == f"{kind}-slider"]
    values = [value for _, value, _ in changes]
    if values[-1:] != [final]:
        raise AssertionError(f"{kind}: the drag ended at {values[-1:]}, not {final}")
    release = changes[-1][2]
    shown = min(
        at
        for img, src, type_, at in record["loads"]
        if img == f"{kind}-img" and type_ == "load" and value_of(src) == final
    )
    durations = [end - start for _, _, start, end in renders]
    # The final picture's own request, from the page's Resource Timing: one
    # render plus one round trip, as this page and server have them.
    timings = page.evaluate(
        """(kind) => performance.getEntriesByType("resource")
            .filter((e) => e.name.includes(`/image_generator/${kind}.`))
            .map((e) => [e.name, e.startTime, e.responseEnd - e.startTime])""",
        kind,
    )
    final_request, final_start = min(
        (d, start) for name, start, d in timings if value_of(name) == final
    )
    return Run(
        kind=kind,
        mode=mode,
        changes=len(set(values)),
        drag_seconds=(changes[-1][2] - changes[0][2]) / 1000,
        sent=len(sent),
        served=len(served),
        renders=len(renders),
        peak=int(stats["peak"].get(kind, 0)),
        drag_peak=counts["drag"],
        page_peak=counts["all"],
        cancelled=counts["cancelled"],
        failed=sum(1 for r in served if r[3] != "200"),
        release_to_request=(final_start - release) / 1000,
        release_to_final=(shown - release) / 1000,
        final_request=final_request / 1000,
        render_seconds=common.median(durations) if durations else float("nan"),
    )


def value_of(src: str) -> int | None:
    """The slider value a picture's URL carries."""
    query = dict(p.partition("=")[::2] for p in src.partition("?")[2].split("&"))
    return int(query["value"]) if "value" in query else None


def measure(rounds: int, steps: int, seconds: float) -> list[Run]:
    from . import chromium

    runs: list[Run] = []
    variants = [(kind, mode) for kind in KINDS for mode in MODES]
    served = chromium.gunicorn_page(APP, THREADS, LATENCY_MS, FINAL_TIMEOUT_MS)
    with served as (server, page):
        # Round -1 warms up, untimed: connections, compiled code.
        for round_ in range(-1, rounds):
            order = variants if round_ % 2 == 0 else variants[::-1]
            for i, (kind, mode) in enumerate(order):
                base = STRIDE * (len(variants) * (round_ + 1) + i)
                run = one_run(page, server, kind, mode, base, steps, seconds)
                if round_ >= 0:
                    runs.append(run)
    return runs


def run(quick: bool) -> common.Report:
    """Chromium, 50 ms round trips: a slider dragged over a 150 ms render,
    with and without coalescing."""
    steps, seconds = (10, 0.5) if quick else (STEPS, DRAG_SECONDS)
    runs = measure(1 if quick else ROUNDS, steps, seconds)
    return report(runs, steps, seconds)


def report(runs: list[Run], steps: int, seconds: float) -> common.Report:
    def of(kind: str, mode: str) -> list[Run]:
        return [r for r in runs if (r.kind, r.mode) == (kind, mode)]

    def spread(values: list[int]) -> str:
        low, high = min(values), max(values)
        return str(low) if low == high else f"{low}-{high}"

    def median_ms(values: t.Iterable[float]) -> str:
        return f"{common.median(list(values)) * 1000:.0f}"

    rows = []
    for kind, kind_label in KINDS.items():
        for mode, mode_label in MODES.items():
            these = of(kind, mode)
            rows.append(
                [
                    f"{kind_label}, {mode_label}",
                    spread([r.changes for r in these]),
                    f"{common.median([r.drag_seconds for r in these]):.2f}",
                    spread([r.sent for r in these]),
                    spread([r.renders for r in these]),
                    str(max(r.drag_peak for r in these)),
                    str(max(r.page_peak for r in these)),
                    str(max(r.peak for r in these)),
                    spread([r.cancelled for r in these]),
                    spread([r.failed for r in these]),
                    median_ms(r.render_seconds for r in these),
                    median_ms(r.final_request for r in these),
                    median_ms(r.release_to_request for r in these),
                    median_ms(r.release_to_final for r in these),
                    f"{max(r.release_to_final for r in these) * 1000:.0f}",
                ]
            )
    table = common.table(
        [
            "variant",
            "steps",
            "drag s",
            "requests sent",
            "renders",
            "in flight",
            "with the final",
            "worker at once",
            "cancelled",
            "not 200",
            "render ms",
            "final request ms",
            "release to its request ms",
            "release to final ms",
            "max ms",
        ],
        rows,
    )
    text = (
        f"a dcc.Slider dragged across {steps} steps in {seconds:g} s (one step"
        f" every {seconds / steps * 1000:.0f} ms); Chromium's network emulation"
        f" with {LATENCY_MS} ms of latency (at least {LATENCY_MS} ms from a"
        " request to its response's headers: a slower render hides it);"
        f" a {RENDER_SECONDS * 1000:.0f} ms render; gunicorn, one gthread"
        f" worker with {THREADS} threads; {len(of('waits', 'on'))} drags per"
        " variant, taking turns.\n\n"
        "Counts are min-max over the drags: the steps the slider's value took,"
        " the picture requests the page sent, the renders the worker ran; the"
        " most picture requests of the image in flight at once as the page"
        " sees them (sent, not yet answered or cancelled), the final value's"
        " request aside and with it (at the release it starts just before the"
        " browser cancels the stale one it replaces), and as the worker sees"
        " them (answering, a cancelled one's render included); the requests"
        " the page cancelled; answers other than 200. Times are medians: a"
        " render's wall time; the final picture's own request (start to end"
        " of its response in the page's Resource Timing: one render plus one"
        " round trip); from the release (the last change of the slider's"
        " value) to the start of the final picture's request, and to the load"
        " of the final value's picture (and the longest).\n\n" + table
    )

    def ratio_of_renders(kind: str) -> float:
        on, off = of(kind, "on"), of(kind, "off")
        return common.median(
            [a.renders / b.renders for a, b in zip(on, off, strict=True)]
        )

    def final_ratio(kind: str, mode: str) -> float:
        return common.median(
            [r.release_to_final / r.final_request for r in of(kind, mode)]
        )

    def versus_off(kind: str) -> float:
        # Round by round: the two drags of one kind, one after the other.
        on, off = of(kind, "on"), of(kind, "off")
        return common.median(
            [
                a.release_to_final / b.release_to_final
                for a, b in zip(on, off, strict=True)
            ]
        )

    def finals(kind: str, mode: str) -> str:
        return median_ms(r.release_to_final for r in of(kind, mode))

    budget = RENDER_SECONDS + LATENCY_MS / 1000
    final_what = "coalescing: release to final / the final request's own time, {}"
    goals = [
        common.Goal(
            "coalescing: picture requests of one image in flight at once (most)",
            float(max(r.drag_peak for r in runs if r.mode == "on")),
            1.0,
        ),
        common.Goal(
            f"coalescing: renders / renders without, {KINDS['waits']}",
            ratio_of_renders("waits"),
            1 / 3,
        ),
        # The words: one render time (the generator's 150 ms) plus
        # one round trip (the emulated 50 ms), for the slowest of the drags.
        common.Goal(
            "coalescing: longest release to final / (one render + one round"
            f" trip: {budget * 1000:.0f} ms), {KINDS['waits']}",
            max(r.release_to_final for r in of("waits", "on")) / budget,
            1.0,
        ),
    ]
    notes = [
        (
            "coalescing: most requests of one image in flight, the final one's"
            " included (page / worker)",
            f"{max(r.page_peak for r in runs if r.mode == 'on')} /"
            f" {max(r.peak for r in runs if r.mode == 'on')}",
        ),
        (
            f"coalescing: renders / renders without, {KINDS['draws']}",
            f"{ratio_of_renders('draws'):.3f}x",
        ),
        (final_what.format(KINDS["waits"]), f"{final_ratio('waits', 'on'):.3f}x"),
        (final_what.format(KINDS["draws"]), f"{final_ratio('draws', 'on'):.3f}x"),
    ]
    for kind, label in KINDS.items():
        notes.append(
            (
                f"every step: release to final / the final request's own time, {label}",
                f"{final_ratio(kind, 'off'):.3f}x",
            )
        )
    for kind, label in KINDS.items():
        notes.append(
            (
                f"coalescing: release to final / every step's, {label}",
                f"{versus_off(kind):.3f}x ({finals(kind, 'on')} vs"
                f" {finals(kind, 'off')} ms)",
            )
        )
    # The summary lists these; so does this module's own file.
    text += "\n\n" + common.table(["figure without a goal", "figure"], notes)
    return common.Report(
        "coalescing",
        "Chromium: a slider dragged over a 150 ms render, with and without coalescing",
        text,
        goals=goals,
        notes=notes,
    )


if __name__ == "__main__":
    common.main(run)
