"""The events script in V8 (mini-racer), without a browser: what it reports
for clicks, hovering and brushes, from the maps the server makes.

(That each point agrees with matplotlib: test_events_agree_with_matplotlib;
in Chromium: tests/browser/test_events_in_chromium.py.)
"""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent
from matplotlib.figure import Figure

from flask_dash_images import Extent
from flask_dash_images.core import coordinates, render

from .events_page import EventsPage

PNG = render.FORMATS["png"]
SRC = "/image_generator/pic.png?n=1"
MAP_SRC = "/image_generator/pic.map?n=1"


def drawn(fig):
    """The figure drawn as the server draws it, and its map."""
    _, text = coordinates.encode_with_map(fig, PNG, {})
    return fig, json.loads(text)


def picture_map(picture):
    _, text = coordinates.encode_with_map(picture, PNG, {})
    return json.loads(text)


def at_data(fig, x, y, axes=0):
    """Where the data point (x, y) is, in picture units from the top left."""
    px, py = fig.axes[axes].transData.transform((x, y))
    return float(px), fig.canvas.get_width_height()[1] - float(py)


def line(xlim=(0, 100), ylim=(-5, 5), xscale="linear", yscale="linear"):
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot()
    ax.set_xscale(xscale)
    ax.set_yscale(yscale)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return drawn(fig)


@pytest.fixture(scope="module")
def maths():
    return EventsPage()


# -- clicks: the maths ---------------------------------------------------------


@pytest.mark.parametrize(
    ("axes", "point"),
    [
        ({}, (50, 2)),
        (
            {"xscale": "log", "xlim": (1, 1000), "yscale": "log", "ylim": (0.01, 100)},
            (10, 0.1),
        ),
        ({"xlim": (100, 0), "ylim": (5, -5)}, (25, -3)),  # inverted
        ({"xscale": "symlog", "xlim": (-1000, 1000)}, (19.3, 1)),
        ({"yscale": "logit", "ylim": (0.001, 0.999)}, (10, 0.9)),
        ({"xscale": "asinh", "xlim": (-100, 1000)}, (300, 0)),
    ],
    ids=["linear", "log", "inverted", "symlog", "logit", "asinh"],
)
def test_a_point_reports_its_data_on_every_scale(maths, axes, point):
    fig, found = line(**axes)
    event = maths.locate(found, *at_data(fig, *point))
    assert event["axes"] == 0 and (event["row"], event["col"]) == (0, 0)
    assert event["x"] == pytest.approx(point[0], rel=1e-9)
    assert event["y"] == pytest.approx(point[1], rel=1e-9)


def test_outside_every_axes_there_is_no_event(maths):
    _, found = line()
    assert maths.locate(found, 5, 5) is None  # the figure's margin
    assert maths.locate(found, -1, 200) is None  # off the picture


def test_a_twin_is_on_top_and_reports_its_own_y(maths):
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot()
    ax.set_ylim(0, 1)
    twin = ax.twinx()
    twin.set_ylim(100, 200)
    fig, found = drawn(fig)
    event = maths.locate(found, *at_data(fig, 0.5, 150, axes=1))
    assert event["axes"] == 1
    assert event["y"] == pytest.approx(150)


def test_polar_axes_report_theta_and_r_and_nothing_outside_their_circle(maths):
    fig = Figure(figsize=(5, 5), dpi=100)
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    ax.set_rlim(0, 10)
    fig, found = drawn(fig)
    event = maths.locate(found, *at_data(fig, math.pi / 3, 5))
    assert (event["x"], event["y"]) == (pytest.approx(math.pi / 3), pytest.approx(5))
    # The corner of the axes' box, outside its circle: no axes at all.
    box = ax.bbox
    corner = (box.x0 + 2, fig.canvas.get_width_height()[1] - (box.y0 + 2))
    assert (
        MouseEvent("motion_notify_event", fig.canvas, box.x0 + 2, box.y0 + 2).inaxes
        is None
    )
    assert maths.locate(found, *corner) is None


def test_a_3d_axes_reports_no_event_and_hides_what_is_under_it(maths):
    fig = Figure(figsize=(5, 4), dpi=100)
    under = fig.add_axes((0.1, 0.1, 0.8, 0.8), zorder=-1)
    fig.add_subplot(projection="3d")
    fig, found = drawn(fig)
    assert [e["i"] for e in found["axes"]] == [1, 0]
    assert "inv" not in found["axes"][0]
    assert maths.locate(found, *at_data(fig, 0.5, 0.5)) is None
    assert under.get_xlim() == (0, 1)


@pytest.mark.parametrize(
    "picture",
    [
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        b"not a picture anybody can read",
    ],
    ids=["svg text", "opaque bytes"],
)
def test_a_picture_whose_size_is_unknown_reports_no_event(maths, picture):
    found = coordinates.coordinate_map(picture, render.FORMATS["svg"], b"")
    assert found == {}
    for point in [(0, 0), (5, 5), (1, 1)]:
        assert maths.locate(found, *point) is None


