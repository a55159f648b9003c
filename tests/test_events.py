"""events=: each picture carries its coordinate map in its own response
(X-Dash-Images-Map), from the render, the server cache or a worker process;
the page names the pictures that report events. (The browser's side:
tests/browser/test_events_in_chromium.py.)"""

from __future__ import annotations

import json

import numpy as np
import pytest
from dash import Dash, Input, Output, dcc, html
from flask import Flask
from flask_caching import Cache
from matplotlib.figure import Figure
from PIL import Image

from flask_dash_images import DynamicImages, Extent, RegistrationError
from flask_dash_images.core import axes_map

from .apps import render_jobs

HEADER = "X-Dash-Images-Map"


def layout():
    return html.Div([dcc.Input(id="n", value=1), html.Img(id="img")])


def served_map(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return json.loads(response.headers[HEADER])


def figure(n):
    fig = Figure(figsize=(4, 3), dpi=100)
    left, right = fig.subplots(1, 2)
    left.set_xlim(0, 10)
    left.set_ylim(5, -5)  # inverted
    right.set_xscale("log")
    right.set_xlim(1, 100)
    return fig


def test_a_figures_map_is_made_from_the_figure_as_it_was_drawn(dash_factory, images):
    dash_app = dash_factory(layout())
    images.callback(
        Output("img", "src"), Input("n", "value"), events=("click",), name="f"
    )(figure)
    found = served_map(dash_app.server.test_client(), "/image_generator/f.png?n=1")
    assert (found["w"], found["h"]) == (400, 300)
    # Topmost first: of equal zorders, the later axes.
    right, left = found["axes"]
    assert (left["i"], left["row"], left["col"]) == (0, 0, 0)
    assert (right["i"], right["row"], right["col"]) == (1, 0, 1)
    expected = figure(1)
    expected.canvas.draw()
    for entry in (left, right):
        axes = expected.axes[entry["i"]]
        inside = axes.bbox.x0 + 10, axes.bbox.y0 + 10
        assert axes_map.data_at(entry["inv"], *inside) == pytest.approx(
            tuple(axes.transData.inverted().transform(inside))
        )
    assert right["inv"][-1] == ["s", ["log", 10.0], None]


@pytest.mark.parametrize(
    ("picture", "expected"),
    [
        (lambda: Image.new("L", (30, 20)), {"w": 30, "h": 20}),
        (lambda: np.zeros((20, 30), np.uint8), {"w": 30, "h": 20}),
        (
            lambda: Extent(np.zeros((20, 30), np.uint8), x=(0, 10), y=(-1, 1)),
            {"w": 30, "h": 20, "extent": {"x": [0, 10], "y": [-1, 1]}},
        ),
    ],
    ids=["pillow", "numpy", "extent"],
)
def test_a_pictures_map_has_its_size_and_extent(
    dash_factory, images, picture, expected
):
    dash_app = dash_factory(layout())
    images.callback(
        Output("img", "src"), Input("n", "value"), events=("hover",), name="p"
    )(lambda n: picture())
    client = dash_app.server.test_client()
    assert served_map(client, "/image_generator/p.png?n=1") == expected


def test_a_picture_whose_size_the_server_cannot_read_has_an_empty_map(
    dash_factory, images
):
    # SVG text: no size to measure positions by, so no event (never (0, 0)).
    dash_app = dash_factory(layout())
    images.callback(
        Output("img", "src"),
        Input("n", "value"),
        events=("click",),
        format="svg",
        name="t",
    )(lambda n: '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')
    client = dash_app.server.test_client()
    assert served_map(client, "/image_generator/t.svg?n=1") == {}


def test_without_events_no_map_is_sent(dash_factory, images):
    dash_app = dash_factory(layout())
    images.callback(Output("img", "src"), Input("n", "value"), name="p")(figure)
    response = dash_app.server.test_client().get("/image_generator/p.png?n=1")
    assert response.status_code == 200 and HEADER not in response.headers


def test_a_cached_picture_keeps_its_map():
    images = DynamicImages(cache=Cache(config={"CACHE_TYPE": "SimpleCache"}))
    calls = []

    @images.callback(
        Output("img", "src"),
        Input("n", "value"),
        events=("click",),
        deterministic=True,
        name="f",
    )
    def cached(n):
        calls.append(n)
        return figure(n)

    server = Flask(__name__)
    images.init_app(server)
    Dash(__name__, server=server).layout = layout()
    client = server.test_client()
    first = client.get("/image_generator/f.png?n=1")
    hit = client.get("/image_generator/f.png?n=1")
    assert 'hit;desc="server cache"' in hit.headers["Server-Timing"]
    assert hit.headers[HEADER] == first.headers[HEADER]
    assert hit.data == first.data and calls == [1]


def test_a_worker_process_sends_the_map_too(dash_factory, images):
    dash_app = dash_factory(layout(), config={"DASH_IMAGES_RENDER_PROCESSES": 1})
    images.callback(
        Output("img", "src"), Input("n", "value"), events=("click",), name="sq"
    )(render_jobs.square)
    try:
        client = dash_app.server.test_client()
        assert served_map(client, "/image_generator/sq.png?n=7") == {"w": 7, "h": 7}
    finally:
        dash_app.server.extensions["dash_images"].service.runner.close()


def test_the_page_names_the_pictures_that_report_events(dash_factory, images):
    dash_app = dash_factory(layout())
    images.callback(
        Output("img", "src"), Input("n", "value"), events=("click", "brush-x"), name="e"
    )(figure)
    images.callback(Output("other", "src"), Input("n", "value"), name="quiet")(figure)
    page = dash_app.server.test_client().get("/").get_data(as_text=True)
    start = page.index('<script id="_dash-images-config" type="application/json">')
    text = page[start:].partition(">")[2].partition("</script>")[0]
    # A brush moves the view: the page previews it (preview= by default).
    assert json.loads(text) == {
        "events": {"e": ["click", "brush-x"]},
        "preview": ["e"],
    }


@pytest.mark.parametrize(
    "events",
    [("tap",), ("brush", "brush-x"), ("click", "click"), ("Click",)],
)
def test_unknown_or_repeated_events_are_refused_at_decoration(images, events):
    with pytest.raises(RegistrationError, match="with at most one brush"):
        images.callback(Output("img", "src"), Input("n", "value"), events=events)(
            figure
        )


def test_one_event_may_be_named_alone(images):
    images.callback(Output("img", "src"), Input("n", "value"), events="click")(figure)
    (spec,) = images.registry
    assert spec.events == ("click",)


def test_events_are_for_image_callbacks_only(images):
    with pytest.raises(RegistrationError, match="events: an option of Dash image"):
        images.generator(events=("click",))


@pytest.mark.parametrize(
    ("alt", "message"),
    [
        ("Line to ({x}, {z})", "names 'z', not a parameter of the generator (x, y)"),
        ("Line to {x", "expected '}' before end of string"),
        (3, "alt must be text, not 3"),
    ],
)
def test_an_alt_template_names_parameters_of_the_generator(images, alt, message):
    with pytest.raises(RegistrationError, match="alt") as error:
        images.callback(
            Output("img", "src"), Input("x", "value"), Input("y", "value"), alt=alt
        )(lambda x, y: None)
    assert message in str(error.value)
