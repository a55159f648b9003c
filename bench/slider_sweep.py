"""8. In Chromium, with 50 ms round trips: a ``dcc.Slider`` swept over 20
positions and back, twice (80 changes), one picture per position, for four
ways of serving it, in one page, taking turns.

The ways, each with its own slider and ``<img>`` (the same 400x300
:func:`~bench.pictures.line` picture, PNG with the library's settings):

- ``ours, max_age=60``: :func:`image_callback` as the README advises for a
  picture that depends only on its inputs (``deterministic=True,
  max_age=60``), the URL built in the browser (the default): one GET per new
  position, revisits served from the browser's cache;
- ``ours, no max_age``: the default without ``max_age``
  (``deterministic=True``, ``Cache-Control: private, no-cache``): a browser
  must revalidate before reusing a picture (a 304), yet within one page
  Chromium shows a picture again without asking while its memory cache
  still holds it, and revalidates only once a garbage collection has
  dropped it: the table of requests tells which happened;
- ``Dash base64``: a plain ``@app.callback`` returning a ``data:`` URI;
- ``two trips``: ``clientside=False`` with ``deterministic=True,
  max_age=60``: the Dash POST that builds the URL, then the GET (revisits:
  the POST, then the browser's cache).

What is timed: the whole sweep, from the first input to the last picture
decoded, by ``performance.now()`` in the page. The sweep runs in the page
itself, so no Playwright round trip sits between steps: an ``ArrowRight``
(or ``ArrowLeft``) ``keydown`` on the slider's handle, the event a keyboard
user's press sends, moves it one position; then the page waits until the
``<img>``'s ``src`` is the one expected for that position (the URL with that
value, or the exact ``data:`` URI) and ``img.decode()`` has resolved, as a
user stepping through would see each picture, and only then takes the next
step.

Latency: Chromium (Debian's, driven by Playwright) adds 50 ms to every
request through CDP (``Network.emulateNetworkConditions``), like
:mod:`bench.browser_latency`; answers from the browser's cache pay none. The
Dash app is served by werkzeug's threaded server on 127.0.0.1.

Rounds: after an untimed warm-up (connections opened, code compiled), each
round reloads the page with sliders over values no round has seen before, so
every round starts with empty browser and server caches for its pictures,
then sweeps each way once, in the given order on even rounds and reversed on
odd ones. A round's ratio is a way's total over Dash base64's total in that
round; medians and 90th percentiles of totals and ratios are reported, then
the median step to a new position and back to one already shown, and the
requests each sweep made (counted by a WSGI middleware in the server).
A full run: 8 rounds, fewer if 140 s have passed (3 at least), about 3
minutes; ``--quick``: 2 rounds over 5 positions.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import logging
import threading
import time
import typing as t

import dash
from dash import Input, Output, dcc, html
from PIL import Image

from flask_dash_images import image_callback
from tests.servers import LiveServer

from . import chromium, common, pictures
from .apps import data_url

LATENCY_MS = 50
#: Positions past the first; the sweep is there and back, :data:`PASSES` times.
POSITIONS = 20
PASSES = 2
WIDTH, HEIGHT = 400, 300
#: Rounds of a full run, and the wall-clock seconds after which it stops
#: early (after 3 rounds at least): a round takes about 20 s.
ROUNDS = 8
BUDGET_SECONDS = 140.0
#: Round ``r``'s sliders run over ``STRIDE * r + (0 .. POSITIONS)``.
STRIDE = 100
#: Milliseconds one step may take in the page before the run fails.
STEP_TIMEOUT_MS = 10_000
#: The generator's parameter: the query key of the picture's URL.
PARAM = "value"

BASE = "native"
#: Element id prefix -> label; the order of the even rounds.
VARIANTS = {
    "cached": "ours, max_age=60",
    "revalidated": "ours, no max_age",
    "native": "Dash base64",
    "trips": "two trips, max_age=60",
}
OPTIONS: dict[str, dict[str, t.Any]] = {
    "cached": {"deterministic": True, "max_age": 60},
    "revalidated": {"deterministic": True},
    "trips": {"deterministic": True, "max_age": 60, "clientside": False},
}

# Runs the sweep in the page; resolves to its start and when each step ended
# (performance.now(), milliseconds).
SWEEP = """async ({prefix, steps, param, timeout}) => {
    const image = () => document.getElementById(prefix + "-img");
    const handle = () => document.querySelector(`#${prefix}-slider [role="slider"]`);
    const shows = (want) => {
        const src = image().getAttribute("src") || "";
        if (typeof want === "string") return src === want;
        if (!src || src.startsWith("data:")) return false;
        return new URL(src, location.href).searchParams.get(param) === String(want);
    };
    const srcBecomes = (want) => new Promise((resolve, reject) => {
        if (shows(want)) { resolve(); return; }
        const observer = new MutationObserver(() => {
            if (shows(want)) { observer.disconnect(); clearTimeout(timer); resolve(); }
        });
        const timer = setTimeout(() => {
            observer.disconnect();
            reject(new Error(`${prefix}: src is ${image().getAttribute("src")},`
                + ` not the picture of ${String(want).slice(0, 40)}`));
        }, timeout);
        observer.observe(image(), {attributes: true, attributeFilter: ["src"]});
    });
    const start = performance.now();
    const ends = [];
    for (const [key, want] of steps) {
        handle().dispatchEvent(new KeyboardEvent("keydown",
            {key, code: key, bubbles: true, cancelable: true}));
        await srcBecomes(want);
        await image().decode();
        ends.push(performance.now());
    }
    return {start, ends};
}"""
# True once every slider has its handle and every image shows the decoded
# picture it should.
READY = """({wants, param}) => wants.every(([prefix, want]) => {
    if (!document.querySelector(`#${prefix}-slider [role="slider"]`)) return false;
    const img = document.getElementById(prefix + "-img");
    const src = img && img.getAttribute("src");
    if (!src || !img.complete || img.naturalWidth === 0) return false;
    if (typeof want === "string") return src === want;
    return new URL(src, location.href).searchParams.get(param) === String(want);
})"""


def picture(value: int) -> Image.Image:
    """The line to the slider's position; each round's pictures its own."""
    round_, position = divmod(value, STRIDE)
    return pictures.line(20 + 18 * position, 30 + 9 * (round_ % 30), WIDTH, HEIGHT)


class Base:
    """The first value of the sliders in the page that loads next."""

    value = 0


def slider_app(base: Base) -> dash.Dash:
    """One slider and one image per way of :data:`VARIANTS`."""
    app = dash.Dash(__name__)

    def layout() -> html.Div:
        return html.Div(
            [
                html.Div(
                    [
                        dcc.Slider(
                            id=f"{prefix}-slider",
                            min=base.value,
                            max=base.value + POSITIONS,
                            step=1,
                            value=base.value,
                            marks=None,
                            allow_direct_input=False,
                        ),
                        html.Img(id=f"{prefix}-img", width=WIDTH, height=HEIGHT),
                    ]
                )
                for prefix in VARIANTS
            ]
        )

    app.layout = layout

    def draw(value: int) -> Image.Image:
        return picture(value)

    for prefix, options in OPTIONS.items():
        image_callback(
            app,
            Output(f"{prefix}-img", "src"),
            Input(f"{prefix}-slider", "value"),
            name=prefix,
            **options,
        )(draw)

    @app.callback(Output("native-img", "src"), Input("native-slider", "value"))
    def native(value: int) -> str:
        return data_url(picture(value))

    return app


class RequestCounter:
    """WSGI middleware: answers by kind (``post``, ``200``, ``304``, ...)."""

    def __init__(self, app: t.Any) -> None:
        self.app = app
        self.counts: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        path = environ.get("PATH_INFO", "")
        if path.endswith("/_dash-update-component"):
            kind = "post"
        elif "/image_generator/" in path:
            kind = "picture"
        else:
            return self.app(environ, start_response)

        def start(status: str, headers: t.Any, exc_info: t.Any = None) -> t.Any:
            with self._lock:
                self.counts[kind if kind == "post" else status[:3]] += 1
            return start_response(status, headers, exc_info)

        return self.app(environ, start)

    def snapshot(self) -> collections.Counter[str]:
        with self._lock:
            return collections.Counter(self.counts)


def steps(prefix: str, base: int, positions: int) -> list[tuple[str, t.Any]]:
    """``(key, expected picture)`` for each change of a sweep."""
    path = [*range(1, positions + 1), *range(positions - 1, -1, -1)] * PASSES
    keys = ["ArrowRight"] * positions + ["ArrowLeft"] * positions
    return [
        (key, want(prefix, base + position))
        for key, position in zip(keys * PASSES, path, strict=True)
    ]


def want(prefix: str, value: int) -> t.Any:
    """What the image's src must be: the URL's value, or the data: URI."""
    return data_url(picture(value)) if prefix == "native" else value


@dataclasses.dataclass
class Results:
    """Per way (by label): each sweep's seconds, the seconds of its steps to
    positions not yet shown (``new``) and to positions shown before
    (``revisit``), and the server's answers during each sweep."""

    totals: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    new: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    revisit: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    answers: dict[str, list[collections.Counter[str]]] = dataclasses.field(
        default_factory=dict
    )

    def add(
        self,
        label: str,
        start: float,
        ends: list[float],
        positions: int,
        answers: collections.Counter[str],
    ) -> None:
        seconds = [(b - a) / 1000 for a, b in itertools.pairwise([start, *ends])]
        self.totals.setdefault(label, []).append((ends[-1] - start) / 1000)
        # The first pass out shows new positions; every later step comes
        # back to one shown before (position 0 was shown by the page load).
        self.new.setdefault(label, []).extend(seconds[:positions])
        self.revisit.setdefault(label, []).extend(seconds[positions:])
        self.answers.setdefault(label, []).append(answers)


