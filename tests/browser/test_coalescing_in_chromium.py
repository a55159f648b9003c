"""Coalescing in Chromium: a burst of changes to a slow picture (150 ms) makes
one request at a time per image, never asks for a value that was already
superseded, and ends on the picture of the final value, with Dash's own
``src`` in step."""

from __future__ import annotations

import itertools
import threading
import time
import typing as t
from urllib.parse import parse_qs, urlsplit

import flask
import pytest
from dash import ALL, MATCH, Input, Output, State, dcc, html
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .helpers import allow_console_errors, image_selector, page_log

pytestmark = pytest.mark.browser

RENDER_SECONDS = 0.15
#: Milliseconds between two changes of a burst: faster than a picture.
EVERY_MS = 40
#: Milliseconds from the page script's learning of an image's values to the
#: start of a request it already had in hand (Dash's renderer commits what
#: the script set a little later): a request may carry the values before
#: ones learned this recently, never older ones.
REACH_MS = 30


class Renders:
    """The generator's calls: ``(key, value, start, end)``, server's clock."""

    def __init__(self) -> None:
        self.calls: list[tuple[t.Any, t.Any, float, float]] = []
        self._lock = threading.Lock()

    def draw(self, key: t.Any, value: t.Any) -> None:
        start = time.monotonic()
        time.sleep(RENDER_SECONDS)
        with self._lock:
            self.calls.append((key, value, start, time.monotonic()))

    def of(self, key: t.Any = None) -> list[tuple[t.Any, float, float]]:
        with self._lock:
            calls = sorted(self.calls, key=lambda call: call[2])
        return [(v, s, e) for k, v, s, e in calls if key is None or k == key]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()


@pytest.fixture
def renders() -> Renders:
    return Renders()


# Sets the input to each value in turn, EVERY_MS apart, as a drag would;
# resolves to [value, performance.now()] per change.
BURST = """async ([id, values, every]) => {
    const log = [];
    for (const value of values) {
        log.push([value, performance.now()]);
        window.dash_clientside.set_props(id, {value: value});
        await new Promise((resolve) => setTimeout(resolve, every));
    }
    return log;
}"""

# Records, from now on, each value the page script learns for an image (from
# the URL function or the relay of server-built URLs): [src, time].
LEARN = """() => {
    const images = window.dashImages;
    const hold = images.hold;
    window.__learned = [];
    images.hold = function (id, props) {
        window.__learned.push([props.src, performance.now()]);
        return hold.apply(this, arguments);
    };
}"""


# The page's image requests, from Resource Timing: [url, start, end].
REQUESTS = """() => performance.getEntriesByType("resource")
    .filter((e) => e.name.includes("/image_generator/"))
    .map((e) => [e.name, e.startTime, e.responseEnd])"""


# Each image's state as the page has it: src, srcset, loading state, natural size.
SHOWN = """(selectors) => selectors.map((s) => {
    const img = document.querySelector(s);
    return img && [img.getAttribute("src"), img.getAttribute("srcset"),
        img.getAttribute("data-dash-images-state"), img.complete,
        img.naturalWidth, img.naturalHeight, img.currentSrc];
})"""


def burst(page: t.Any, component: t.Any, values: list[t.Any]) -> list[t.Any]:
    return t.cast(list[t.Any], page.evaluate(BURST, [component, values, EVERY_MS]))


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def assert_one_at_a_time(calls: list[tuple[t.Any, float, float]]) -> None:
    """No call of the generator began before the one before it ended."""
    for (_, _, end), (value, start, _) in itertools.pairwise(calls):
        assert start >= end, f"the render of {value} overlapped the one before it"


def assert_only_latest_values_asked_for(
    requests: list[tuple[str, float, float]],
    learned: list[tuple[str, float]],
    key: str,
) -> None:
    """Each request (after the first) starts once the one before it has
    ended, and asks for the latest values the page script had for its
    image: none it learned more than REACH_MS before the request started
    was newer. (With URLs built on the server, the script learns a value
    when the server's answer arrives.)"""
    for (_, _, end), (url, start, _) in itertools.pairwise(requests):
        assert start >= end - 1, f"{url} was asked for before the last one ended"
    for url, start, _ in requests:
        value = query(url)[key]
        known = [(query(src)[key], at) for src, at in learned if at <= start]
        mine = [i for i, (v, _) in enumerate(known) if v == value]
        if not mine:
            continue  # the page's first picture
        stale = [v for v, at in known[mine[-1] + 1 :] if at < start - REACH_MS]
        assert not stale, f"{url} was asked for after {stale[0]} was known"


