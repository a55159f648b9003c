"""clientside=True in Chromium: the browser builds the server's URLs, for any
value, with pattern-matching ids, under a prefix, and with hidpi."""

from __future__ import annotations

import json

import pytest
from dash import ALL, MATCH, Input, Output, dcc, html
from flask import Flask
from hypothesis import HealthCheck, given, settings
from PIL import Image
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from flask_dash_images.dash.clientside import url_function

from ..test_codec import json_values
from .helpers import image_selector, wait_for_image

pytestmark = pytest.mark.browser


def test_the_browser_builds_the_servers_url_for_any_value(
    dash_factory, images, open_app
):
    dash_app = dash_factory(
        html.Div([dcc.Input(id="a"), dcc.Input(id="b"), html.Img(id="img")])
    )
    images.callback(
        Output("img", "src"), Input("a", "value"), Input("b", "value"), version="v1"
    )(lambda a, b: Image.new("L", (1, 1)))
    (spec,) = images.registry
    script = url_function(
        f"image_generator/{spec.guid}.png", ["a", "b"], "v1", None, [False, False]
    )
    page = open_app(dash_app)

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(json_values, json_values)
    def check(a, b):
        # The browser has the values as Dash gives them to a clientside
        # callback; the server gets them as JSON from the browser.
        url, sent = page.evaluate(
            f"([a, b]) => [({script})(a, b), JSON.stringify([a, b])]", [a, b]
        )
        with dash_app.server.test_request_context():
            a, b = json.loads(sent)
            assert url == images.url_for(spec.guid, a=a, b=b)

    check()


def thumbnails(count):
    return [
        component
        for i in range(count)
        for component in (
            dcc.Input(id={"type": "shade", "index": i}, type="number", value=40 * i),
            html.Img(id={"type": "thumb", "index": i}),
            html.Img(id={"type": "strip", "index": i}),
        )
    ]


def test_pattern_matching_ids_clientside(dash_factory, images, open_app):
    dash_app = dash_factory(html.Div([dcc.Input(id="width", value=3), *thumbnails(3)]))

    @images.callback(
        Output({"type": "thumb", "index": MATCH}, "src"),
        Input({"type": "shade", "index": MATCH}, "value"),
        clientside=True,
    )
    def thumb(shade):
        return Image.new("L", (4 + shade // 40, 4), shade)

    @images.callback(
        Output({"type": "strip", "index": ALL}, "src"),
        Input({"type": "shade", "index": ALL}, "value"),
        Input("width", "value"),
        clientside=True,
    )
    def strip(shade, width):
        return Image.new("L", (int(width), 1 + shade // 40), shade)

    page = open_app(dash_app)
    for i in range(3):
        thumb_image = wait_for_image(
            page, image_selector({"type": "thumb", "index": i})
        )
        strip_image = wait_for_image(
            page, image_selector({"type": "strip", "index": i})
        )
        assert (thumb_image.width, thumb_image.height) == (4 + i, 4)
        assert (strip_image.width, strip_image.height) == (3, 1 + i)


def test_clientside_urls_under_a_requests_pathname_prefix(images, live_server, page):
    import dash

    server = Flask(__name__)
    images.init_app(server)
    dash_app = dash.Dash(__name__, server=server, requests_pathname_prefix="/sub/")
    dash_app.layout = html.Div([dcc.Input(id="n", value=6), html.Img(id="img")])
    images.callback(Output("img", "src"), Input("n", "value"), clientside=True)(
        lambda n: Image.new("L", (int(n), 2))
    )
    root = Flask("root")
    base = live_server(DispatcherMiddleware(root, {"/sub": server}))
    page.goto(base + "/sub/")
    picture = wait_for_image(page, "#img")
    assert picture.src.startswith("/sub/image_generator/")
    assert picture.width == 6


def test_hidpi_clientside_sets_src_and_srcset(dash_factory, images, open_app):
    dash_app = dash_factory(html.Div([dcc.Input(id="n", value=5), html.Img(id="img")]))

    @images.callback(
        Output("img", "src"), Input("n", "value"), clientside=True, hidpi=True
    )
    def swatch(n, *, scale):
        return Image.new("L", (int(n) * scale, int(n) * scale))

    page = open_app(dash_app)
    picture = wait_for_image(page, "#img")
    srcset = page.get_attribute("#img", "srcset")
    assert picture.src.endswith("?n=5&scale=1")
    assert srcset == picture.src.replace("scale=1", "scale=2") + " 2x"
    # This page has device pixel ratio 1: the 1x picture is the one shown.
    assert picture.width == 5
