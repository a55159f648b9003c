"""Exploring like a map in Chromium: the wheel zooms around the pointer and
a pan moves the picture with the drag, in the preview at once and in the
sharp picture that follows (the point under the pointer stays under it,
to one CSS pixel, measured on screen); touch pans and pinches; the
preview never outlives the sharp picture, nor does an older picture show
after a newer one; a 40-step wheel gesture makes one picture request at a
time and renders at most a third of its steps.

The picture is an Extent of 600 x 400 pixels over the app's view (at
first x 0..15, y -5..5), white, with a red disc at the data point (6, 1)
and a blue one at (9, -2); the app turns each event into the next view
(flask_dash_images.next_view) in a dcc.Store that the image callback draws.
(The page's maths: tests/test_wheel_pan_js.py.)
"""

from __future__ import annotations

import io
import itertools
import json
import threading
import time

import numpy as np
import pytest
from dash import Input, Output, State, ctx, dcc, html
from PIL import Image

from flask_dash_images import Extent, next_view

from .helpers import page_log, wait_for_image

pytestmark = pytest.mark.browser

VIEW = [0.0, 15.0, -5.0, 5.0]
W, H = 600, 400
RED, BLUE = (6.0, 1.0), (9.0, -2.0)
DISC = 5  # the discs' radius, in pixels of the picture


def marked(view):
    """The picture of ``view``: the two discs where their data points are."""
    x0, x1, y0, y1 = view
    columns = (np.arange(W) + 0.5)[None, :]
    rows = (np.arange(H) + 0.5)[:, None]
    rgb = np.full((H, W, 3), 255, np.uint8)
    for (x, y), colour in ((RED, (220, 0, 0)), (BLUE, (0, 0, 220))):
        px = (x - x0) / (x1 - x0) * W
        py = (y1 - y) / (y1 - y0) * H
        rgb[(columns - px) ** 2 + (rows - py) ** 2 <= DISC**2] = colour
    return Extent(rgb, x=(x0, x1), y=(y0, y1))


class Renders:
    """The generator's calls: views drawn, and how many at once."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.gate = threading.Event()
        self.gate.set()
        self.views: list[list[float]] = []
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()

    def draw(self, view: list[float]) -> Extent:
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            if view != VIEW:
                self.gate.wait(10)
            time.sleep(self.seconds)
            with self._lock:
                self.views.append(view)
            return marked(view)
        finally:
            with self._lock:
                self.active -= 1


def explore_app(dash_factory, images, renders, events=("wheel", "pan")):
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Store(id="view", data=VIEW),
                html.Img(
                    id="pic",
                    style={"width": f"{W}px", "height": f"{H}px", "display": "block"},
                ),
                html.Div("below the picture", id="below"),
                html.Pre(id="last"),
            ],
            style={"padding": "20px"},
        )
    )
    images.callback(
        Output("pic", "src"), Input("view", "data"), events=events, deterministic=True
    )(renders.draw)

    @dash_app.callback(
        Output("view", "data"),
        Output("last", "children"),
        Input("pic", "data-wheel"),
        Input("pic", "data-pan"),
        State("view", "data"),
        prevent_initial_call=True,
    )
    def navigate(wheel, pan, view):
        trigger = ctx.triggered[0]
        kind = trigger["prop_id"].rpartition("-")[2]
        return next_view(view, trigger["value"], kind=kind), json.dumps(
            [kind, trigger["value"]]
        )

    return dash_app


def open_app(new_context, live_server, dash_app, **options):
    context = new_context(**options)
    page = context.new_page()
    page.goto(live_server(dash_app))
    wait_for_image(page, "#pic")
    return page


def box_of(page):
    return page.locator("#pic").bounding_box()


def on_screen(page, view, point):
    """Where the data point is on the page, on the picture of ``view``."""
    x0, x1, y0, y1 = view
    box = box_of(page) if not shown_moved(page) else layout_box(page)
    return (
        box["x"] + (point[0] - x0) / (x1 - x0) * W,
        box["y"] + (y1 - point[1]) / (y1 - y0) * H,
    )


def shown_moved(page):
    return page.evaluate(
        "document.getElementById('pic').hasAttribute('data-dash-images-preview')"
    )


def layout_box(page):
    """The image's box as laid out (whatever transform it has)."""
    return page.evaluate(
        """() => { const img = document.getElementById('pic');
        let x = 0, y = 0;
        for (let e = img; e; e = e.offsetParent) {
            x += e.offsetLeft;
            y += e.offsetTop;
        }
        return {x: x, y: y, width: img.offsetWidth, height: img.offsetHeight}; }"""
    )


