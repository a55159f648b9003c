"""Thumbnails with pattern-matching ids: one image callback serves them all."""

from __future__ import annotations

import dash
import numpy as np
from dash import MATCH, Input, Output, html
from PIL import Image

from flask_dash_images import image_callback

from .. import ui
from ..params import bounded

PATH = "/thumbnails"
TITLE = "Thumbnails"
SUMMARY = (
    "Six thumbnails, one callback: Output({'type': 'thumb', 'index': MATCH})"
    " redraws only the thumbnail whose hue slider moved."
)

SIZE = 120
HUES = (0, 45, 120, 180, 240, 300)


def hue_tile(hue: object) -> Image.Image:
    """Every colour of one hue: saturation grows to the right, brightness upwards."""
    ramp = np.linspace(0, 255, SIZE, dtype=np.uint8)
    h = np.full((SIZE, SIZE), round(bounded(hue, 0, 360, 0) / 360 * 255), np.uint8)
    s = np.broadcast_to(ramp, (SIZE, SIZE))
    v = np.broadcast_to(ramp[::-1, np.newaxis], (SIZE, SIZE))
    channels = [Image.fromarray(np.ascontiguousarray(c)) for c in (h, s, v)]
    return Image.merge("HSV", channels).convert("RGB")


def thumbnail(index: int, hue: int) -> html.Figure:
    return html.Figure(
        [
            ui.picture(
                {"type": "thumb", "index": index}, SIZE, SIZE, f"hue tile {index + 1}"
            ),
            ui.slider({"type": "hue", "index": index}, 0, 360, 5, hue),
        ],
        className="thumbnail",
    )


def layout() -> html.Div:
    return html.Div(
        [thumbnail(i, hue) for i, hue in enumerate(HUES)], className="thumbnails"
    )


def register(dash_app: dash.Dash) -> None:
    image_callback(
        dash_app,
        Output({"type": "thumb", "index": MATCH}, "src"),
        Input({"type": "hue", "index": MATCH}, "value"),
    )(hue_tile)
