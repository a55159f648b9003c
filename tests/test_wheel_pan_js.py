"""Exploring like a map, the page's side, in V8 (mini-racer): what the events
script reports for the wheel, a pan, a touch pan and a pinch, how it
gathers steps while a picture loads (one event in flight per image), and
the preview it shows meanwhile, checked against the view the server will
draw from the events (next_view).

The pictures here are mostly an Extent of 600 x 400 pixels over x 0..15,
y -5..5 (square data pixels of 0.025), shown at its natural size with its
top left at (10, 20) on the page; the "server" answers each event with the
picture of the next view (flask_dash_images.next_view; its map the new
extent). (In Chromium:
tests/browser/test_explore_in_chromium.py.)
"""

from __future__ import annotations

import json
import math
import re

import pytest
from matplotlib.figure import Figure

import flask_dash_images
from flask_dash_images.core import coordinates, render

from .events_page import EventsPage

PNG = render.FORMATS["png"]
VIEW = (0.0, 15.0, -5.0, 5.0)
W, H = 600, 400
LEFT, TOP = 10, 20
ANSWER_MS = 1500


def src(k):
    return f"/image_generator/pic.png?v={k}"


def extent_map(view):
    x0, x1, y0, y1 = view
    return {"w": W, "h": H, "extent": {"x": [x0, x1], "y": [y0, y1]}}


def next_view(view, event, kind):
    """The view the app draws after the event (what the preview must show)."""
    return flask_dash_images.next_view(view, event, kind=kind)


def painted(page, dom_id="img"):
    """The preview's transform (sx, sy, tx, ty) of the picture, from the
    image's inline style: box point = t + s * picture point (CSS pixels
    from the content box's top left); None: no preview."""
    style = page.style(dom_id)
    text = style.get("transform", "")
    if not text or text == "none":
        assert "clip-path" not in style or style["clip-path"] in ("", "none")
        return None
    assert style["transform-origin"] == "0 0"
    sx, _, _, sy, tx, ty = map(float, re.findall(r"[-+\d.e]+", text))
    return sx, sy, tx, ty


def previewed(page, view):
    """The view the page shows: the picture of ``view`` under its preview."""
    sx, sy, tx, ty = painted(page) or (1, 1, 0, 0)
    x0, x1, y0, y1 = view

    def data(bx, by):
        px, py = (bx - tx) / sx, (by - ty) / sy
        return x0 + px / W * (x1 - x0), y1 + py / H * (y0 - y1)

    (left, top), (right, bottom) = data(0, 0), data(W, H)
    return left, right, bottom, top


def client(view, x, y):
    """The page position of the data point (x, y) on the picture of ``view``."""
    x0, x1, y0, y1 = view
    return LEFT + (x - x0) / (x1 - x0) * W, TOP + (y1 - y) / (y1 - y0) * H


class Server:
    """The app: a view, and a new picture (URL and map) for each event. Its
    URLs reach the image as dash_images.js sets them: at once, or, while a
    picture loads, the latest once it has loaded; the page script is told
    each (``window.dashImages.onValues``)."""

    def __init__(self, page, view=VIEW, k=0):
        self.page, self.view, self.k = page, view, k
        self.events = []
        self.views = [view]
        self.held = None

    def answer(self, kind, event):
        """The app's callback: the next view's picture is asked for."""
        self.events.append((kind, event))
        self.view = next_view(self.view, event, kind)
        self.views.append(self.view)
        self.k += 1
        url = src(self.k)
        self.page.answer(
            url,
            cached=True,
            headers={"X-Dash-Images-Map": json.dumps(extent_map(self.view))},
        )
        loading = self.page.eval('__images["img"].complete === false')
        self.page.eval(
            f'window.dashImages.onValues(__images["img"], {{src: {json.dumps(url)}}})'
        )
        if loading:
            self.held = url
        else:
            self.page.set_src("img", url)

    def load(self, ok=True):
        """The picture loading has arrived; the URL that waited goes."""
        self.page.load("img", ok)
        if self.held is not None:
            url, self.held = self.held, None
            self.page.set_src("img", url)

    def settle(self):
        """Answer and load until nothing is left; the events, in order.
        While a picture loads, what came meanwhile waits as one event."""
        found = []
        while True:
            reported = self.reported()
            assert len(reported) <= 1, reported
            found += reported
            if not reported and self.page.eval('__images["img"].complete'):
                return found
            if not self.page.eval('__images["img"].complete'):
                self.load()

    def reported(self):
        """Answer what the page reported; return the events."""
        found = []
        for _, props in self.page.reported():
            ((prop, event),) = props.items()
            found.append((prop, event))
            if event is not None:
                self.answer(prop.removeprefix("data-"), event)
        return found


