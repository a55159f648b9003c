"""Image callbacks in a real browser: Chromium loads, decodes and redraws them."""

from __future__ import annotations

import dash
import pytest
from dash import MATCH, Input, Output, dcc, html
from flask import Flask
from PIL import Image

from ..conftest import same_pixels
from .helpers import (
    allow_console_errors,
    assert_no_console_errors,
    fill_and_wait_for_image,
    image_selector,
    page_log,
    read_image,
    read_pixel,
    wait_for_broken_image,
    wait_for_image,
    wait_for_response,
)

pytestmark = pytest.mark.browser


def swatch(red: int, size: tuple[int, int] = (24, 16)) -> Image.Image:
    """A solid colour the test can recognise from one pixel."""
    return Image.new("RGB", size, (red, 255 - red, 64))


def swatch_app(dash_factory, images, value=10):
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id="red", type="number", value=value), html.Img(id="swatch")]
        )
    )

    @images.callback(Output("swatch", "src"), Input("red", "value"))
    def draw(red):
        return swatch(red)

    return dash_app


def test_the_page_loads_and_the_picture_decodes(dash_factory, images, open_app):
    page = open_app(swatch_app(dash_factory, images))

    loaded = wait_for_image(page, "#swatch")
    assert loaded.src.startswith("/image_generator/")
    assert (loaded.width, loaded.height) == (24, 16)
    assert same_pixels(read_image(page, "#swatch"), swatch(10))
    assert page_log(page).image_responses() == [
        (200, f"{page.url.rstrip('/')}{loaded.src}")
    ]
    assert_no_console_errors(page)


def test_typing_a_value_redraws_the_picture(dash_factory, images, open_app):
    page = open_app(swatch_app(dash_factory, images))
    first = wait_for_image(page, "#swatch")
    assert read_pixel(page, "#swatch", 0, 0) == (10, 245, 64, 255)

    second = fill_and_wait_for_image(page, "#red", "200", "#swatch")
    assert second.src != first.src
    assert read_pixel(page, "#swatch", 23, 15) == (200, 55, 64, 255)

    # Back to the first value: the same URL again, the same picture.
    third = fill_and_wait_for_image(page, "#red", "10", "#swatch")
    assert third.src == first.src
    assert read_pixel(page, "#swatch", 5, 5) == (10, 245, 64, 255)
    assert_no_console_errors(page)


def test_a_failing_generator_breaks_only_its_own_picture(
    dash_factory, images, open_app
):
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Input(id="n", type="number", value=-1),
                html.Img(id="fragile"),
                dcc.Input(id="red", type="number", value=10),
                html.Img(id="swatch"),
            ]
        )
    )

    @images.callback(Output("fragile", "src"), Input("n", "value"))
    def fragile(n):
        if n < 0:
            raise ValueError("no picture for a negative number")
        return Image.new("RGB", (8, 8), (n, n, n))

    @images.callback(Output("swatch", "src"), Input("red", "value"))
    def draw(red):
        return swatch(red)

    page = open_app(dash_app)
    allow_console_errors(page, r"Failed to load resource: .* status of 500")

    broken = wait_for_broken_image(page, "#fragile")
    status, _ = wait_for_response(page, lambda s, url: url.endswith(broken.src))
    assert status == 500
    assert wait_for_image(page, "#swatch").width == 24

    # The page keeps working: the other picture follows its input...
    fill_and_wait_for_image(page, "#red", "100", "#swatch")
    assert read_pixel(page, "#swatch", 0, 0) == (100, 155, 64, 255)
    # ... and the broken one comes back with a value its generator accepts.
    fixed = fill_and_wait_for_image(page, "#n", "7", "#fragile")
    assert (fixed.width, fixed.height) == (8, 8)
    assert read_pixel(page, "#fragile", 4, 4) == (7, 7, 7, 255)

    log = page_log(page)
    # Both first pictures load at once, in either order.
    assert sorted(s for s, _ in log.image_responses()) == [200, 200, 200, 500]
    assert len(log.console_errors) == 1
    assert_no_console_errors(page)


