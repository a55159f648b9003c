"""In Chromium, with 50 ms round trips: exploring a picture with the wheel.

The Dash app (:func:`gunicorn_app`, served by gunicorn, one ``gthread``
worker with 8 threads, in its own process) is the wiring the docs give: a
``dcc.Store`` holding the view, an image callback drawing it (``events=
("wheel", "pan")``, the preview on by default) and a server callback turning
each event into the next view with :func:`flask_dash_images.next_view`. The
generator waits 150 ms (a slow query), then returns a 600 x 400 ``Extent``.
Chromium emulates 50 ms of latency on every request (CDP network emulation,
as in :mod:`bench.coalescing`): the Dash callback's and the picture's.

Two measurements:

- **notch to preview**: the wheel turned one notch at a time, from rest
  (each notch's picture loaded before the next), and during gestures. The
  page records each wheel event (``performance.now()`` in a capturing
  listener, before the page script's own) and, in every frame, what the
  frame will paint: the image's transform, read after the frame's
  animation callbacks and layout (a ResizeObserver's turn, which comes
  before paint), with the frame's ``requestAnimationFrame`` timestamp. The
  figure is the number of frames from the notch to the first frame that
  shows it (1: the very next frame), and the time from the wheel event's
  ``timeStamp`` to that frame's start.
- **a gesture**: 40 notches in 2 s at one spot (one every 50 ms, scheduled
  by the clock), then nothing. The worker counts renders and the picture
  requests it answers at once; the page records when its events were set
  (``set_props``) and when pictures loaded, and Resource Timing gives the
  final picture's own request. "Last step to sharp" is from the last
  notch to the load of the final view's picture, and is split into: the
  wait for the picture loading at the last notch (the steps gathered
  while it loads go when it has loaded), the Dash callback (the round trip
  that turns the event into the next view and its URL), and the final
  picture's own request (one render plus one round trip).

Rounds: 5 gestures and 20 single notches (each round a fresh page with a
view no earlier round has seen, so no cache helps); ``--quick``: 1 gesture
of 10 notches in 0.5 s and 5 single notches.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import typing as t

import dash
import flask
import numpy as np
from dash import Input, Output, State, ctx, dcc, html

from flask_dash_images import DynamicImages, Extent, next_view

from . import common

LATENCY_MS = 50
RENDER_SECONDS = 0.15
STEPS = 40
GESTURE_SECONDS = 2.0
ROUNDS = 5
NOTCHES = 20
#: Each page's whole view starts at x = STRIDE * its number: new URLs.
STRIDE = 1000
W, H = 600, 400
TIMEOUT_MS = 30_000
THREADS = 8
APP = "bench.explore:gunicorn_app()"


# -- the app, in the gunicorn worker ------------------------------------------


class Stats:
    """What the worker saw: renders, and picture requests at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.base = 0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.renders: list[tuple[float, float]] = []
            self.active = 0
            self.peak = 0

    def snapshot(self) -> dict[str, t.Any]:
        with self.lock:
            return {
                "renders": list(self.renders),
                "peak": self.peak,
                "active": self.active,
            }


STATS = Stats()


def home() -> list[float]:
    return [float(STATS.base), STATS.base + 15.0, -5.0, 5.0]


def draw(view: list[float]) -> Extent:
    start = time.monotonic()
    time.sleep(RENDER_SECONDS)
    x0, x1, y0, y1 = view
    # A gradient with a grid: something to see, cheap to encode.
    columns = np.linspace(x0, x1, W)[None, :]
    rows = np.linspace(y1, y0, H)[:, None]
    level = ((np.floor(columns) + np.floor(rows)) % 2 * 60 + 120).astype(np.uint8)
    with STATS.lock:
        STATS.renders.append((start, time.monotonic()))
    return Extent(np.broadcast_to(level, (H, W)).copy(), x=(x0, x1), y=(y0, y1))