def measure(
    base: Base, counter: RequestCounter, url: str, rounds: int, positions: int
) -> Results:
    """Sweep each way once per round, taking turns, in one page."""
    results = Results()
    with chromium.slow_page(LATENCY_MS, STEP_TIMEOUT_MS * 3) as page:
        deadline = time.perf_counter() + BUDGET_SECONDS
        # Round -1 warms up, untimed (one step out and back each):
        # connections opened, the page's code compiled.
        for round_ in range(-1, rounds):
            base.value = STRIDE * (round_ + 1)
            load(page, url, base.value)
            names = list(VARIANTS)
            for prefix in names if round_ % 2 == 0 else names[::-1]:
                sweep = steps(prefix, base.value, positions)
                if round_ < 0:
                    sweep = sweep[:1] + sweep[positions * 2 - 1 : positions * 2]
                before = counter.snapshot()
                start, ends = run_sweep(page, prefix, sweep)
                if round_ >= 0:
                    answers = counter.snapshot() - before
                    results.add(VARIANTS[prefix], start, ends, positions, answers)
            if round_ >= 2 and time.perf_counter() > deadline:
                break
    return results


def load(page: t.Any, url: str, value: int) -> None:
    """Open the page (sliders from ``value``); return once every picture shows."""
    page.goto(url + "/")
    wants = [[prefix, want(prefix, value)] for prefix in VARIANTS]
    page.wait_for_function(READY, arg={"wants": wants, "param": PARAM})


