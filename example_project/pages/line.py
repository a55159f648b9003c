"""The old dash-dynamic-images README's demo: a line from the corner to (x, y)."""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from PIL import Image, ImageDraw

from flask_dash_images import image_callback

from .. import ui
from ..params import bounded

PATH = "/line"
TITLE = "Line"
SUMMARY = "A 200x200 Pillow picture with a line from the top-left corner to (x, y)."

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