#: Where the URLs are built: the callback's options and the app's config.
BUILT = {
    "in the browser": ({}, {}),
    "on the server": ({"clientside": False}, {}),
    "signed on the server": ({}, {"SECRET_KEY": "k", "DASH_IMAGES_SIGN": True}),
}


@pytest.mark.parametrize("built", BUILT)
def test_a_burst_of_changes_asks_for_one_picture_at_a_time(
    dash_factory, images, renders, open_app, built
):
    options, config = BUILT[built]
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Input(id="n", type="number", value=0),
                html.Img(id="pic"),
                html.Div(id="echo"),
            ]
        ),
        config,
    )

    @images.callback(Output("pic", "src"), Input("n", "value"), **options)
    def draw(n):
        renders.draw("pic", n)
        return Image.new("RGB", (n + 1, 3), (200, 10 * (n % 25), 0))

    # Dash's own src: what other callbacks see.
    @dash_app.callback(Output("echo", "children"), Input("pic", "src"))
    def echo(src):
        return src

    page = open_app(dash_app)
    page.wait_for_function("document.querySelector('#pic').naturalWidth === 1")
    renders.clear()
    page.evaluate("performance.clearResourceTimings()")
    page.evaluate(LEARN)
    values = list(range(1, 41))
    log = burst(page, "n", values)

    page.wait_for_function(
        "document.querySelector('#pic').complete"
        " && document.querySelector('#pic').naturalWidth === 41"
    )
    src = page.get_attribute("#pic", "src")
    assert query(src)["n"] == "40"
    page.wait_for_function(
        "(src) => document.querySelector('#echo').textContent === src", arg=src
    )
    # The pixels are the final value's.
    colour = page.evaluate(
        """() => {
            const img = document.querySelector('#pic');
            const canvas = document.createElement('canvas');
            canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
            const context = canvas.getContext('2d');
            context.drawImage(img, 0, 0);
            return Array.from(context.getImageData(0, 0, 1, 1).data);
        }"""
    )
    assert colour == [200, 10 * (40 % 25), 0, 255]

    calls = renders.of("pic")
    assert_one_at_a_time(calls)
    drawn = [value for value, _, _ in calls]
    # Far fewer pictures than changes: one per render time, and the last.
    seconds = (log[-1][1] - log[0][1]) / 1000
    assert len(drawn) <= seconds / RENDER_SECONDS + 2, drawn
    assert drawn == sorted(drawn) and drawn[-1] == 40
    requests = page.evaluate(REQUESTS)
    assert [int(query(url)["n"]) for url, _, _ in requests] == drawn
    learned = page.evaluate("window.__learned")
    assert_only_latest_values_asked_for(requests, learned, "n")
    # Every picture asked for arrived: none was started and dropped.
    pictures = page_log(page).image_responses()
    assert [status for status, _ in pictures[-len(drawn) :]] == [200] * len(drawn)


@pytest.mark.parametrize("built", BUILT)
def test_all_pictures_with_hidpi_each_ask_for_one_at_a_time(
    dash_factory, images, renders, open_app, built
):
    options, config = BUILT[built]
    count = 3
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id="n", type="number", value=0)]
            + [dcc.Input(id={"t": "k", "i": i}, value=i) for i in range(count)]
            + [html.Img(id={"t": "img", "i": i}) for i in range(count)]
        ),
        config,
    )

    @images.callback(
        Output({"t": "img", "i": ALL}, "src"),
        Input("n", "value"),
        State({"t": "k", "i": ALL}, "value"),
        hidpi=True,
        **options,
    )
    def draw(n, k, *, scale):
        renders.draw(k, n)
        return Image.new("L", ((n + 1) * scale, (k + 1) * scale), 90)

    page = open_app(dash_app)
    selectors = [image_selector({"t": "img", "i": i}) for i in range(count)]
    for selector in selectors:
        page.wait_for_function(
            "(s) => document.querySelector(s).naturalWidth === 1", arg=selector
        )
    renders.clear()
    page.evaluate("performance.clearResourceTimings()")
    page.evaluate(LEARN)
    log = burst(page, "n", list(range(1, 31)))

    for i, selector in enumerate(selectors):
        try:
            page.wait_for_function(
                "([s, w, h]) => { const img = document.querySelector(s);"
                " return img.complete && img.naturalWidth === w"
                " && img.naturalHeight === h; }",
                arg=[selector, 31, i + 1],
            )
        except PlaywrightTimeout:
            # What the page shows, learned and asked for, and what was drawn.
            raise AssertionError(
                {
                    "images": page.evaluate(SHOWN, selectors),
                    "learned": page.evaluate("window.__learned")[-6:],
                    "requests": page.evaluate(REQUESTS)[-6:],
                    "drawn": [renders.of(k)[-3:] for k in range(count)],
                }
            ) from None
        src = page.get_attribute(selector, "src")
        values = {k: v for k, v in query(src).items() if k != "_sig"}
        assert values == {"n": "30", "k": str(i), "scale": "1"}
        srcset = page.get_attribute(selector, "srcset")
        assert query(srcset.removesuffix(" 2x"))["scale"] == "2"
    seconds = (log[-1][1] - log[0][1]) / 1000
    requests = page.evaluate(REQUESTS)
    learned = page.evaluate("window.__learned")
    for i in range(count):
        calls = renders.of(i)
        assert_one_at_a_time(calls)
        drawn = [value for value, _, _ in calls]
        assert len(drawn) <= seconds / RENDER_SECONDS + 2, drawn
        assert drawn == sorted(drawn) and drawn[-1] == 30
        own = [r for r in requests if query(r[0])["k"] == str(i)]
        known = [(src, at) for src, at in learned if query(src)["k"] == str(i)]
        assert_only_latest_values_asked_for(own, known, "n")