class InFlight:
    """WSGI middleware: the most picture requests answered at once."""

    def __init__(self, app: t.Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        if "/image_generator/" not in environ.get("PATH_INFO", ""):
            return self.app(environ, start_response)
        with STATS.lock:
            STATS.active += 1
            STATS.peak = max(STATS.peak, STATS.active)
        try:
            return [b"".join(self.app(environ, start_response))]
        finally:
            with STATS.lock:
                STATS.active -= 1


def gunicorn_app() -> flask.Flask:
    app = dash.Dash(__name__)
    server: flask.Flask = app.server
    images = DynamicImages(server)
    app.layout = lambda: html.Div(
        [
            dcc.Store(id="view", data=home()),
            html.Img(
                id="pic",
                style={"width": f"{W}px", "height": f"{H}px", "display": "block"},
            ),
        ],
        style={"padding": "20px"},
    )
    images.callback(
        Output("pic", "src"),
        Input("view", "data"),
        events=("wheel", "pan"),
        name="explore",
        deterministic=True,
    )(draw)

    @app.callback(
        Output("view", "data"),
        Input("pic", "data-wheel"),
        Input("pic", "data-pan"),
        State("view", "data"),
        prevent_initial_call=True,
    )
    def navigate(wheel: t.Any, pan: t.Any, view: t.Any) -> t.Any:
        trigger = ctx.triggered[0]
        return next_view(view, trigger["value"], kind=trigger["prop_id"])

    common.add_stats_routes(server, STATS)
    server.wsgi_app = InFlight(server.wsgi_app)  # type: ignore[method-assign]
    return server


# -- the driver ----------------------------------------------------------------

# Records the wheel events, what each frame paints, the pictures' loads and
# the events the page script sets.
RECORDER = """() => {
    const img = document.getElementById("pic");
    const bench = window.__bench = {notches: [], frames: [], loads: [], sets: [],
        answers: []};
    document.addEventListener("wheel", (event) => {
        bench.notches.push([performance.now(), event.timeStamp,
            img.style.transform || ""]);
    }, {capture: true, passive: true});
    const probe = document.createElement("div");
    probe.style.cssText = "position:absolute;left:0;top:0;width:1px;height:1px";
    document.body.appendChild(probe);
    let rafTs = 0;
    new ResizeObserver(() => {
        bench.frames.push([performance.now(), rafTs, img.style.transform || ""]);
    }).observe(probe);
    (function frame(ts) {
        rafTs = ts;
        probe.style.width = probe.style.width === "1px" ? "2px" : "1px";
        requestAnimationFrame(frame);
    })(performance.now());
    document.addEventListener("load", (event) => {
        if (event.target.tagName === "IMG") {
            bench.loads.push([performance.now(), event.target.getAttribute("src")]);
        }
    }, true);
    const setProps = window.dash_clientside.set_props;
    window.dash_clientside.set_props = function (id, props) {
        if (props["data-wheel"] || props["data-pan"]) {
            bench.sets.push([performance.now(), props]);
        }
        return setProps.apply(this, arguments);
    };
    const hold = window.dashImages.hold;
    window.dashImages.hold = function (id, props) {
        bench.answers.push([performance.now(), props.src]);
        return hold.apply(this, arguments);
    };
}"""
SETTLED = """() => { const img = document.getElementById("pic");
    return img !== null && img.complete && img.naturalWidth > 0
        && !img.hasAttribute("data-dash-images-preview"); }"""
CHANGED = """(before) => { const img = document.getElementById("pic");
    return img.getAttribute("src") !== before && img.complete
        && img.naturalWidth > 0 && !img.hasAttribute("data-dash-images-preview"); }"""


@dataclasses.dataclass
class Notch:
    frames: int  # from the notch to the first frame that shows it
    ms: float  # from the event's timeStamp to that frame's start


@dataclasses.dataclass
class Gesture:
    steps: int
    seconds: float
    events: int  # data-wheel values the page set
    renders: int
    peak: int
    notches: list[Notch]
    last_to_sharp: float
    waited: float  # last notch to the last event set (the answer before it)
    callback: float  # the last event set to the app's answer, its URL
    loading: float  # the answer to its request (the picture in flight)
    final_request: float  # the final picture's request: render + round trip
    after_request: float  # its response to its load (decoding, the page)


def to_preview(record: dict[str, t.Any]) -> list[Notch]:
    """For each notch: the first frame after it whose transform differs
    from the one when it came."""
    found = []
    frames = record["frames"]
    for at, stamp, transform in record["notches"]:
        later = [f for f in frames if f[0] > at]
        for count, (_, raf, shown) in enumerate(later, start=1):
            if shown != transform:
                found.append(Notch(count, raf - stamp))
                break
    return found


def open_page(page: t.Any, server: t.Any, base: int) -> None:
    common.server_post(server, f"/bench/reset?base={base}")
    page.goto(server.url + "/")
    page.wait_for_function(SETTLED)
    page.evaluate(RECORDER)
    box = page.locator("#pic").bounding_box()
    page.mouse.move(box["x"] + 0.4 * W, box["y"] + 0.4 * H)
    page.wait_for_timeout(200)  # the map, asked for as the pointer came
    common.server_post(server, f"/bench/reset?base={base}")


def single_notches(page: t.Any, server: t.Any, base: int, count: int) -> list[Notch]:
    open_page(page, server, base)
    box = page.locator("#pic").bounding_box()
    rng = np.random.default_rng(base)
    for _ in range(count):
        before = page.locator("#pic").get_attribute("src")
        x, y = rng.uniform(0.2, 0.8, 2)
        page.mouse.move(box["x"] + x * W, box["y"] + y * H)
        page.wait_for_timeout(100)
        page.mouse.wheel(0, -100 if rng.random() < 0.7 else 100)
        page.wait_for_function(CHANGED, arg=before, timeout=TIMEOUT_MS)
    return to_preview(page.evaluate("window.__bench"))


def gesture(
    page: t.Any, server: t.Any, base: int, steps: int, seconds: float
) -> Gesture:
    open_page(page, server, base)
    start = time.perf_counter()
    for step in range(steps):
        pause = start + step * seconds / steps - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        page.mouse.wheel(0, -100)
    page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)
    time.sleep(0.5)  # anything still to come
    page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)
    record = page.evaluate("window.__bench")
    stats = common.server_get(server, "/bench/stats")
    final = page.locator("#pic").get_attribute("src")
    last = record["notches"][-1][0]
    shown = min(at for at, src in record["loads"] if src == final and at > last)
    last_set = record["sets"][-1][0]
    answer = min(at for at, src in record["answers"] if src == final and at > last_set)
    timing = page.evaluate(
        """(url) => performance.getEntriesByType("resource")
            .filter((e) => e.initiatorType === "img" && e.name.endsWith(url))
            .map((e) => [e.startTime, e.responseEnd])""",
        final,
    )
    request_start, request_end = timing[-1]
    return Gesture(
        steps=len(record["notches"]),
        seconds=(record["notches"][-1][0] - record["notches"][0][0]) / 1000,
        events=len(record["sets"]),
        renders=len(stats["renders"]),
        peak=int(stats["peak"]),
        notches=to_preview(record),
        last_to_sharp=(shown - last) / 1000,
        waited=(last_set - last) / 1000,
        callback=(answer - last_set) / 1000,
        loading=(request_start - answer) / 1000,
        final_request=(request_end - request_start) / 1000,
        after_request=(shown - request_end) / 1000,
    )