def test_a_picture_reports_its_own_pixels_and_an_extent_its_units(maths):
    found = picture_map(np.zeros((20, 30), np.uint8))
    assert maths.locate(found, 15, 5) == {"x": 15, "y": 5, "axes": None}
    assert maths.locate(found, 31, 5) is None
    found = picture_map(Extent(np.zeros((20, 30), np.uint8), x=(0, 3), y=(-1, 1)))
    assert maths.locate(found, 15, 5) == {"x": 1.5, "y": 0.5, "axes": None}


# -- brushes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ((20, -2), (60, 3)),  # left to right, bottom to top
        ((60, 3), (20, -2)),  # right to left, top to bottom
        ((60, -2), (20, 3)),  # right to left, bottom to top
        ((20, 3), (60, -2)),  # left to right, top to bottom
    ],
)
@pytest.mark.parametrize("inverted", [False, True], ids=["", "inverted"])
def test_a_brush_is_reported_low_to_high_whichever_way_it_is_dragged(
    maths, start, end, inverted
):
    fig, found = line(
        xlim=(100, 0) if inverted else (0, 100), ylim=(5, -5) if inverted else (-5, 5)
    )
    selected = maths.brush(found, "brush", at_data(fig, *start), at_data(fig, *end))
    assert selected["x"] == pytest.approx([20, 60])
    assert selected["y"] == pytest.approx([-2, 3])
    assert (selected["axes"], selected["row"], selected["col"]) == (0, 0, 0)


def test_a_brush_on_a_log_axis_spans_its_data(maths):
    fig, found = line(xscale="log", xlim=(1, 1000))
    selected = maths.brush(found, "brush-x", at_data(fig, 500, 1), at_data(fig, 2, 1))
    assert selected["x"] == pytest.approx([2, 500])
    assert selected["y"] is None


def test_a_brush_past_the_axes_ends_at_its_edge(maths):
    fig, found = line()
    start = at_data(fig, 50, 0)
    selected = maths.brush(found, "brush-y", start, (start[0] + 1000, -1000))
    assert selected["x"] is None
    assert selected["y"] == pytest.approx([0, 5])


def test_a_brush_begun_outside_every_axes_or_on_polar_axes_is_none(maths):
    fig, found = line()
    assert maths.brush(found, "brush", (2, 2), at_data(fig, 50, 0)) is None
    fig = Figure(figsize=(4, 4), dpi=100)
    fig.add_subplot(projection="polar").set_rlim(0, 1)
    fig, found = drawn(fig)
    assert (
        maths.brush(found, "brush", at_data(fig, 1, 0.5), at_data(fig, 2, 0.8)) is None
    )


def test_a_brush_on_a_picture_is_held_inside_it(maths):
    found = picture_map(np.zeros((20, 30), np.uint8))
    selected = maths.brush(found, "brush", (25, 15), (-10, 2))
    assert selected == {"x": [0, 25], "y": [2, 15], "axes": None}


# -- the page: clicks, hovering, brushes, through the DOM ----------------------


def shown(found, events=("click", "dblclick", "hover", "brush"), size=None):
    """A page with the picture ``pic`` at (10, 20), shown at its natural size
    (or ``size``), its response with the map in the browser's cache."""
    page = EventsPage({"pic": list(events)})
    width, height = size or (found["w"], found["h"])
    page.image("img", SRC, (10, 20, width, height))
    page.answer(SRC, cached=True, headers={"X-Dash-Images-Map": json.dumps(found)})
    return page


def client(fig, x, y, axes=0):
    """The client position of the data point (x, y) of the picture shown at
    (10, 20) at its natural size."""
    px, py = at_data(fig, x, y, axes)
    return 10 + px, 20 + py


def test_a_click_is_reported_from_the_map_in_the_browsers_cache(maths):
    fig, found = line()
    page = shown(found)
    page.dispatch("click", "img", *client(fig, 50, 2))
    ((target, props),) = page.reported()
    event = props["data-click"]
    assert target == "img" and event["n"] == 1
    assert (event["x"], event["y"]) == (pytest.approx(50), pytest.approx(2))
    page.dispatch("click", "img", *client(fig, 25, -1))
    assert page.reported()[0][1]["data-click"]["n"] == 2
    # The map was read once, from the cache only: never from the network.
    assert page.requests() == [{"url": SRC, "cache": "only-if-cached", "headers": {}}]


def test_a_picture_shown_at_another_size_reports_the_same_data():
    fig, found = line()
    page = shown(found, size=(found["w"] / 2, found["h"] / 2))
    px, py = at_data(fig, 50, 2)
    page.dispatch("click", "img", 10 + px / 2, 20 + py / 2)
    event = page.reported()[0][1]["data-click"]
    assert (event["x"], event["y"]) == (pytest.approx(50), pytest.approx(2))