def explore_page(events=("wheel",), preview=True, view=VIEW):
    page = EventsPage({"pic": list(events)}, preview=["pic"] if preview else [])
    page.image("img", src(0), (LEFT, TOP, W, H))
    page.answer(
        src(0), cached=True, headers={"X-Dash-Images-Map": json.dumps(extent_map(view))}
    )
    page.dispatch("pointerover", "img", LEFT + 1, TOP + 1)
    return page, Server(page, view)


def notch(page, x, y, delta=-100, **fields):
    page.dispatch("wheel", "img", x, y, deltaY=delta, deltaMode=0, **fields)


# -- the wheel's factor ------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "mode", "ctrl", "factor"),
    [
        (-100, 0, False, 1.2),  # a notch up: zoom in
        (100, 0, False, 1 / 1.2),
        (-50, 0, False, 1.2**0.5),
        (-3, 1, False, 1.2),  # three lines (Firefox's notch)
        (-1, 2, False, 1.2**3),  # a page
        (-10, 0, True, math.exp(0.1)),  # a trackpad's pinch: 100 ln(scale)
        (25, 0, True, math.exp(-0.25)),
    ],
)
def test_a_wheel_notch_zooms_by_1_2_and_a_pinch_by_its_own_scale(
    delta, mode, ctrl, factor
):
    page, _ = explore_page()
    call = f"window.dashImagesEvents.wheelFactor({delta}, {mode}, {json.dumps(ctrl)})"
    assert page.eval(call) == pytest.approx(factor, rel=1e-12)


# -- the wheel ---------------------------------------------------------------------


def test_a_notch_reports_the_data_under_the_pointer_and_zooms_around_it():
    page, _ = explore_page()
    notch(page, *client(VIEW, 6, 1))
    ((target, props),) = page.reported()
    assert target == "img" and page.prevented() == ["wheel"]
    assert props["data-wheel"] == {
        "x": pytest.approx(6),
        "y": pytest.approx(1),
        "factor": pytest.approx(1.2),
        "axes": None,
        "n": 1,
    }
    # The preview at once: the point under the pointer stays where it is.
    sx, sy, tx, ty = painted(page)
    qx, qy = client(VIEW, 6, 1)
    assert (sx, sy) == (pytest.approx(1.2), pytest.approx(1.2))
    assert (tx + sx * (qx - LEFT), ty + sy * (qy - TOP)) == (
        pytest.approx(qx - LEFT),
        pytest.approx(qy - TOP),
    )
    assert previewed(page, VIEW) == pytest.approx(
        next_view(VIEW, props["data-wheel"], "wheel")
    )
    assert page.attribute("img", "data-dash-images-preview") == ""


def test_the_preview_is_clipped_to_the_pictures_box():
    page, _ = explore_page()
    notch(page, LEFT + 150, TOP + 100, delta=-100 * math.log(2) / math.log(1.2))
    style = page.style("img")
    # Twice as large around (150, 100): the box shows the picture's
    # (75..375, 50..250), which the clip keeps, in the picture's own units.
    assert style["clip-path"] == "inset(50px 225px 150px 75px)"