def discs(page):
    """The centres of the red and blue discs as the page shows them (a
    screenshot of the image's box, as laid out), in page pixels."""
    box = layout_box(page)
    shot = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
    pixels = np.asarray(shot).astype(int)
    found = []
    for strong in (0, 2):
        weak = [c for c in (0, 1, 2) if c != strong]
        mask = (pixels[..., strong] > 150) & (pixels[..., weak].max(axis=-1) < 110)
        rows, columns = np.nonzero(mask)
        found.append(
            (box["x"] + columns.mean() + 0.5, box["y"] + rows.mean() + 0.5)
            if len(rows)
            else None
        )
    return found


def assert_within_a_pixel(found, expected):
    assert found is not None, "the disc is not on the screen"
    assert abs(found[0] - expected[0]) <= 1 and abs(found[1] - expected[1]) <= 1, (
        found,
        expected,
    )


def wait_for_sharp(page, before):
    """Wait for a new picture to show with no preview left on it."""
    page.wait_for_function(
        """(before) => { const img = document.getElementById('pic');
        return img.getAttribute('src') !== before && img.complete
            && img.naturalWidth > 0
            && !img.hasAttribute('data-dash-images-preview'); }""",
        arg=before,
    )
    return page.locator("#pic").get_attribute("src")


def reported(page, previous=""):
    page.wait_for_function(
        "(p) => { const t = document.getElementById('last').textContent;"
        " return t !== '' && t !== p; }",
        arg=previous,
    )
    return json.loads(page.inner_text("#last"))


def test_the_wheel_zooms_around_the_pointer_at_once_and_then_sharply(
    dash_factory, images, new_context, live_server
):
    renders = Renders()
    dash_app = explore_app(dash_factory, images, renders)
    dash_app.enable_dev_tools(
        debug=True, dev_tools_hot_reload=False, dev_tools_disable_version_check=True
    )
    page = open_app(new_context, live_server, dash_app)
    below = page.locator("#below").bounding_box()
    laid_out = layout_box(page)
    red = on_screen(page, VIEW, RED)
    assert_within_a_pixel(discs(page)[0], red)
    before = page.locator("#pic").get_attribute("src")
    renders.gate.clear()  # the next picture waits: the preview shows
    page.mouse.move(*red)
    page.mouse.wheel(0, -100)
    kind, event = reported(page)
    assert kind == "wheel" and event["factor"] == pytest.approx(1.2)
    assert (event["x"], event["y"]) == (
        pytest.approx(RED[0], abs=15 / W),
        pytest.approx(RED[1], abs=10 / H),
    )
    assert shown_moved(page)
    # The preview: the red disc stays under the pointer, the blue one is
    # 1.2 times as far from it; nothing around the picture moved.
    (rx, ry), (bx, by) = discs(page)
    assert_within_a_pixel((rx, ry), red)
    blue = on_screen(page, VIEW, BLUE)
    assert_within_a_pixel(
        (bx, by), (red[0] + 1.2 * (blue[0] - red[0]), red[1] + 1.2 * (blue[1] - red[1]))
    )
    assert page.locator("#below").bounding_box() == below
    assert layout_box(page) == laid_out
    renders.gate.set()
    wait_for_sharp(page, before)
    (rx2, ry2), (bx2, by2) = discs(page)
    assert_within_a_pixel((rx2, ry2), red)
    assert_within_a_pixel((bx2, by2), (bx, by))
    # Dash's dev tools saw nothing wrong.
    page.wait_for_selector("[class^=dash-debug-menu]", state="attached")
    assert page.locator(".test-devtools-error-count").count() == 0


