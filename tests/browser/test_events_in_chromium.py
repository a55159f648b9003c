"""Pointer events in data coordinates (events=) in Chromium: clicks on known
data points of matplotlib figures (linear, log, inverted, subplots) and of a
numpy picture with an extent, at pixel ratios 1 and 2, scaled by CSS and
responsive; brushing and its clearing; hover; no second render for the map."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from dash import Dash, Input, Output, html
from flask import Flask
from flask_caching import Cache
from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from flask_dash_images import DynamicImages, Extent

from .helpers import page_log, wait_for_image

pytestmark = pytest.mark.browser

EVENTS = ("data-click", "data-dblclick", "data-hover", "data-brush")


def figure(kind):
    """A 600 x 400 figure whose data points the tests click on."""
    fig = Figure(figsize=(6, 4), dpi=100)
    if kind == "subplots":
        for i, ax in enumerate(fig.subplots(2, 3).flat):
            ax.set_xlim(i, i + 1)
            ax.set_ylim(-i, 10 * (i + 1))
        fig.tight_layout()
        return fig
    ax = fig.add_subplot()
    ax.set_xlim(0, 100)
    ax.set_ylim(-5, 5)
    if kind == "log":
        ax.set_xscale("log")
        ax.set_xlim(1, 1000)
        ax.set_yscale("log")
        ax.set_ylim(0.01, 100)
    if kind == "inverted":
        ax.invert_xaxis()
        ax.invert_yaxis()
    ax.plot([1, 50, 99], [1, 2, 3], "o")
    return fig


def events_app(dash_factory, images, draw, calls, css_width=600, **options):
    dash_app = dash_factory(
        html.Div(
            [
                html.Img(id="pic", style={"width": f"{css_width}px"}),
                *(html.Pre(id=f"out-{p}") for p in EVENTS),
                html.Div(id="n", children=1),
            ],
            style={"padding": "20px"},
        )
    )

    @images.callback(
        Output("pic", "src"),
        Input("n", "children"),
        events=("click", "dblclick", "hover", options.pop("brush", "brush")),
        **options,
    )
    def picture(n, **size):
        calls.append(n)
        return draw(**size)

    for prop in EVENTS:
        dash_app.callback(Output(f"out-{prop}", "children"), Input("pic", prop))(
            lambda value: json.dumps(value)
        )
    return dash_app


def open_events_app(new_context, live_server, dash_app, scale=1, shown=None):
    """The app in a page at this pixel ratio, once its picture is shown.

    :param shown: what the picture's ``currentSrc`` must end with (a srcSet
        candidate); by default its ``src``.
    """
    page = new_context(device_scale_factor=scale).new_page()
    page.goto(live_server(dash_app))
    if shown is None:
        wait_for_image(page, "#pic")
    else:
        page.wait_for_function(
            "(end) => { const i = document.querySelector('#pic');"
            " return i !== null && i.complete && i.naturalWidth > 0"
            " && i.currentSrc.endsWith(end); }",
            arg=shown,
        )
    return page


def css_point(page, fx, fy):
    """The page position of the point at fractions (fx, fy) of the picture."""
    box = page.locator("#pic").bounding_box()
    return box["x"] + fx * box["width"], box["y"] + fy * box["height"]


def data_to_fractions(fig, x, y, axes=0):
    """Where the data point (x, y) of a drawn figure is, as fractions of the
    picture from its top left (matplotlib's own transform)."""
    FigureCanvasAgg(fig).draw()  # the layout, as the server drew it
    px, py = fig.axes[axes].transData.transform((x, y))
    width, height = fig.get_size_inches() * fig.dpi
    return px / width, 1 - py / height


def reported(page, prop, previous=None):
    selector = f"#out-{prop}"
    page.wait_for_function(
        "([s, p]) => { const t = document.querySelector(s).textContent;"
        " return t !== '' && t !== 'null' && t !== p; }",
        arg=[selector, previous or ""],
    )
    return json.loads(page.inner_text(selector))


def half_a_css_pixel(fig, page, axes=0, log=(False, False)):
    """Half a CSS pixel of the picture shown, in data units along x and y
    (for a log axis: as a factor)."""
    FigureCanvasAgg(fig).draw()
    box = fig.axes[axes].get_position()
    shown = page.locator("#pic").bounding_box()
    tolerances = []
    for (low, high), share, size, is_log in (
        (fig.axes[axes].get_xlim(), box.width, shown["width"], log[0]),
        (fig.axes[axes].get_ylim(), box.height, shown["height"], log[1]),
    ):
        pixels = share * size
        if is_log:
            tolerances.append(math.exp(abs(math.log(high / low)) / pixels / 2))
        else:
            tolerances.append(abs(high - low) / pixels / 2)
    return tolerances


def assert_near(value, expected, tolerance, is_log=False):
    if is_log:
        assert expected / tolerance <= value <= expected * tolerance, (value, expected)
    else:
        assert abs(value - expected) <= tolerance, (value, expected, tolerance)


@pytest.mark.parametrize("scale", [1, 1.25, 2], ids=["1x", "1.25x", "2x"])
@pytest.mark.parametrize("kind", ["linear", "log", "inverted"])
def test_a_click_on_a_figure_reports_its_data_coordinates(
    dash_factory, images, new_context, live_server, kind, scale
):
    calls = []
    dash_app = events_app(dash_factory, images, lambda: figure(kind), calls)
    page = open_events_app(new_context, live_server, dash_app, scale)
    fig = figure(kind)
    log = (kind == "log", kind == "log")
    tolerance = half_a_css_pixel(fig, page, log=log)
    points = [(10, 0.1), (500, 50)] if kind == "log" else [(1, 1), (50, 2), (99, -3)]
    previous = None
    for x, y in points:
        page.mouse.click(*css_point(page, *data_to_fractions(fig, x, y)))
        found = reported(page, "data-click", previous)
        previous = json.dumps(found)
        assert (found["axes"], found["row"], found["col"]) == (0, 0, 0)
        assert_near(found["x"], x, tolerance[0], log[0])
        assert_near(found["y"], y, tolerance[1], log[1])
    # The map came with the picture: the generator ran once.
    assert calls == [1]


def test_each_subplot_reports_its_own_axes_row_and_column(
    dash_factory, images, new_context, live_server
):
    dash_app = events_app(dash_factory, images, lambda: figure("subplots"), [])
    page = open_events_app(new_context, live_server, dash_app, 2)
    fig = figure("subplots")
    previous = None
    for i in range(6):
        x, y = i + 0.25, 5 * (i + 1)
        page.mouse.click(*css_point(page, *data_to_fractions(fig, x, y, axes=i)))
        found = reported(page, "data-click", previous)
        previous = json.dumps(found)
        assert (found["axes"], found["row"], found["col"]) == (i, i // 3, i % 3)
        tolerance = half_a_css_pixel(fig, page, axes=i)
        assert_near(found["x"], x, tolerance[0])
        assert_near(found["y"], y, tolerance[1])


def test_outside_every_axes_a_click_reports_nothing(
    dash_factory, images, new_context, live_server
):
    dash_app = events_app(dash_factory, images, lambda: figure("linear"), [])
    page = open_events_app(new_context, live_server, dash_app)
    page.mouse.click(*css_point(page, 0.01, 0.01))  # the figure's margin
    page.mouse.click(*css_point(page, *data_to_fractions(figure("linear"), 50, 0)))
    found = reported(page, "data-click")
    assert found["n"] == 1 and found["axes"] == 0  # the first click made none


def heat_map(width=None, height=None, scale=None):
    array = np.zeros((200, 300), dtype=np.uint8)
    return Extent(array, x=(0, 10), y=(0, 1))


@pytest.mark.parametrize("scale", [1, 2], ids=["1x", "2x"])
def test_a_picture_with_an_extent_reports_its_units_at_any_shown_size(
    dash_factory, images, new_context, live_server, scale
):
    # 300 x 200 pixels shown at 450 x 300 CSS pixels.
    dash_app = events_app(dash_factory, images, heat_map, [], css_width=450)
    page = open_events_app(new_context, live_server, dash_app, scale)
    previous = None
    for x, y in [(2.5, 0.25), (7.5, 0.9)]:
        page.mouse.click(*css_point(page, x / 10, 1 - y))
        found = reported(page, "data-click", previous)
        previous = json.dumps(found)
        assert found["axes"] is None
        assert_near(found["x"], x, 10 / 450 / 2)
        assert_near(found["y"], y, 1 / 300 / 2)


def test_a_hidpi_picture_reports_the_same_data_from_its_2x_picture(
    dash_factory, images, new_context, live_server
):
    # At ratio 2 the browser shows the srcSet's 2x picture: twice the
    # pixels, the same extent, the same data under the pointer.
    def drawn(scale):
        return Extent(
            np.zeros((100 * scale, 150 * scale), np.uint8), x=(0, 3), y=(0, 2)
        )

    dash_app = events_app(dash_factory, images, drawn, [], css_width=300, hidpi=True)
    page = open_events_app(new_context, live_server, dash_app, 2, shown="scale=2")
    page.mouse.click(*css_point(page, 0.5, 0.25))
    found = reported(page, "data-click")
    assert_near(found["x"], 1.5, 3 / 300 / 2)
    assert_near(found["y"], 1.5, 2 / 200 / 2)


def test_a_plain_picture_reports_its_own_pixels(
    dash_factory, images, new_context, live_server
):
    dash_app = events_app(
        dash_factory, images, lambda: np.zeros((200, 300), np.uint8), [], css_width=150
    )
    page = open_events_app(new_context, live_server, dash_app, 2)
    page.mouse.click(*css_point(page, 0.5, 0.25))
    found = reported(page, "data-click")
    # Half a CSS pixel of a picture shown at half its size: one pixel.
    assert_near(found["x"], 150, 1)
    assert_near(found["y"], 50, 1)


def test_a_responsive_figure_at_ratio_2_reports_data_coordinates(
    dash_factory, images, new_context, live_server
):
    def responsive_figure(width, height, scale):
        fig = Figure(figsize=(width / (100 * scale), 4), dpi=100 * scale)
        ax = fig.add_subplot()
        ax.set_xlim(0, 100)
        ax.set_ylim(-5, 5)
        return fig

    dash_app = dash_factory(
        html.Div(
            [
                html.Div(
                    html.Img(id="pic", style={"width": "100%"}),
                    style={"width": "500px"},
                ),
                html.Pre(id="out-data-click"),
                html.Div(id="n", children=1),
            ]
        )
    )
    images.callback(
        Output("pic", "src"), Input("n", "children"), responsive=True, events=("click",)
    )(lambda n, width, height, scale: responsive_figure(width, height, scale))
    dash_app.callback(Output("out-data-click", "children"), Input("pic", "data-click"))(
        lambda value: json.dumps(value)
    )
    page = open_events_app(new_context, live_server, dash_app, 2)
    fig = responsive_figure(1000, None, 2)
    page.mouse.click(*css_point(page, *data_to_fractions(fig, 25, 2.5)))
    found = reported(page, "data-click")
    tolerance = half_a_css_pixel(fig, page)
    assert_near(found["x"], 25, tolerance[0])
    assert_near(found["y"], 2.5, tolerance[1])


@pytest.mark.parametrize("brush", ["brush", "brush-x"])
def test_a_brush_reports_the_dragged_range_and_a_double_click_clears_it(
    dash_factory, images, new_context, live_server, brush
):
    dash_app = events_app(
        dash_factory, images, lambda: figure("linear"), [], brush=brush
    )
    page = open_events_app(new_context, live_server, dash_app)
    fig = figure("linear")
    tolerance = half_a_css_pixel(fig, page)
    page.mouse.move(*css_point(page, *data_to_fractions(fig, 20, -2)))
    page.mouse.down()
    page.mouse.move(*css_point(page, *data_to_fractions(fig, 40, 0)), steps=5)
    page.mouse.move(*css_point(page, *data_to_fractions(fig, 60, 3)), steps=5)
    assert page.locator("[data-dash-images-brush]").count() == 1  # shown
    page.mouse.up()
    found = reported(page, "data-brush")
    assert page.locator("[data-dash-images-brush]").count() == 0
    assert found["axes"] == 0
    assert_near(found["x"][0], 20, tolerance[0])
    assert_near(found["x"][1], 60, tolerance[0])
    if brush == "brush":
        assert_near(found["y"][0], -2, tolerance[1])
        assert_near(found["y"][1], 3, tolerance[1])
    else:
        assert found["y"] is None
    # The drag was no click.
    assert page.inner_text("#out-data-click") in ("", "null")
    page.mouse.dblclick(*css_point(page, 0.5, 0.5))
    page.wait_for_function(
        "document.querySelector('#out-data-brush').textContent === 'null'"
    )
    assert reported(page, "data-dblclick")["axes"] == 0


def test_one_finger_brushes_on_a_touch_screen(
    dash_factory, images, new_context, live_server
):
    # On a page that scrolls: the picture takes the finger, not the page.
    dash_app = events_app(dash_factory, images, lambda: figure("linear"), [])
    page = new_context(has_touch=True).new_page()
    page.goto(live_server(dash_app))
    wait_for_image(page, "#pic")
    page.evaluate("document.body.style.minHeight = '3000px'")
    fig = figure("linear")
    tolerance = half_a_css_pixel(fig, page)
    start = css_point(page, *data_to_fractions(fig, 20, -2))
    end = css_point(page, *data_to_fractions(fig, 60, 3))
    cdp = page.context.new_cdp_session(page)

    def touch(kind, points):
        cdp.send(
            "Input.dispatchTouchEvent",
            {"type": kind, "touchPoints": [{"x": x, "y": y} for x, y in points]},
        )

    touch("touchStart", [start])
    for step in range(1, 11):
        touch(
            "touchMove",
            [
                (
                    start[0] + (end[0] - start[0]) * step / 10,
                    start[1] + (end[1] - start[1]) * step / 10,
                )
            ],
        )
    assert page.locator("[data-dash-images-brush]").count() == 1
    touch("touchEnd", [])
    found = reported(page, "data-brush")
    assert page.locator("[data-dash-images-brush]").count() == 0
    assert page.evaluate("window.scrollY") == 0
    assert_near(found["x"][0], 20, tolerance[0])
    assert_near(found["x"][1], 60, tolerance[0])
    assert_near(found["y"][0], -2, tolerance[1])
    assert_near(found["y"][1], 3, tolerance[1])


def test_hover_reports_where_the_pointer_rests(
    dash_factory, images, new_context, live_server
):
    dash_app = events_app(dash_factory, images, lambda: figure("linear"), [])
    page = open_events_app(new_context, live_server, dash_app)
    fig = figure("linear")
    for x in range(10, 60, 5):  # a quick sweep: throttled, the last one wins
        page.mouse.move(*css_point(page, *data_to_fractions(fig, x, 1)))
    page.wait_for_timeout(300)
    found = reported(page, "data-hover")
    tolerance = half_a_css_pixel(fig, page)
    assert_near(found["x"], 55, tolerance[0])
    assert_near(found["y"], 1, tolerance[1])


def test_nobody_interacting_costs_no_request(
    dash_factory, images, new_context, live_server
):
    calls = []
    dash_app = events_app(dash_factory, images, lambda: figure("linear"), calls)
    page = open_events_app(new_context, live_server, dash_app)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.wait_for_timeout(300)
    assert requests == []
    assert calls == [1]


def test_dashs_dev_tools_find_no_fault_with_the_event_properties(
    dash_factory, images, new_context, live_server
):
    dash_app = events_app(dash_factory, images, lambda: figure("linear"), [])
    dash_app.enable_dev_tools(
        debug=True, dev_tools_hot_reload=False, dev_tools_disable_version_check=True
    )
    page = open_events_app(new_context, live_server, dash_app)
    fig = figure("linear")
    page.mouse.click(*css_point(page, *data_to_fractions(fig, 50, 2)))
    assert reported(page, "data-click")["axes"] == 0
    page.mouse.move(*css_point(page, *data_to_fractions(fig, 20, -2)))
    page.mouse.down()
    page.mouse.move(*css_point(page, *data_to_fractions(fig, 60, 3)), steps=5)
    page.mouse.up()
    assert reported(page, "data-brush")["axes"] == 0
    # The dev tools' menu is there, with no error to count.
    page.wait_for_selector("[class^=dash-debug-menu]", state="attached")
    assert page.locator(".test-devtools-error-count").count() == 0


def four_kinds():
    """A 700 x 500 figure: a symlog axes, a polar one, one with a log twin,
    and an image with its colorbar."""
    fig = Figure(figsize=(7, 5), dpi=100)
    symlog = fig.add_subplot(2, 2, 1)
    symlog.set_xscale("symlog")
    symlog.set_xlim(-1000, 1000)
    symlog.set_ylim(0, 1)
    polar = fig.add_subplot(2, 2, 2, projection="polar")
    polar.set_theta_offset(0.5)
    polar.set_rlim(0, 1)
    base = fig.add_subplot(2, 2, 3)
    twin = base.twinx()
    twin.set_yscale("log")
    twin.set_ylim(1, 1000)
    image = fig.add_subplot(2, 2, 4)
    fig.colorbar(image.imshow(np.arange(12).reshape(3, 4)), ax=image)
    return fig


def test_a_click_is_what_matplotlib_says_at_that_pixel(
    dash_factory, images, new_context, live_server
):
    dash_app = events_app(dash_factory, images, four_kinds, [], css_width=700)
    page = open_events_app(new_context, live_server, dash_app)
    fig = four_kinds()
    box = page.locator("#pic").bounding_box()
    assert box["x"] == int(box["x"]) and box["y"] == int(box["y"])
    previous = None
    for axes, point, cell in [
        (0, (19.3, 0.5), (0, 0)),  # symlog: 19.3, where a linear reading said 1202
        (1, (1.0, 0.5), (0, 1)),  # polar: theta (offset 0.5), r
        (3, (0.5, 50), (1, 0)),  # the twin is on top: its (log) y
        (4, (1.5, 1.0), (1, 1)),  # an image beside its colorbar: its cell
        (5, (0.5, 5.5), (1, 1)),  # the colorbar, in its image's cell
    ]:
        # A whole pixel of the picture, shown at its natural size at ratio
        # 1: the page measures exactly that pixel.
        fx, fy = data_to_fractions(fig, *point, axes=axes)
        px, py = round(fx * 700), round(fy * 500)
        page.mouse.click(box["x"] + px, box["y"] + py)
        found = reported(page, "data-click", previous)
        previous = json.dumps(found)
        # matplotlib's own event at that pixel.
        event = MouseEvent("button_press_event", fig.canvas, px, 500 - py)
        assert fig.axes.index(event.inaxes) == axes == found["axes"]
        assert (found["row"], found["col"]) == cell
        assert found["x"] == pytest.approx(event.xdata, rel=1e-9)
        assert found["y"] == pytest.approx(event.ydata, rel=1e-9)


def test_outside_the_polar_circle_a_click_reports_nothing(
    dash_factory, images, new_context, live_server
):
    dash_app = events_app(dash_factory, images, four_kinds, [], css_width=700)
    page = open_events_app(new_context, live_server, dash_app)
    fig = four_kinds()
    FigureCanvasAgg(fig).draw()
    box = fig.axes[1].bbox  # the polar axes' box: its corner is no axes
    corner = (box.x1 - 3) / 700, 1 - (box.y1 - 3) / 500
    assert MouseEvent("m", fig.canvas, box.x1 - 3, box.y1 - 3).inaxes is None
    page.mouse.click(*css_point(page, *corner))
    page.mouse.click(*css_point(page, *data_to_fractions(fig, 2.0, 0.5, axes=1)))
    found = reported(page, "data-click")
    assert found["n"] == 1 and found["axes"] == 1  # the first click made none


def test_an_svg_text_picture_reports_no_event(
    dash_factory, images, new_context, live_server
):
    def svg_text():
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200">'
            '<rect width="300" height="200" fill="teal"/></svg>'
        )

    dash_app = events_app(
        dash_factory, images, svg_text, [], css_width=300, format="svg"
    )
    page = open_events_app(new_context, live_server, dash_app)
    page.mouse.click(*css_point(page, 0.5, 0.5))
    page.mouse.click(*css_point(page, 0.1, 0.9))
    page.wait_for_timeout(300)
    assert page.inner_text("#out-data-click") in ("", "null")


def test_an_auto_format_picture_is_drawn_once_and_its_own_map_used(
    dash_factory, images, new_context, live_server
):
    # format="auto" varies on Accept: the response cannot be read back from
    # the browser's cache, so its map comes from its Server-Timing.
    calls = []
    dash_app = events_app(
        dash_factory, images, lambda: figure("log"), calls, format="auto"
    )
    page = open_events_app(new_context, live_server, dash_app)
    fig = figure("log")
    page.mouse.click(*css_point(page, *data_to_fractions(fig, 10, 0.1)))
    found = reported(page, "data-click")
    tolerance = half_a_css_pixel(fig, page, log=(True, True))
    assert_near(found["x"], 10, tolerance[0], is_log=True)
    assert_near(found["y"], 0.1, tolerance[1], is_log=True)
    assert calls == [1]
    pictures = [url for _, url in page_log(page).image_responses()]
    assert len(pictures) == 1 and pictures[0].endswith(".auto?n=1")


def test_a_large_map_comes_from_the_server_cache_whatever_the_format(
    new_context, live_server
):
    calls = []

    def grid(n):
        calls.append(n)
        fig = Figure(figsize=(8, 4), dpi=75)
        for i, ax in enumerate(fig.subplots(2, 4).flat):
            ax.set_xlim(i, i + 1)
        return fig

    images = DynamicImages(cache=Cache(config={"CACHE_TYPE": "SimpleCache"}))
    server = Flask(__name__)
    images.init_app(server)
    dash_app = Dash(__name__, server=server)
    dash_app.layout = html.Div(
        [
            html.Img(id="pic"),
            html.Pre(id="out-data-click"),
            html.Div(id="n", children=1),
        ]
    )
    images.callback(
        Output("pic", "src"), Input("n", "children"), events=("click",), format="auto"
    )(grid)
    dash_app.callback(Output("out-data-click", "children"), Input("pic", "data-click"))(
        lambda value: json.dumps(value)
    )
    page = open_events_app(new_context, live_server, dash_app)
    fig = grid(1)
    page.mouse.click(*css_point(page, *data_to_fractions(fig, 6.5, 0.5, axes=6)))
    found = reported(page, "data-click")
    assert (found["axes"], found["row"], found["col"]) == (6, 1, 2)
    assert found["x"] == pytest.approx(6.5, abs=0.02)
    # One render: the map request was a server cache hit.
    assert calls == [1, 1]  # the page's, and this test's own
    maps = [(s, u) for s, u in page_log(page).image_responses() if ".map?" in u]
    assert len(maps) == 1 and maps[0][0] == 200 and "&_map=" in maps[0][1]