def test_steps_wait_for_the_apps_answer_and_go_as_one_event():
    page, server = explore_page()
    at = client(VIEW, 6, 1)
    notch(page, *at)
    for _ in range(4):  # before the app has answered the first
        notch(page, *at)
        page.frame()
    ((_, props),) = page.reported()
    first = props["data-wheel"]
    assert first["factor"] == pytest.approx(1.2) and page.prevented() == ["wheel"] * 5
    assert painted(page)[0] == pytest.approx(1.2**5)
    server.answer("wheel", first)  # its picture loads; the four go as one
    ((prop, event),) = server.reported()
    assert prop == "data-wheel" and event["n"] == 2
    assert (event["x"], event["y"]) == (pytest.approx(6), pytest.approx(1))
    assert event["factor"] == pytest.approx(1.2**4)
    assert server.held == src(2)  # the first picture is still loading
    assert painted(page)[0] == pytest.approx(1.2**5)
    server.load()  # the first step's picture; the second's is asked for
    # What is left to preview, on the picture now shown: those four.
    assert painted(page)[0] == pytest.approx(1.2**4)
    assert previewed(page, server.views[1]) == pytest.approx(server.view)
    server.load()
    assert painted(page) is None
    assert page.attribute("img", "data-dash-images-preview") is None
    assert server.view == pytest.approx(
        next_view(VIEW, {"x": 6, "y": 1, "factor": 1.2**5}, "wheel")
    )


def test_the_sharp_picture_takes_the_place_of_the_preview_in_its_first_frame():
    # Its load may come after a frame that shows it: the frame's own check
    # removes the preview first.
    page, server = explore_page()
    notch(page, *client(VIEW, 6, 1))
    server.reported()
    page.frame()
    assert painted(page) is not None
    page.v8.eval('__images["img"].complete = true')  # decoded, load not yet fired
    page.frame()
    assert painted(page) is None


def test_steps_with_a_moving_pointer_keep_their_preview_exact():
    # Gathered steps report the point that all of them keep fixed: the view
    # drawn from that one event is the view previewed.
    page, server = explore_page()
    notch(page, *client(VIEW, 6, 1))
    for x, y, delta in [(2, 3, -100), (12, -4, -200), (8, 0, 100)]:
        shown = previewed(page, VIEW)
        notch(page, *client(shown, x, y), delta=delta)
    expected = previewed(page, VIEW)
    server.reported()
    ((_, event),) = server.reported()
    assert event["factor"] == pytest.approx(1.2**2)
    assert server.view == pytest.approx(expected, rel=1e-9)
    server.load()
    # And on the picture now shown (the first step's view), the same.
    assert previewed(page, server.views[1]) == pytest.approx(expected, rel=1e-9)


def test_an_event_that_changes_no_picture_drops_its_preview_and_what_waited():
    # The app kept the view (a limit, or a callback that draws nothing new).
    page, _ = explore_page()
    notch(page, *client(VIEW, 6, 1))
    assert len(page.reported()) == 1
    notch(page, *client(VIEW, 6, 1))
    page.advance(ANSWER_MS - 1)
    assert painted(page) is not None
    page.advance(1)
    assert painted(page) is None and page.reported() == []
    notch(page, *client(VIEW, 6, 1))
    assert page.reported()[0][1]["data-wheel"]["n"] == 2


def test_a_failed_picture_drops_the_preview():
    page, server = explore_page()
    notch(page, *client(VIEW, 6, 1))
    server.reported()
    notch(page, *client(VIEW, 6, 1))  # reported: the first was answered
    notch(page, *client(VIEW, 6, 1))  # waits for the second's answer
    assert len(page.reported()) == 1
    page.load("img", ok=False)
    assert painted(page) is None
    page.eval(f'window.dashImages.onValues(__images["img"], {{src: "{src(2)}"}})')
    assert page.reported() == []  # what waited was dropped
    notch(page, *client(VIEW, 6, 1))
    assert page.reported() == []  # no picture shown to read it on


def test_an_answer_that_keeps_the_view_ends_its_preview_at_once():
    # The app answered with the picture shown (a view at its limit).
    page, _ = explore_page()
    notch(page, *client(VIEW, 6, 1))
    notch(page, *client(VIEW, 6, 1))
    page.reported()
    page.eval(f'window.dashImages.onValues(__images["img"], {{src: "{src(0)}"}})')
    ((_, props),) = page.reported()  # the next step went at once
    assert props["data-wheel"]["n"] == 2
    assert painted(page)[0] == pytest.approx(1.2)  # that step's, still to come