def measure(
    rounds: int, steps: int, seconds: float, notches: int
) -> tuple[list[Gesture], list[Notch]]:
    from . import chromium

    gestures: list[Gesture] = []
    singles: list[Notch] = []
    with chromium.gunicorn_page(APP, THREADS, LATENCY_MS, TIMEOUT_MS) as (server, page):
        # Round -1 warms up, untimed: connections, compiled code.
        for round_ in range(-1, rounds):
            base = STRIDE * 2 * (round_ + 1)
            done = gesture(page, server, base, steps, seconds)
            each = max(1, notches // rounds)
            found = single_notches(page, server, base + STRIDE, each)
            if round_ >= 0:
                gestures.append(done)
                singles.extend(found)
    return gestures, singles


def run(quick: bool) -> common.Report:
    """Chromium, 50 ms round trips: wheel notches to their preview, and a
    40-step wheel gesture over a 150 ms render."""
    if quick:
        gestures, singles = measure(1, 10, 0.5, 5)
    else:
        gestures, singles = measure(ROUNDS, STEPS, GESTURE_SECONDS, NOTCHES)
    return report(gestures, singles)


def report(gestures: list[Gesture], singles: list[Notch]) -> common.Report:
    during = [n for g in gestures for n in g.notches]

    def spread(values: list[int]) -> str:
        low, high = min(values), max(values)
        return str(low) if low == high else f"{low}-{high}"

    def ms(values: t.Iterable[float]) -> str:
        return f"{common.median(list(values)) * 1000:.0f}"

    def frames(notches: list[Notch]) -> list[str]:
        counts = [n.frames for n in notches]
        return [
            str(len(notches)),
            f"{common.median(counts):g}",
            str(max(counts)),
            f"{sum(c == 1 for c in counts)}/{len(counts)}",
            f"{common.median([n.ms for n in notches]):.1f}",
            f"{max(n.ms for n in notches):.1f}",
        ]

    preview = common.table(
        [
            "notches",
            "count",
            "frames median",
            "frames max",
            "in the next frame",
            "ms median",
            "ms max",
        ],
        [
            ["one at a time, from rest", *frames(singles)],
            ["during gestures", *frames(during)],
        ],
    )
    rows = [
        [
            str(i + 1),
            str(g.steps),
            f"{g.seconds:.2f}",
            str(g.events),
            str(g.renders),
            str(g.peak),
            f"{g.last_to_sharp * 1000:.0f}",
            f"{g.waited * 1000:.0f}",
            f"{g.callback * 1000:.0f}",
            f"{g.loading * 1000:.0f}",
            f"{g.final_request * 1000:.0f}",
            f"{g.after_request * 1000:.0f}",
        ]
        for i, g in enumerate(gestures)
    ]
    table = common.table(
        [
            "gesture",
            "notches",
            "s",
            "events set",
            "renders",
            "worker at once",
            "last notch to sharp ms",
            "waited ms",
            "callback ms",
            "in flight ms",
            "final request ms",
            "to load ms",
        ],
        rows,
    )
    budget = RENDER_SECONDS + LATENCY_MS / 1000
    text = (
        f"Chromium with {LATENCY_MS} ms of emulated latency; a"
        f" {RENDER_SECONDS * 1000:.0f} ms render; gunicorn, one gthread worker"
        f" with {THREADS} threads; the view turned into the next one by a"
        " server callback (next_view).\n\n"
        "From a notch to the first frame that shows its preview (1: the very"
        " next frame; read before paint), and from the wheel event's"
        " timeStamp to that frame's start:\n\n"
        + preview
        + "\n\nEach gesture: the notches and how long they took; the events the"
        " page set (the steps that come before the app has answered the event"
        " before them go as one); the renders the worker ran and the most"
        " picture requests it answered at once; from the last notch to the"
        " final picture's load, and its parts: from the last notch to its"
        " event (waiting for the app's answer to the one before), the"
        " callback (the event's round trip to the server callback, until the"
        " page has the next view's URL), the picture in flight (the URL waits"
        " for it: one request at a time), the final picture's request (one"
        " render plus one round trip), and from its response to its load."
        "\n\n" + table + "\n"
    )
    goals = [
        common.Goal(
            "explore: frames from a wheel notch to its preview (most)",
            float(max(n.frames for n in singles + during)),
            1.0,
        ),
        common.Goal(
            "explore: picture requests in flight at once in a 40-step wheel"
            " gesture (most)",
            float(max(g.peak for g in gestures)),
            1.0,
        ),
        common.Goal(
            "explore: renders / steps of a wheel gesture (most)",
            max(g.renders / g.steps for g in gestures),
            1 / 3,
        ),
        common.Goal(
            "explore: last wheel notch to the sharp picture / (one render + one"
            f" round trip: {budget * 1000:.0f} ms), median",
            common.median([g.last_to_sharp for g in gestures]) / budget,
            1.0,
        ),
    ]
    notes = [
        (
            "explore: last notch to sharp, median (to its event / callback /"
            " picture in flight / final request) ms",
            f"{ms(g.last_to_sharp for g in gestures)} ({ms(g.waited for g in gestures)}"
            f" / {ms(g.callback for g in gestures)} /"
            f" {ms(g.loading for g in gestures)} /"
            f" {ms(g.final_request for g in gestures)})",
        ),
        (
            "explore: last notch to sharp, longest ms",
            f"{max(g.last_to_sharp for g in gestures) * 1000:.0f}",
        ),
        (
            "explore: notch to preview painted, median ms (from the event)",
            f"{common.median([n.ms for n in singles + during]):.1f}",
        ),
        ("explore: renders per gesture", spread([g.renders for g in gestures])),
    ]
    text += "\n" + common.table(["figure without a goal", "figure"], notes)
    return common.Report(
        "explore",
        "Chromium: wheel notches to their preview, and a wheel gesture to its"
        " sharp picture",
        text,
        goals=goals,
        notes=notes,
    )


if __name__ == "__main__":
    common.main(run)