def test_hover_is_reported_at_most_every_100_ms_where_the_pointer_last_was():
    fig, found = line()
    page = shown(found)
    for x in range(10, 60, 5):  # a sweep within 100 ms
        page.dispatch("pointermove", "img", *client(fig, x, 1))
        page.advance(9)
    assert page.reported() == []
    page.advance(10)  # 100 ms after the first move
    ((_, props),) = page.reported()
    assert props["data-hover"]["x"] == pytest.approx(55)
    page.advance(500)
    assert page.reported() == []  # nothing moved
    page.dispatch("pointermove", "img", *client(fig, 20, 1))
    page.advance(99)
    assert page.reported() == []
    page.advance(1)
    assert page.reported()[0][1]["data-hover"]["x"] == pytest.approx(20)


def test_a_drag_is_a_brush_not_a_click_and_a_double_click_clears_it():
    fig, found = line()
    page = shown(found)
    start, end = client(fig, 60, 3), client(fig, 20, -2)
    page.dispatch("pointerdown", "img", *start)
    page.dispatch("pointermove", "img", start[0] - 2, start[1] + 1)
    page.dispatch("pointermove", "img", *end)
    page.dispatch("pointerup", "img", *end)
    page.dispatch("click", "img", *end)  # the click that ends a drag
    ((_, props),) = page.reported()
    assert props["data-brush"]["x"] == pytest.approx([20, 60])
    assert props["data-brush"]["y"] == pytest.approx([-2, 3])
    page.dispatch("dblclick", "img", *end)
    calls = page.reported()
    assert calls[0] == ("img", {"data-brush": None})
    assert calls[1][1]["data-dblclick"]["x"] == pytest.approx(20)


def finger(page, kind, k, x, y):
    page.dispatch(
        kind, "img", x, y, pointerId=10 + k, pointerType="touch", isPrimary=k == 0
    )


def boxes(page):
    """The brush boxes in the page."""
    return page.eval("document.body.children.length")


def test_a_cancelled_brush_leaves_no_box_and_reports_nothing_later():
    # The browser took the touch (a scroll, a zoom): the brush is over.
    fig, found = line()
    page = shown(found)
    start, end = client(fig, 20, -2), client(fig, 60, 3)
    finger(page, "pointerdown", 0, *start)
    finger(page, "pointermove", 0, *end)
    assert boxes(page) == 1
    finger(page, "pointercancel", 0, *end)
    assert boxes(page) == 0
    page.dispatch("pointermove", "img", *client(fig, 50, 1))  # hover goes on
    page.advance(100)
    ((_, props),) = page.reported()
    assert list(props) == ["data-hover"]
    page.dispatch("pointerdown", "img", *client(fig, 50, 1))
    page.dispatch("pointerup", "img", *client(fig, 50, 1))  # a click, no brush
    assert page.reported() == [] and boxes(page) == 0


def test_a_brush_is_its_own_pointers_alone():
    # A second finger (or the mouse) neither moves, replaces nor ends it.
    fig, found = line()
    page = shown(found, events=("brush",))
    start, end = client(fig, 20, -2), client(fig, 60, 3)
    finger(page, "pointerdown", 0, *start)
    finger(page, "pointermove", 0, *end)
    finger(page, "pointerdown", 1, *client(fig, 80, 4))
    finger(page, "pointermove", 1, *client(fig, 90, 4))
    finger(page, "pointerup", 1, *client(fig, 90, 4))
    assert page.reported() == [] and boxes(page) == 1
    finger(page, "pointerup", 0, *end)
    ((_, props),) = page.reported()
    assert props["data-brush"]["x"] == pytest.approx([20, 60])
    assert props["data-brush"]["y"] == pytest.approx([-2, 3])
    assert boxes(page) == 0


def test_a_press_that_moves_less_than_4_px_is_a_click():
    fig, found = line()
    page = shown(found)
    start = client(fig, 50, 0)
    page.dispatch("pointerdown", "img", *start)
    page.dispatch("pointermove", "img", start[0] + 3, start[1])
    page.dispatch("pointerup", "img", start[0] + 3, start[1])
    page.dispatch("click", "img", start[0] + 3, start[1])
    ((_, props),) = page.reported()
    assert list(props) == ["data-click"]


def test_pictures_that_report_no_events_are_left_alone():
    fig, found = line()
    page = shown(found, events=("hover",))
    page.dispatch("click", "img", *client(fig, 50, 2))
    page.advance(1000)
    assert page.reported() == [] and page.requests() == []


# -- where the page gets the map -----------------------------------------------