def test_a_newer_picture_that_replaces_the_answer_ends_the_preview():
    # The answer waited for a picture loading, and a newer URL (another
    # input's change) took its place there: the answer's picture never
    # comes, the newer one settles the step.
    page, server = explore_page()
    page.set_src("img", src("other"))  # another change's picture is loading
    notch(page, *client(VIEW, 6, 1))
    server.reported()
    assert server.held == src(1)  # the answer waits
    newer = src("newer")
    page.answer(
        newer, cached=True, headers={"X-Dash-Images-Map": json.dumps(extent_map(VIEW))}
    )
    page.eval(f'window.dashImages.onValues(__images["img"], {{src: "{newer}"}})')
    server.held = newer  # dash_images.js keeps the latest only
    server.load()  # the other picture; the newer one is set
    page.frame()
    assert painted(page) is not None  # still to come
    server.load()  # the newer picture
    assert painted(page) is None
    assert page.attribute("img", "data-dash-images-preview") is None
    page.frame()
    assert page.frames_pending() == 0
    notch(page, *client(VIEW, 6, 1))  # the next event goes at once
    assert page.reported()[0][1]["data-wheel"]["n"] == 2


def test_a_newer_picture_after_the_answers_own_leaves_that_one_to_end_it():
    # The answer's picture is loading; a newer URL waits for it: the
    # answer's picture ends the preview, as before.
    page, server = explore_page()
    notch(page, *client(VIEW, 6, 1))
    server.reported()
    assert page.attribute("img", "src") == src(1)
    page.eval(f'window.dashImages.onValues(__images["img"], {{src: "{src(9)}"}})')
    page.load("img")
    assert painted(page) is None


def test_a_newer_picture_set_at_once_over_the_answers_own_ends_the_preview():
    # The answer's picture is loading, and a newer URL goes at once in its
    # place (the end of a slider's drag): the answer's picture never loads,
    # the newer one ends the preview, and the frames stop.
    page, server = explore_page()
    notch(page, *client(VIEW, 6, 1))
    server.reported()
    assert page.attribute("img", "src") == src(1)
    newer = src("newer")
    page.answer(
        newer, cached=True, headers={"X-Dash-Images-Map": json.dumps(extent_map(VIEW))}
    )
    page.eval(f'window.dashImages.onValues(__images["img"], {{src: "{newer}"}})')
    page.set_src("img", newer)
    page.frame()
    assert painted(page) is not None  # still to come
    page.load("img")
    assert painted(page) is None
    assert page.attribute("img", "data-dash-images-preview") is None
    page.frame()
    assert page.frames_pending() == 0
    notch(page, *client(VIEW, 6, 1))
    assert page.reported()[0][1]["data-wheel"]["n"] == 2


def test_an_answer_without_a_picture_ends_the_preview_and_its_frames():
    # The app answered with no src: no picture will come to wait for.
    page, _ = explore_page()
    notch(page, *client(VIEW, 6, 1))
    page.reported()
    page.eval('window.dashImages.onValues(__images["img"], {src: null})')
    page.eval(
        'var i = __images["img"]; i.removeAttribute("src"); i.src = "";'
        " i.currentSrc = ''; i.complete = true; i.naturalWidth = 0;"
    )
    page.frame()
    assert painted(page) is None
    page.frame()
    assert page.frames_pending() == 0


def test_no_frame_loop_outlives_its_image():
    page, server = explore_page()
    notch(page, *client(VIEW, 6, 1))
    server.reported()  # answered: its picture loads
    page.frame()
    assert page.frames_pending() == 1
    page.remove("img")
    page.frame()
    assert page.frames_pending() == 0


def test_without_preview_nothing_moves_and_the_same_events_come():
    page, server = explore_page(preview=False)
    for _ in range(3):  # before the app answers the first, the others wait
        notch(page, *client(VIEW, 6, 1))
    assert painted(page) is None
    assert [e["factor"] for _, e in server.reported()] == [pytest.approx(1.2)]
    ((_, event),) = server.reported()
    assert event["factor"] == pytest.approx(1.44) and event["x"] == pytest.approx(6)
    server.settle()
    assert painted(page) is None