def test_a_pan_moves_the_picture_by_the_dragged_data_distance(
    dash_factory, images, new_context, live_server
):
    renders = Renders()
    dash_app = explore_app(dash_factory, images, renders)
    page = open_app(new_context, live_server, dash_app)
    red = on_screen(page, VIEW, RED)
    before = page.locator("#pic").get_attribute("src")
    renders.gate.clear()
    page.mouse.move(*red)
    page.mouse.down()
    page.mouse.move(red[0] + 60, red[1] - 30, steps=6)
    # While dragging: the picture follows the pointer.
    assert_within_a_pixel(discs(page)[0], (red[0] + 60, red[1] - 30))
    page.mouse.up()
    kind, event = reported(page)
    # 60 px right and 30 up: 1.5 and 0.75 in data; the view goes the other way.
    assert kind == "pan"
    assert (event["dx"], event["dy"]) == (pytest.approx(1.5), pytest.approx(0.75))
    assert_within_a_pixel(discs(page)[0], (red[0] + 60, red[1] - 30))
    renders.gate.set()
    wait_for_sharp(page, before)
    assert_within_a_pixel(discs(page)[0], (red[0] + 60, red[1] - 30))
    assert renders.views[-1] == pytest.approx([-1.5, 13.5, -5.75, 4.25])


def touches(cdp, kind, points):
    cdp.send(
        "Input.dispatchTouchEvent",
        {
            "type": kind,
            "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in points],
        },
    )


def test_one_finger_pans_and_two_pinch(dash_factory, images, new_context, live_server):
    renders = Renders()
    dash_app = explore_app(dash_factory, images, renders)
    page = open_app(new_context, live_server, dash_app, has_touch=True)
    cdp = page.context.new_cdp_session(page)
    red = on_screen(page, VIEW, RED)
    # One finger, 40 px to the left: 1 in data.
    touches(cdp, "touchStart", [(0, red)])
    for step in range(1, 9):
        touches(cdp, "touchMove", [(0, (red[0] - 5 * step, red[1]))])
    touches(cdp, "touchEnd", [])
    kind, event = reported(page)
    assert kind == "pan"
    assert (event["dx"], event["dy"]) == (pytest.approx(-1), pytest.approx(0))
    before = wait_for_sharp(page, None)
    view = renders.views[-1]
    red = on_screen(page, view, RED)
    assert_within_a_pixel(discs(page)[0], red)
    # Two fingers 40 px either side of the red disc spread to 60: 1.5 times
    # as large around it.
    renders.gate.clear()
    left, right = (red[0] - 40, red[1]), (red[0] + 40, red[1])
    touches(cdp, "touchStart", [(0, left)])
    touches(cdp, "touchStart", [(0, left), (1, right)])
    for step in range(1, 5):
        touches(
            cdp,
            "touchMove",
            [(0, (left[0] - 5 * step, left[1])), (1, (right[0] + 5 * step, right[1]))],
        )
    blue = on_screen(page, view, BLUE)
    assert_within_a_pixel(discs(page)[0], red)
    assert_within_a_pixel(
        discs(page)[1],
        (red[0] + 1.5 * (blue[0] - red[0]), red[1] + 1.5 * (blue[1] - red[1])),
    )
    touches(cdp, "touchEnd", [])
    kind, event = reported(page, json.dumps(["pan", event]))
    assert kind == "wheel" and event["factor"] == pytest.approx(1.5, rel=1e-3)
    renders.gate.set()
    wait_for_sharp(page, before)
    assert_within_a_pixel(discs(page)[0], red)