@functools.cache
def big_map():
    """A 2 x 4 grid's map: larger than a header carries."""
    fig = Figure(figsize=(6, 4), dpi=100)
    for i, ax in enumerate(fig.subplots(2, 4).flat):
        ax.set_xlim(i, i + 1)
    fig, found = drawn(fig)
    text = json.dumps(found)
    assert len(coordinates.encode_with_map(fig, PNG, {})[1]) > coordinates.HEADER_LIMIT
    return fig, found, coordinates.map_id(text)


def clicked(page, fig, axes=5):
    ax = fig.axes[axes]
    x, y = sum(ax.get_xlim()) / 2, sum(ax.get_ylim()) / 2
    page.dispatch("click", "img", *client(fig, x, y, axes))
    return page.reported()


def test_a_map_named_in_the_header_is_asked_for_at_the_map_url_by_its_id():
    fig, found, named = big_map()
    page = EventsPage({"pic": ["click"]})
    page.image("img", SRC, (10, 20, found["w"], found["h"]))
    page.answer(SRC, cached=True, headers={"X-Dash-Images-Map": named})
    page.answer(f"{MAP_SRC}&_map={named}", body=found)
    ((_, props),) = clicked(page, fig)
    assert props["data-click"]["axes"] == 5
    assert props["data-click"]["x"] == pytest.approx(5.5)
    assert page.requests() == [
        {"url": SRC, "cache": "only-if-cached", "headers": {}},
        {"url": f"{MAP_SRC}&_map={named}", "cache": "default", "headers": {}},
    ]


def test_without_the_response_the_map_comes_from_resource_timing():
    # format="auto": the response varies on Accept, the cache cannot give it
    # back; its Server-Timing carried the (small) map.
    fig, found = line()
    page = EventsPage({"pic": ["click"]})
    page.image("img", SRC, (10, 20, found["w"], found["h"]))
    page.timing(SRC, json.dumps(found))
    page.dispatch("click", "img", *client(fig, 50, 2))
    assert page.reported()[0][1]["data-click"]["x"] == pytest.approx(50)
    assert page.requests() == []


def test_an_id_from_resource_timing_names_the_map_asked_for():
    fig, found, named = big_map()
    page = EventsPage({"pic": ["click"]})
    page.image("img", SRC, (10, 20, found["w"], found["h"]))
    page.timing(SRC, named)
    page.answer(f"{MAP_SRC}&_map={named}", body=found)
    assert clicked(page, fig)[0][1]["data-click"]["axes"] == 5
    assert page.requests()[-1]["url"] == f"{MAP_SRC}&_map={named}"


@pytest.mark.parametrize("status", [400, 404, 503])
def test_no_map_no_event(status):
    fig, found, _ = big_map()
    page = EventsPage({"pic": ["click"]})
    page.image("img", SRC, (10, 20, found["w"], found["h"]))
    page.answer(MAP_SRC, status=status, body=found)
    assert clicked(page, fig) == []
    # Nothing named: the map URL alone (the server decides for a
    # deterministic picture, and refuses for another).
    assert page.requests()[-1] == {"url": MAP_SRC, "cache": "default", "headers": {}}


@pytest.mark.parametrize(
    ("url", "named", "map_url"),
    [
        ("/image_generator/pic.png?n=1", None, "/image_generator/pic.map?n=1"),
        (
            "/image_generator/pic.png?n=1",
            "ab12",
            "/image_generator/pic.map?n=1&_map=ab12",
        ),
        (
            "http://h:8050/app/image_generator/a.b.webp?x=1.5&y=%22a.b%22&_sig=x.y",
            "0f",
            "http://h:8050/app/image_generator/a.b.map?x=1.5&y=%22a.b%22&_sig=x.y&_map=0f",
        ),
        ("/image_generator/pic.auto", "ab", "/image_generator/pic.map?_map=ab"),
    ],
)
def test_the_map_url_is_the_pictures_with_map_for_its_extension(
    maths, url, named, map_url
):
    call = f"window.dashImagesEvents.mapUrl({json.dumps(url)}, {json.dumps(named)})"
    assert maths.eval(call) == map_url


def test_an_auto_picture_is_never_read_back_from_the_browsers_cache():
    # It varies on Accept: a fetch never matches (and each miss is a
    # console error); what it said comes from resource timing, or nothing.
    fig, found, named = big_map()
    auto = "/image_generator/pic.auto?n=1"
    page = EventsPage({"pic": ["click"]})
    page.image("img", auto, (10, 20, found["w"], found["h"]))
    page.timing(auto, named)
    page.answer(f"/image_generator/pic.map?n=1&_map={named}", body=found)
    assert clicked(page, fig)[0][1]["data-click"]["axes"] == 5
    assert [r["url"] for r in page.requests()] == [
        f"/image_generator/pic.map?n=1&_map={named}"
    ]