def test_a_notch_while_a_new_pictures_map_is_read_previews_in_that_frame():
    # The picture that answered the last step has just shown; its map (from
    # the browser's cache) takes a moment: the notch previews at once all
    # the same, and its event goes when the map is there.
    page, server = explore_page()
    at = client(VIEW, 6, 1)
    notch(page, *at)
    ((_, props),) = page.reported()
    server.answer("wheel", props["data-wheel"])
    view = server.view
    page.answer(
        src(1),
        cached=True,
        headers={"X-Dash-Images-Map": json.dumps(extent_map(view))},
        held=True,
    )
    server.load()
    page.frame()
    assert painted(page) is None  # the sharp picture, as it is
    notch(page, *at)
    notch(page, *at)
    assert painted(page)[0] == pytest.approx(1.2**2)  # before the next frame
    assert page.reported() == []
    page.release(src(1))
    ((_, props),) = page.reported()  # one at a time: the second waits
    assert props["data-wheel"]["n"] == 2
    assert props["data-wheel"]["factor"] == pytest.approx(1.2)
    assert (props["data-wheel"]["x"], props["data-wheel"]["y"]) == (
        pytest.approx(6),
        pytest.approx(1),
    )
    assert painted(page)[0] == pytest.approx(1.2**2)  # no step back meanwhile
    server.answer("wheel", props["data-wheel"])
    server.load()
    (_, second), *_ = server.settle()
    assert second["factor"] == pytest.approx(1.2)
    assert previewed(page, server.view) == pytest.approx(server.view)


def test_an_early_preview_where_the_new_map_has_no_event_is_taken_back():
    page, at = figure_page()
    notch(page, *at(10, 2))
    page.reported()
    page.answer(
        src(1),
        cached=True,
        headers={"X-Dash-Images-Map": page_map_of_figure()},
        held=True,
    )
    page.eval(f'window.dashImages.onValues(__images["img"], {{src: "{src(1)}"}})')
    page.set_src("img", src(1))
    page.load("img")
    page.frame()
    notch(page, LEFT + 3, TOP + 3)  # the figure's margin
    assert painted(page)[0] == pytest.approx(1.2)
    page.release(src(1))
    assert page.reported() == [] and painted(page) is None


def page_map_of_figure():
    fig = Figure(figsize=(6, 4), dpi=100)
    fig.add_subplot().set_xlim(0, 100)
    return coordinates.encode_with_map(fig, PNG, {})[1]


def test_the_wheel_is_the_pictures_only_where_it_reports_it():
    page, _ = explore_page(events=("click",))
    notch(page, *client(VIEW, 6, 1))
    assert page.prevented() == [] and page.reported() == []
    page.dispatch("wheel", None, 5, 5, deltaY=-100)  # not on a picture
    assert page.prevented() == []


def figure_page(events=("wheel", "pan"), xscale="linear", xlim=(0, 100)):
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot()
    ax.set_xscale(xscale)
    ax.set_xlim(*xlim)
    ax.set_ylim(-5, 5)
    _, text = coordinates.encode_with_map(fig, PNG, {})
    page = EventsPage({"pic": list(events)}, preview=["pic"])
    page.image("img", src(0), (LEFT, TOP, W, H))
    page.answer(src(0), cached=True, headers={"X-Dash-Images-Map": text})
    page.dispatch("pointerover", "img", LEFT + 1, TOP + 1)

    def at(x, y):
        px, py = ax.transData.transform((x, y))
        return LEFT + float(px), TOP + H - float(py)

    return page, at


@pytest.mark.parametrize("xscale", ["linear", "log"])
def test_on_a_figure_the_wheel_reports_the_axes_and_their_scales(xscale):
    xlim = (1, 1000) if xscale == "log" else (0, 100)
    page, at = figure_page(xscale=xscale, xlim=xlim)
    notch(page, *at(10, 2))
    event = page.reported()[0][1]["data-wheel"]
    assert (event["x"], event["y"]) == (pytest.approx(10), pytest.approx(2))
    assert (event["axes"], event["row"], event["col"]) == (0, 0, 0)
    assert (event["xscale"], event["yscale"]) == (xscale, "linear")
    assert painted(page)[0] == pytest.approx(1.2)