# What the page shows in each frame, read after the frame's animation
# callbacks and layout, before it is painted (a ResizeObserver's turn): the
# src, whether it is decoded, and the preview's transform.
FRAMES = """() => {
    const img = document.getElementById('pic');
    const probe = document.createElement('div');
    probe.style.cssText = 'position:absolute;left:0;top:0;height:1px;width:1px';
    document.body.appendChild(probe);
    window.__frames = [];
    let wide = false;
    new ResizeObserver(() => {
        window.__frames.push([img.getAttribute('src'), img.complete,
            img.style.transform || '']);
    }).observe(probe);
    (function frame() {
        wide = !wide;
        probe.style.width = wide ? '2px' : '1px';
        requestAnimationFrame(frame);
    })();
}"""


def wheel_steps(page, at, count, every):
    """``count`` notches of the wheel at ``at``, ``every`` seconds apart."""
    page.mouse.move(*at)
    start = time.monotonic()
    for k in range(count):
        time.sleep(max(0.0, start + k * every - time.monotonic()))
        page.mouse.wheel(0, -100)


def test_the_preview_never_outlives_the_sharp_picture(
    dash_factory, images, new_context, live_server
):
    renders = Renders(seconds=0.08)
    dash_app = explore_app(dash_factory, images, renders)
    page = open_app(new_context, live_server, dash_app)
    page.evaluate(FRAMES)
    wheel_steps(page, on_screen(page, VIEW, RED), 12, 0.03)
    final = zoomed(12)
    page.wait_for_function(
        "() => document.getElementById('last').textContent !== ''"
        " && !document.getElementById('pic').hasAttribute('data-dash-images-preview')"
        " && document.getElementById('pic').complete",
    )
    page.wait_for_timeout(100)
    assert renders.views[-1] == pytest.approx(final, rel=1e-6)  # a 1e-4 pixel
    frames = page.evaluate("window.__frames")
    order = []
    for src, _, _ in frames:
        if src not in order:
            order.append(src)
    shown = [order.index(src) for src, complete, _ in frames if complete]
    assert shown == sorted(shown), "an older picture showed after a newer one"
    last = order[-1]
    after = [frame for frame in frames if frame[0] == last and frame[1]]
    assert after and all(transform == "" for _, _, transform in after)
    assert len(order) >= 3  # several pictures came during the gesture


def zoomed(notches, view=VIEW, point=RED):
    """The view after these notches around the point."""
    for _ in range(notches):
        view = next_view(view, {"x": point[0], "y": point[1], "factor": 1.2})
    return list(view)


def test_a_40_step_wheel_gesture_makes_one_request_at_a_time(
    dash_factory, images, new_context, live_server
):
    # As the drags of bench/coalescing.py: 40 steps in 2 s, 50 ms round
    # trips (Chrome's network emulation). Its latency is a minimum that a
    # render hides, not a trip added to it: a picture takes about a render,
    # and renders of 180 ms (150 in bench/explore.py) keep a third of the
    # steps out of reach of a faster machine.
    renders = Renders(seconds=0.18)
    dash_app = explore_app(dash_factory, images, renders)
    page = open_app(new_context, live_server, dash_app)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 50,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
    renders.views.clear()
    red = on_screen(page, VIEW, RED)
    wheel_steps(page, red, 40, 0.05)
    page.wait_for_function(
        "() => !document.getElementById('pic').hasAttribute("
        "'data-dash-images-preview') && document.getElementById('pic').complete"
    )
    page.wait_for_timeout(300)
    assert renders.views[-1] == pytest.approx(zoomed(40), rel=1e-6)
    assert renders.peak == 1
    assert len(renders.views) <= 40 // 3
    # The image's own requests (the page script reads maps back from the
    # browser's cache with fetch: no request).
    requests = page.evaluate(
        """() => performance.getEntriesByType('resource')
            .filter((e) => e.initiatorType === 'img'
                && e.name.includes('/image_generator/'))
            .map((e) => [e.startTime, e.responseEnd])"""
    )
    assert len(requests) == len(renders.views) + 1  # and the first picture's
    for (_, end), (start, _) in itertools.pairwise(requests):
        assert start >= end - 1, "two picture requests were in flight at once"
    # The point under the pointer is where it was.
    assert_within_a_pixel(discs(page)[0], red)
    statuses = {status for status, _ in page_log(page).image_responses()}
    assert statuses <= {200, 304}
