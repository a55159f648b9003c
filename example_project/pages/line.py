"""The old dash-dynamic-images README's demo: a line from the corner to (x, y).

Its URL is built in the browser, as every picture's in this gallery is by
default: a change of x or y costs one request, the picture's, and no Dash
callback request before it.
"""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from PIL import Image, ImageDraw

from flask_dash_images import image_callback

from .. import ui
from ..params import bounded

PATH = "/line"
TITLE = "Line"
SUMMARY = (
    "The old dash-dynamic-images demo: a 200x200 Pillow picture with a line"
    " from the top-left corner to (x, y), whose URL your browser builds."
)

SIZE = 200


def draw_line(x: object, y: object) -> Image.Image:
    """A white square with a navy line from (0, 0) to (x, y)."""
    end = (bounded(x, -SIZE, 2 * SIZE, 0), bounded(y, -SIZE, 2 * SIZE, 0))
    image = Image.new("RGB", (SIZE, SIZE), "white")
    ImageDraw.Draw(image).line(((0, 0), end), fill="navy", width=3)
    return image


def layout() -> html.Div:
    return ui.demo(
        ui.controls(
            ui.field("x", dcc.Input(id="line-x", type="number", value=120, step=1)),
            ui.field("y", dcc.Input(id="line-y", type="number", value=80, step=1)),
            ui.note(
                "Each change costs one request, the picture's: its URL is built"
                " in your browser, as on every page here. An app that sets"
                " DASH_IMAGES_SIGN=True gets signed URLs, built by the server"
                " instead."
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
    )(draw_line)