def test_a_failed_picture_lets_the_latest_values_through(
    dash_factory, images, renders, open_app
):
    dash_app = dash_factory(
        html.Div([dcc.Input(id="n", type="number", value=0), html.Img(id="pic")])
    )

    @images.callback(Output("pic", "src"), Input("n", "value"))
    def draw(n):
        renders.draw("pic", n)
        if n == 1:
            raise ValueError("no picture for 1")
        return Image.new("L", (n + 1, 2), 50)

    page = open_app(dash_app)
    allow_console_errors(page, "status of 500")
    page.wait_for_function("document.querySelector('#pic').naturalWidth === 1")
    renders.clear()
    burst(page, "n", list(range(1, 11)))
    page.wait_for_function("document.querySelector('#pic').naturalWidth === 11")
    drawn = [value for value, _, _ in renders.of("pic")]
    assert drawn[0] == 1 and drawn[-1] == 10 and len(drawn) < 10
    assert_one_at_a_time(renders.of("pic"))
    assert page.get_attribute("#pic", "data-dash-images-state") == "loaded"


def slider_and_image(maximum: int, **style: str) -> html.Div:
    """A slider ``x`` from 0 to ``maximum`` that updates while dragged, and
    the image ``pic``."""
    slider = dcc.Slider(
        id="x", min=0, max=maximum, step=1, value=0, marks=None, updatemode="drag"
    )
    return html.Div([slider, html.Img(id="pic")], style=style)


def test_slider_key_presses_ask_for_one_picture_at_a_time(
    dash_factory, images, renders, open_app
):
    dash_app = dash_factory(slider_and_image(30))

    @images.callback(Output("pic", "src"), Input("x", "value"))
    def draw(x):
        renders.draw("pic", x)
        return Image.new("L", (x + 1, 2), 50)

    page = open_app(dash_app)
    page.wait_for_function("document.querySelector('#pic').naturalWidth === 1")
    renders.clear()
    page.focus("#x [role='slider']")
    for _ in range(30):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(EVERY_MS)
    page.wait_for_function("document.querySelector('#pic').naturalWidth === 31")
    calls = renders.of("pic")
    assert_one_at_a_time(calls)
    drawn = [value for value, _, _ in calls]
    assert len(drawn) <= 15 and drawn[-1] == 30, drawn


def test_with_coalescing_off_every_change_asks_for_its_picture(
    dash_factory, images, renders, open_app
):
    dash_app = dash_factory(
        html.Div([dcc.Input(id="n", type="number", value=0), html.Img(id="pic")])
    )

    @images.callback(Output("pic", "src"), Input("n", "value"))
    def draw(n):
        renders.draw("pic", n)
        return Image.new("L", (n + 1, 2), 50)

    page = open_app(dash_app)
    page.wait_for_function("document.querySelector('#pic').naturalWidth === 1")
    page.evaluate("window.dashImages.coalesce = false")
    renders.clear()
    burst(page, "n", list(range(1, 11)))
    page.wait_for_function("document.querySelector('#pic').naturalWidth === 11")
    # The old way: every value is drawn, many at once.
    page.wait_for_timeout(RENDER_SECONDS * 1000 + 100)
    assert sorted(value for value, _, _ in renders.of("pic")) == list(range(1, 11))


#: The longest the first picture of a drag is held back: it is answered only
#: after the drag has ended (however slow a loaded machine makes the drag),
#: so it is still loading at the release.
HELD_SECONDS = 10.0