def test_two_image_callbacks_on_one_page_both_load(dash_factory, images, open_app):
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Input(id="red", type="number", value=30),
                html.Img(id="wide"),
                html.Img(id="tall"),
            ]
        )
    )

    @images.callback(Output("wide", "src"), Input("red", "value"))
    def wide(red):
        return swatch(red, (40, 10))

    @images.callback(Output("tall", "src"), Input("red", "value"))
    def tall(red):
        return swatch(255 - red, (10, 30))

    page = open_app(dash_app)
    wide_image = wait_for_image(page, "#wide")
    tall_image = wait_for_image(page, "#tall")
    assert (wide_image.width, wide_image.height) == (40, 10)
    assert (tall_image.width, tall_image.height) == (10, 30)
    assert wide_image.src != tall_image.src
    assert read_pixel(page, "#wide", 0, 0) == (30, 225, 64, 255)
    assert read_pixel(page, "#tall", 0, 0) == (225, 30, 64, 255)

    # One input drives both: both pictures follow it.
    fill_and_wait_for_image(page, "#red", "90", "#wide")
    wait_for_image(page, "#tall", changed_from=tall_image.src)
    assert read_pixel(page, "#wide", 39, 9) == (90, 165, 64, 255)
    assert read_pixel(page, "#tall", 9, 29) == (165, 90, 64, 255)
    assert [s for s, _ in page_log(page).image_responses()] == [200] * 4
    assert_no_console_errors(page)


@pytest.mark.parametrize("clientside", [True, False], ids=["browser", "server"])
def test_pattern_matching_ids_in_the_renderer(
    dash_factory, images, open_app, clientside
):
    dash_app = dash_factory(
        html.Div(
            [
                element
                for i in range(2)
                for element in (
                    dcc.Input(
                        id={"type": "shade", "index": i}, type="number", value=i * 100
                    ),
                    html.Img(id={"type": "thumb", "index": i}),
                )
            ]
        )
    )

    @images.callback(
        Output({"type": "thumb", "index": MATCH}, "src"),
        Input({"type": "shade", "index": MATCH}, "value"),
        clientside=clientside,
    )
    def thumb(shade):
        return Image.new("L", (6, 6), shade)

    page = open_app(dash_app)
    thumbs = [image_selector({"type": "thumb", "index": i}) for i in range(2)]
    first = [wait_for_image(page, selector) for selector in thumbs]
    assert [read_pixel(page, s, 0, 0) for s in thumbs] == [
        (0, 0, 0, 255),
        (100, 100, 100, 255),
    ]

    fill_and_wait_for_image(
        page, image_selector({"type": "shade", "index": 1}), "250", thumbs[1]
    )
    assert read_pixel(page, thumbs[1], 3, 3) == (250, 250, 250, 255)
    assert page.locator(thumbs[0]).get_attribute("src") == first[0].src
    assert_no_console_errors(page)


TRICKY = {
    "text": 'it\'s ü 🖼 \u2028 %&=+# <"b">',
    "numbers": [1, 2.5, -3, 1e21, 1e-7, True, None],
    "é": {"z": 1, "Z": 2, "\U0001f600": 3, "\uff01": 4},
}


def test_clientside_urls_are_the_servers_urls(dash_factory, images, open_app):
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Store(id="data", data=TRICKY),
                html.Img(id="server"),
                html.Img(id="client"),
            ]
        )
    )
    seen = []

    @images.callback(Output("server", "src"), Input("data", "data"))
    def on_server(value):
        seen.append(value)
        return Image.new("L", (3, 3))

    @images.callback(Output("client", "src"), Input("data", "data"), clientside=True)
    def in_browser(value):
        seen.append(value)
        return Image.new("L", (5, 5))

    page = open_app(dash_app)
    server = wait_for_image(page, "#server")
    client = wait_for_image(page, "#client")
    assert (server.width, client.width) == (3, 5)
    # Different generators, the same bytes after the "?".
    assert client.src.partition("?")[2] == server.src.partition("?")[2]
    assert seen == [TRICKY, TRICKY]
    assert_no_console_errors(page)


# Browsers percent-encode "'" in the query of an http(s) URL (the WHATWG URL
# standard's special-query set); a signature over the raw query must still
# match, so the library escapes "'" itself.
def test_signed_urls_survive_the_browsers_escaping(images, open_app):
    server = Flask(__name__)
    server.config.update(SECRET_KEY="browser tests", DASH_IMAGES_SIGN=True)
    images.init_app(server)
    dash_app = dash.Dash(__name__, server=server)
    dash_app.layout = html.Div(
        [dcc.Input(id="text", value="it's"), html.Img(id="label")]
    )
    seen = []

    @images.callback(Output("label", "src"), Input("text", "value"))
    def label(text):
        seen.append(text)
        return Image.new("L", (4, 4))

    page = open_app(dash_app)
    status, url = wait_for_response(
        page, lambda status, url: "/image_generator/" in url
    )
    assert "_sig=" in url
    assert status == 200, f"{status} for {url}"
    assert wait_for_image(page, "#label").width == 4
    assert seen == ["it's"]