def test_no_event_and_no_preview_outside_the_axes_or_on_scales_it_cannot_follow():
    page, at = figure_page()
    notch(page, LEFT + 3, TOP + 3)  # the figure's margin
    assert page.prevented() == ["wheel"]  # the page does not scroll there
    assert page.reported() == [] and painted(page) is None
    page, at = figure_page(xscale="symlog", xlim=(-100, 100))
    notch(page, *at(10, 2))
    page.dispatch("pointerdown", "img", *at(10, 2))
    page.dispatch("pointermove", "img", *at(30, 2))
    assert painted(page) is None
    page.dispatch("pointerup", "img", *at(30, 2))
    assert page.reported() == [] and painted(page) is None


# -- pan ---------------------------------------------------------------------------


def drag(page, start, end, steps=4, **fields):
    page.dispatch("pointerdown", "img", *start, **fields)
    for i in range(1, steps + 1):
        page.dispatch(
            "pointermove",
            "img",
            start[0] + (end[0] - start[0]) * i / steps,
            start[1] + (end[1] - start[1]) * i / steps,
            **fields,
        )
    page.dispatch("pointerup", "img", *end, **fields)


def test_a_pan_reports_how_far_the_data_moved_and_the_preview_follows_the_drag():
    page, server = explore_page(events=("pan", "click"))
    start, end = client(VIEW, 6, 1), client(VIEW, 8, -1)
    page.dispatch("pointerdown", "img", *start)
    page.dispatch("pointermove", "img", start[0] + 20, start[1] + 10)
    assert painted(page) == pytest.approx((1, 1, 20, 10))
    page.dispatch("pointermove", "img", *end)
    page.dispatch("pointerup", "img", *end)
    page.dispatch("click", "img", *end)  # the click that ends a drag
    ((prop, event),) = server.reported()
    # Dragged 2 to the right and 2 down: the view goes 2 left and 2 up.
    assert prop == "data-pan"
    assert event == {
        "dx": pytest.approx(2),
        "dy": pytest.approx(-2),
        "axes": None,
        "n": 1,
    }
    assert previewed(page, VIEW) == pytest.approx(server.view)
    assert server.view == pytest.approx((-2, 13, -3, 7))


def test_a_press_that_moves_less_than_4_px_is_a_click_and_pans_nothing():
    page, _ = explore_page(events=("pan", "click"))
    start = client(VIEW, 6, 1)
    drag(page, start, (start[0] + 3, start[1]))
    page.dispatch("click", "img", start[0] + 3, start[1])
    ((_, props),) = page.reported()
    assert list(props) == ["data-click"] and painted(page) is None


@pytest.mark.parametrize(
    ("xscale", "xlim", "start", "end", "dx"),
    [
        ("linear", (0, 100), 20, 50, 30),
        ("linear", (100, 0), 50, 20, -30),  # inverted: a drag right is -30
        ("log", (1, 1000), 10, 100, 1),  # in decades
        ("log", (1, 1000), 500, 5, -2),
    ],
)
def test_a_pan_on_a_figure_is_in_data_units_or_decades(xscale, xlim, start, end, dx):
    page, at = figure_page(xscale=xscale, xlim=xlim)
    drag(page, at(start, 1), at(end, -2))
    event = page.reported()[0][1]["data-pan"]
    assert event["dx"] == pytest.approx(dx, rel=1e-9)
    assert event["dy"] == pytest.approx(-3, rel=1e-9)
    assert (event["axes"], event["row"], event["col"]) == (0, 0, 0)
    assert (event["xscale"], event["yscale"]) == (xscale, "linear")


def test_a_pan_begun_outside_the_axes_reports_nothing():
    page, at = figure_page()
    drag(page, (LEFT + 3, TOP + 3), at(50, 0))
    assert page.reported() == [] and painted(page) is None


def test_pans_before_the_app_answers_wait_and_the_preview_holds_all():
    page, server = explore_page(events=("pan", "wheel"))
    notch(page, *client(VIEW, 6, 1))
    shown = previewed(page, VIEW)
    drag(page, client(shown, 6, 1), client(shown, 5, 1))
    shown = previewed(page, VIEW)
    drag(page, client(shown, 5, 1), client(shown, 4, 2))
    expected = previewed(page, VIEW)
    ((first, _), (prop, event)) = server.settle()
    assert first == "data-wheel" and prop == "data-pan"  # the two pans, as one
    assert (event["dx"], event["dy"]) == (pytest.approx(-2), pytest.approx(1))
    assert server.view == pytest.approx(expected)
    assert painted(page) is None


