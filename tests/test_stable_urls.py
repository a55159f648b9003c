"""URLs that must not drift: guids, the query's form, the signature.

A URL made by one release is in browsers' caches, in CDNs and in pages other
workers rendered: a change to any of these pinned strings is a decision
(every cached picture goes), never a side effect of a refactor.
"""

from __future__ import annotations

import pytest
from dash import ALL, Input, Output, dcc, html
from PIL import Image

from .dash_browser import DashBrowser


def chart(a, b=1):
    return Image.new("L", (1, 1))


class Dashboard:
    @staticmethod
    def panel(a, b=1):
        return Image.new("L", (1, 1))


def make_inner():
    def inner(a, b=1):
        return Image.new("L", (1, 1))

    return inner


def url(images, app, function, **params):
    with app.test_request_context():
        return images.url_for(function, **params)


def test_a_module_level_generator_has_a_known_url(images, app):
    images.generator()(chart)
    assert (
        url(images, app, chart, a=1) == "/image_generator/193ba0d162f60defc4be.png?a=1"
    )


def test_a_method_generator_has_a_known_url(images, app):
    images.generator()(Dashboard.panel)
    assert (
        url(images, app, Dashboard.panel, a=1)
        == "/image_generator/5173970b600a46a6c37d.png?a=1"
    )


def test_a_nested_generator_has_a_known_url(images, app):
    inner = make_inner()
    images.generator()(inner)
    assert (
        url(images, app, inner, a=1) == "/image_generator/d05f26c6af2db6ecd538.png?a=1"
    )


@pytest.mark.parametrize("clientside", [True, False], ids=["browser", "server"])
def test_a_dash_callback_has_a_known_url(dash_factory, images, clientside):
    dash_app = dash_factory(html.Div([dcc.Input(id="n", value=1), html.Img(id="c")]))
    images.callback(Output("c", "src"), Input("n", "value"), clientside=clientside)(
        chart
    )
    url = DashBrowser(dash_app).update("c.src", [3])
    assert url == "/image_generator/7ea4e530214ecb15d11a.png?a=3"


@pytest.mark.parametrize("clientside", [True, False], ids=["browser", "server"])
def test_a_pattern_matching_dash_callback_has_a_known_url(
    dash_factory, images, clientside
):
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Input(id={"t": "n", "i": 0}, value=1),
                html.Img(id={"t": "c", "i": 0}),
            ]
        )
    )
    images.callback(
        Output({"t": "c", "i": ALL}, "src"),
        Input({"t": "n", "i": ALL}, "value"),
        clientside=clientside,
    )(chart)
    srcs = DashBrowser(dash_app).update(
        '{"i":["ALL"],"t":"c"}.src',
        [[({"t": "n", "i": 0}, 3)]],
        outputs=[{"t": "c", "i": 0}],
    )
    assert list(srcs) == ["/image_generator/6da240571a720e303b77.png?a=3"]


def test_a_signed_versioned_url_is_known_byte_for_byte(images, app_factory):
    images.generator(version="g2")(chart)
    app = app_factory(SECRET_KEY="pinned secret", DASH_IMAGES_VERSION="app-7")
    built = url(
        images,
        app,
        chart,
        a={"z": [1, 2.5, -3e-7, True, None], "a": "Q1 & Q2: ünï 🖼 'x'/+%"},
        b=1e21,
    )
    assert built == (
        "/image_generator/193ba0d162f60defc4be.png"
        "?a=%7B%22a%22:%22Q1%20%26%20Q2:%20%C3%BCn%C3%AF%20%F0%9F%96%BC%20%27x%27"
        "%2F%2B%25%22,%22z%22:%5B1,2.5,-3e-7,true,null%5D%7D"
        "&b=1e%2B21&_v=app-7.g2&_sig=hsuOfG_kc5-QT7hwd7893p6Z76UkvzZmbigFH781Crg"
    )
    assert app.test_client().get(built).status_code == 200


def test_url_for_writes_parameters_in_the_generators_order(images, app):
    images.generator(name="two")(chart)
    assert (
        url(images, app, "two", b=2, a=1)
        == url(images, app, "two", a=1, b=2)
        == "/image_generator/two.png?a=1&b=2"
    )


def test_url_for_in_keyword_order_signs_the_same_url(images, app_factory):
    images.generator(name="two")(chart)
    app = app_factory(SECRET_KEY="k")
    backwards, forwards = (
        url(images, app, "two", b=[2], a="x"),
        url(images, app, "two", a="x", b=[2]),
    )
    assert backwards == forwards
    assert backwards.startswith("/image_generator/two.png?a=%22x%22&b=%5B2%5D&_sig=")
