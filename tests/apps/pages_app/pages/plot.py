"""The plot page: a picture drawn from its input."""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from PIL import Image, ImageDraw

# Absolute: Dash runs this file as the module "pages.plot", outside the
# package, where "from ..extensions import images" cannot work.
from tests.apps.pages_app.extensions import images

dash.register_page(__name__, path="/plot")

layout = html.Div([dcc.Input(id="plot-n", value=40), html.Img(id="plot-img")])


@images.callback(Output("plot-img", "src"), Input("plot-n", "value"))
def plot(n: str) -> Image.Image:
    size = int(n)
    image = Image.new("RGB", (size, size // 2), "white")
    ImageDraw.Draw(image).line((0, 0, size, size // 2), fill="black", width=2)
    return image