# -- touch -------------------------------------------------------------------------


def touch(page, kind, finger, x, y):
    page.dispatch(
        kind,
        "img",
        x,
        y,
        pointerId=10 + finger,
        pointerType="touch",
        isPrimary=finger == 0,
    )


def test_one_finger_pans():
    page, server = explore_page(events=("pan", "wheel"))
    start, end = client(VIEW, 6, 1), client(VIEW, 7, 0)
    touch(page, "pointerdown", 0, *start)
    touch(page, "pointermove", 0, *end)
    touch(page, "pointerup", 0, *end)
    ((prop, event),) = server.reported()
    assert prop == "data-pan"
    assert (event["dx"], event["dy"]) == (pytest.approx(1), pytest.approx(-1))


def test_two_fingers_pinch_zoom_around_their_midpoint():
    page, server = explore_page(events=("pan", "wheel"))
    touch(page, "pointerdown", 0, *client(VIEW, 5, 1))
    touch(page, "pointerdown", 1, *client(VIEW, 7, 1))
    touch(page, "pointermove", 0, *client(VIEW, 4, 1))
    touch(page, "pointermove", 1, *client(VIEW, 8, 1))
    assert painted(page)[0] == pytest.approx(2)
    touch(page, "pointerup", 0, *client(VIEW, 4, 1))
    touch(page, "pointerup", 1, *client(VIEW, 8, 1))
    ((prop, event),) = server.reported()
    assert prop == "data-wheel"
    assert (event["x"], event["y"], event["factor"]) == (
        pytest.approx(6),
        pytest.approx(1),
        pytest.approx(2),
    )


def test_a_pinch_that_also_slides_reports_the_point_it_keeps_fixed():
    page, server = explore_page(events=("wheel",))
    touch(page, "pointerdown", 0, *client(VIEW, 5, 1))
    touch(page, "pointerdown", 1, *client(VIEW, 7, 2))
    for step in range(1, 6):
        touch(page, "pointermove", 0, *client(VIEW, 5 - 0.1 * step, 1 - 0.3 * step))
        touch(page, "pointermove", 1, *client(VIEW, 7 + 0.3 * step, 2 - 0.2 * step))
    expected = previewed(page, VIEW)
    touch(page, "pointerup", 1, *client(VIEW, 8.5, 1))
    touch(page, "pointerup", 0, *client(VIEW, 4.5, -0.5))
    ((prop, event),) = server.reported()
    assert prop == "data-wheel" and event["factor"] > 1
    assert server.view == pytest.approx(expected, rel=1e-9)
    assert previewed(page, VIEW) == pytest.approx(expected, rel=1e-9)


# -- brush -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [((2, 3), (4, 2)), ((9, -4), (8, 3)), ((1, 1), (13, 0.5))],
    ids=["wide", "tall", "wider"],
)
def test_a_brush_previews_the_region_widened_to_the_pictures_aspect(start, end):
    page, server = explore_page(events=("brush",))
    drag(page, client(VIEW, *start), client(VIEW, *end))
    ((prop, event),) = server.reported()
    assert prop == "data-brush"
    assert event["x"] == pytest.approx(sorted([start[0], end[0]]))
    sx, sy, _, _ = painted(page)
    assert sx == pytest.approx(sy)
    assert previewed(page, VIEW) == pytest.approx(server.view)
    server.load()
    assert painted(page) is None


def test_a_band_previews_one_axis_only():
    page, server = explore_page(events=("brush-x",))
    drag(page, client(VIEW, 3, 1), client(VIEW, 6, -2))
    server.reported()
    sx, sy, _, ty = painted(page)
    assert (sx, sy, ty) == (pytest.approx(5), 1, 0)
    assert previewed(page, VIEW) == pytest.approx((3, 6, -5, 5))


# -- several events before a picture ---------------------------------------------