@pytest.mark.parametrize("built", BUILT)
def test_the_end_of_a_drag_asks_for_its_picture_at_once(
    dash_factory, images, open_app, built
):
    options, config = BUILT[built]
    dash_app = dash_factory(slider_and_image(20, width="420px"), config)
    drawn = []
    released = threading.Event()

    @images.callback(Output("pic", "src"), Input("x", "value"), **options)
    def draw(x):
        drawn.append(x)
        if x == 1:
            released.wait(HELD_SECONDS)
        return Image.new("L", (x + 1, 2), 50)

    page = open_app(dash_app)
    page.wait_for_function("document.querySelector('#pic').naturalWidth === 1")
    drawn.clear()
    before = len(page_log(page).image_responses())
    failed: list[tuple[str, str | None]] = []
    page.on("requestfailed", lambda r: failed.append((r.url, r.failure)))
    track = page.locator("#x .dash-slider-root").bounding_box()
    y = track["y"] + track["height"] / 2

    def at(step: int) -> float:
        return float(track["x"] + 0.5 + (track["width"] - 1) * step / 20)

    # Eight steps: the first step's picture is still loading at the release
    # (it is held until then), the later steps wait.
    page.mouse.move(at(0), y)
    page.mouse.down()
    page.mouse.move(at(1), y)
    page.wait_for_function(
        "document.querySelector('#pic').getAttribute('src').includes('x=1')"
    )
    for step in range(2, 9):
        page.mouse.move(at(step), y)
        page.wait_for_timeout(EVERY_MS)
    page.mouse.up()
    try:
        page.wait_for_function("document.querySelector('#pic').naturalWidth === 9")
    finally:
        released.set()
    assert query(page.get_attribute("#pic", "src"))["x"] == "8"
    # The final picture was asked for in place of the stale one, whose
    # request the browser cancelled: nothing between them was asked for.
    answered = page_log(page).image_responses()[before:]
    assert [int(query(url)["x"]) for _, url in answered] == [8], answered
    assert [(int(query(url)["x"]), why) for url, why in failed] == [
        (1, "net::ERR_ABORTED")
    ]
    # The server had started the stale render; it ran to its end, unseen.
    assert drawn[0] == 1 and drawn[-1] == 8 and len(drawn) == 2, drawn


@pytest.mark.parametrize("output", ["ALL", "MATCH", "one"])
def test_a_late_answer_for_older_values_never_wins(
    dash_factory, images, renders, open_app, output
):
    # URLs built on the server (signed): the answer for n=2 comes back
    # after the one for n=3 (another thread, a slower worker). Dash keeps the
    # later answer of a pattern-matching callback, whatever it answers.
    count = 2 if output != "one" else 1
    ids = [{"t": "img", "i": i} for i in range(count)] if output != "one" else ["pic"]
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id="n", type="number", value=0)]
            + [dcc.Input(id={"t": "k", "i": i}, value=i) for i in range(count)]
            + [html.Img(id=i) for i in ids]
        ),
        {"SECRET_KEY": "k", "DASH_IMAGES_SIGN": True},
    )
    if output == "ALL":
        dependencies = (
            Output({"t": "img", "i": ALL}, "src"),
            Input("n", "value"),
            State({"t": "k", "i": ALL}, "value"),
        )
    elif output == "MATCH":
        dependencies = (
            Output({"t": "img", "i": MATCH}, "src"),
            Input("n", "value"),
            State({"t": "k", "i": MATCH}, "value"),
        )
    else:
        dependencies = (
            Output("pic", "src"),
            Input("n", "value"),
            State({"t": "k", "i": 0}, "value"),
        )

    @images.callback(*dependencies)
    def draw(n, k):
        return Image.new("L", (n + 1, k + 1), 90)

    @dash_app.server.before_request
    def late():
        body = flask.request.get_json(silent=True) or {}
        first = (body.get("inputs") or [{}])[0]
        if isinstance(first, dict) and first.get("value") == 2:
            time.sleep(0.5)

    page = open_app(dash_app)
    selectors = [image_selector(i) for i in ids]
    for selector in selectors:
        page.wait_for_function(
            "(s) => document.querySelector(s).naturalWidth === 1", arg=selector
        )
    burst(page, "n", [1, 2, 3])
    page.wait_for_timeout(1500)  # the late answer is in
    for i, selector in enumerate(selectors):
        page.wait_for_function(
            "([s, w, h]) => { const img = document.querySelector(s);"
            " return img.complete && img.naturalWidth === w"
            " && img.naturalHeight === h; }",
            arg=[selector, 4, i + 1],
        )
        assert query(page.get_attribute(selector, "src"))["n"] == "3"
