"""The old dash-dynamic-images README's demo: a line from the corner to (x, y).

Its URL is built in the browser (``clientside=True``): a change of x or y
costs one request, the picture's, instead of a callback request and then the
picture's. A browser cannot sign URLs, so where the server signs them (it has
a ``SECRET_KEY``) the page falls back to a server-side callback.
"""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from flask import Flask
from PIL import Image, ImageDraw

from flask_dash_images import image_callback

from .. import ui
from ..params import bounded

PATH = "/line"
TITLE = "Line"
SUMMARY = (
    "A 200x200 Pillow picture with a line from the top-left corner to (x, y);"
    " its URL is built in your browser (clientside=True): one request per change."
)

SIZE = 200


def draw_line(x: object, y: object) -> Image.Image:
    """A white square with a navy line from (0, 0) to (x, y)."""
    end = (bounded(x, -SIZE, 2 * SIZE, 0), bounded(y, -SIZE, 2 * SIZE, 0))
    image = Image.new("RGB", (SIZE, SIZE), "white")
    ImageDraw.Draw(image).line(((0, 0), end), fill="navy", width=3)
    return image


def browser_builds_urls(server: Flask) -> bool:
    """Whether image URLs may be built in the browser: only unsigned ones can.

    The rule of ``DASH_IMAGES_SIGN``: ``None`` signs whenever the app has a
    ``SECRET_KEY``, ``True`` always, ``False`` never.
    """
    sign = server.config.get("DASH_IMAGES_SIGN")
    return sign is False or (sign is None and not server.config.get("SECRET_KEY"))


def layout() -> html.Div:
    return ui.demo(
        ui.controls(
            ui.field("x", dcc.Input(id="line-x", type="number", value=120, step=1)),
            ui.field("y", dcc.Input(id="line-y", type="number", value=80, step=1)),
            ui.note(
                "Where the server signs image URLs (it has a SECRET_KEY), the"
                " server builds this URL instead: a browser cannot sign."
            ),
        ),
        ui.picture("line-picture", SIZE, SIZE, "a line from the corner to (x, y)"),
    )


def register(dash_app: dash.Dash) -> None:
    image_callback(
        dash_app,
        Output("line-picture", "src"),
        Input("line-x", "value"),
        Input("line-y", "value"),
        clientside=browser_builds_urls(dash_app.server),
    )(draw_line)
