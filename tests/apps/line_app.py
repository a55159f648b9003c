"""A Dash app module that separate processes import (see test_processes.py)."""

from __future__ import annotations

from dash import Dash, Input, Output, dcc, html
from PIL import Image, ImageDraw

from flask_dash_images import image_callback

app = Dash(__name__)
app.layout = html.Div(
    [dcc.Input(id="x", value=10), dcc.Input(id="y", value=20), html.Img(id="line")]
)
server = app.server


@image_callback(app, Output("line", "src"), Input("x", "value"), Input("y", "value"))
def line(x: int, y: int) -> Image.Image:
    image = Image.new("RGB", (64, 64), "white")
    ImageDraw.Draw(image).line((0, 0, x, y), fill="black", width=2)
    return image