def run_sweep(
    page: t.Any, prefix: str, sweep: list[tuple[str, t.Any]]
) -> tuple[float, list[float]]:
    """The sweep's start and the end of each step, in the page's milliseconds."""
    arg = {"prefix": prefix, "steps": sweep, "param": PARAM, "timeout": STEP_TIMEOUT_MS}
    result = page.evaluate(SWEEP, arg)
    return float(result["start"]), [float(end) for end in result["ends"]]


def run(quick: bool) -> common.Report:
    """Chromium, 50 ms round trips: a slider swept there and back, twice."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    positions = 5 if quick else POSITIONS
    base = Base()
    app = slider_app(base)
    counter = RequestCounter(app.server.wsgi_app)
    app.server.wsgi_app = counter  # type: ignore[method-assign]
    server = LiveServer(app)
    try:
        results = measure(base, counter, server.url, 2 if quick else ROUNDS, positions)
    finally:
        server.close()
    return report(results, positions)


def report(results: Results, positions: int) -> common.Report:
    base = VARIANTS[BASE]
    totals = results.totals
    changes = 2 * positions * PASSES
    timing = common.table(
        common.TIMING_HEADERS + common.RATIO_HEADERS,
        common.timing_rows(totals, base=base),
    )
    kinds = {"200": "pictures 200", "304": "pictures 304", "post": "Dash POSTs"}

    def spread(label: str, kind: str | None) -> str:
        counts = [
            count[kind]
            if kind is not None
            else sum(n for k, n in count.items() if k not in kinds)
            for count in results.answers[label]
        ]
        low, high = min(counts), max(counts)
        return str(low) if low == high else f"{low}-{high}"

    steps_table = common.table(
        ["variant", "new ms", "revisit ms", *kinds.values(), "other"],
        [
            [
                label,
                common.ms(common.median(results.new[label])),
                common.ms(common.median(results.revisit[label])),
                *(spread(label, kind) for kind in kinds),
                spread(label, None),
            ]
            for label in totals
        ],
    )
    text = (
        f"line picture {WIDTH}x{HEIGHT}, {LATENCY_MS} ms round trips emulated;"
        f" a dcc.Slider over {positions} positions and back, {PASSES} times:"
        f" {changes} changes per sweep; time from the first input to the last"
        f" picture decoded, {len(totals[base])} sweeps each, taking turns;"
        f" ratio = variant / Dash base64\n\n"
        + timing
        + f"\n\nper change: the median step to a new position ({positions} per"
        f" sweep) and back to one shown before ({changes - positions} per sweep);"
        " the requests the server answered per sweep (min-max over the sweeps)\n\n"
        + steps_table
    )

    def ratio(label: str) -> float:
        return common.median(common.ratios(totals, label, base))

    def versus(label: str) -> str:
        return (
            f"{ratio(label):.3f}x ({common.median(totals[label]):.2f} vs"
            f" {common.median(totals[base]):.2f} s)"
        )

    what = f"Chromium, 50 ms RTT, slider sweep ({changes} changes), {{}} / Dash base64"
    cached = VARIANTS["cached"]
    goal = common.Goal(what.format(cached), ratio(cached), 0.6)
    notes = [
        (what.format(label), versus(label))
        for prefix, label in VARIANTS.items()
        if prefix not in ("cached", BASE)
    ]
    return common.Report(
        "slider_sweep",
        "Chromium: a slider swept there and back twice, 50 ms round trips",
        text,
        goals=[goal],
        notes=notes,
    )


if __name__ == "__main__":
    common.main(run)