def test_a_wheel_a_pan_and_a_brush_compose_and_the_last_preview_is_the_last_view():
    page, server = explore_page(events=("brush", "wheel"))
    for k in range(3):
        shown = previewed(page, VIEW)
        notch(page, *client(shown, 6 + k, 1))
    shown = previewed(page, VIEW)
    drag(page, client(shown, 6, 1), client(shown, 6.5, 0.5))  # a brush
    shown = previewed(page, VIEW)
    notch(page, *client(shown, 6.2, 0.8), delta=100)
    expected = previewed(page, VIEW)
    assert len(server.reported()) == 1  # one at a time
    server.settle()
    assert [kind for kind, _ in server.events] == ["wheel", "brush", "wheel"]
    assert server.view == pytest.approx(expected, rel=1e-9)
    assert painted(page) is None


def test_a_double_click_drops_what_waited_and_the_preview():
    page, server = explore_page(events=("brush", "wheel", "dblclick"))
    notch(page, *client(VIEW, 6, 1))
    ((_, props),) = page.reported()
    first = props["data-wheel"]
    notch(page, *client(VIEW, 6, 1))
    page.dispatch("dblclick", "img", *client(VIEW, 6, 1))
    assert painted(page) is None
    calls = page.reported()
    assert calls[0] == ("img", {"data-brush": None})
    assert "data-dblclick" in calls[1][1]
    server.answer("wheel", first)
    server.load()
    assert page.reported() == [] and painted(page) is None


def test_pictures_that_move_or_brush_get_their_touches_and_a_grab_cursor():
    page = EventsPage(
        {
            "z": ["wheel"],
            "p": ["pan"],
            "b": ["brush-x"],
            "bz": ["brush", "wheel"],
            "c": ["click"],
        },
        preview=["z"],
    )
    (style,) = json.loads(
        page.eval(
            "JSON.stringify(document.head.children.map(function (c) {"
            " return c.textContent; }))"
        )
    )
    rules = {}
    for selectors, body in re.findall(r":where\(([^)]*)\)\s*\{([^}]*)\}", style):
        for selector in selectors.split(","):
            rules.setdefault(selector.strip(), []).append(body.strip())
    pictures = {
        guid: rules.get(f'img[src*="image_generator/{guid}."]')
        for guid in ("z", "p", "b", "bz", "c")
    }
    # The picture takes one finger; where it zooms, two as well (a brush
    # alone leaves the page's own pinch-zoom).
    assert pictures == {
        "z": ["touch-action: none;"],
        "p": ["touch-action: none;", "cursor: grab;"],
        "b": ["touch-action: pinch-zoom;"],
        "bz": ["touch-action: none;"],
        "c": None,
    }


def test_on_a_picture_that_brushes_one_finger_brushes_and_two_pinch():
    page, server = explore_page(events=("brush", "wheel"))
    touch(page, "pointerdown", 0, *client(VIEW, 5, 1))
    touch(page, "pointermove", 0, *client(VIEW, 6, 0))
    touch(page, "pointerup", 0, *client(VIEW, 6, 0))
    ((prop, event),) = server.reported()
    assert prop == "data-brush" and event["x"] == pytest.approx([5, 6])
    server.load()
    view = server.view
    touch(page, "pointerdown", 0, *client(view, 5, 1))
    touch(page, "pointermove", 0, *client(view, 5.2, 1))
    touch(page, "pointerdown", 1, *client(view, 7, 1))
    touch(page, "pointermove", 1, *client(view, 8.8, 1))
    touch(page, "pointerup", 0, *client(view, 5.2, 1))
    touch(page, "pointerup", 1, *client(view, 8.8, 1))
    ((prop, event),) = server.reported()
    assert prop == "data-wheel" and event["factor"] == pytest.approx(2)
    assert page.v8.eval("document.body.children.length") == 0  # no brush box left


def test_the_map_of_each_new_picture_is_ready_for_the_next_step():
    # Asked for as the picture loads, while the pointer is over it: the next
    # notch's preview need not wait for it.
    page, server = explore_page()
    page.v8.eval('__images["img"].matches = function (s) { return s === ":hover"; }')
    notch(page, *client(VIEW, 6, 1))
    server.reported()
    page.requests()
    server.load()
    assert page.requests() == [
        {"url": src(1), "cache": "only-if-cached", "headers": {}}
    ]
    page.v8.eval('__images["img"].matches = function () { return false; }')
    page.set_src("img", src(2))
    page.load("img")
    assert page.requests() == []  # nobody points at it: nothing asked
