"""alt= in Chromium: the rendered <img> carries the alt text of the picture
it shows, built in the browser and on the server, and a screen reader's
name for the image is that text."""

from __future__ import annotations

import pytest
from dash import Input, Output, dcc, html
from PIL import Image

from .helpers import wait_for_image

pytestmark = pytest.mark.browser


def test_the_image_has_the_alt_text_of_its_picture(dash_factory, images, open_app):
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Input(id="x", type="number", value=3),
                dcc.Input(id="label", value='a "line" {é}'),
                html.Img(id="browser"),
                html.Img(id="server"),
            ]
        )
    )
    for output, clientside in [("browser", True), ("server", False)]:
        images.callback(
            Output(output, "src"),
            Input("x", "value"),
            Input("label", "value"),
            name=output,
            clientside=clientside,
            hidpi=True,
            alt="{label} to {x}, drawn at {scale}x",
        )(lambda x, label, *, scale: Image.new("L", (x * scale, 2 * scale)))

    page = open_app(dash_app)
    for selector in ("#browser", "#server"):
        wait_for_image(page, selector)
        assert page.get_attribute(selector, "alt") == 'a "line" {é} to 3, drawn at 1x'
    page.fill("#x", "12")
    for selector in ("#browser", "#server"):
        page.wait_for_function(
            "(s) => document.querySelector(s).naturalWidth === 12", arg=selector
        )
        assert "x=12&" in page.get_attribute(selector, "src")
        assert page.get_attribute(selector, "alt") == 'a "line" {é} to 12, drawn at 1x'
    # What assistive technology announces: the image by that name.
    role = page.get_by_role("img", name='a "line" {é} to 12, drawn at 1x')
    assert role.count() == 2
