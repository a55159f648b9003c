"""A numpy heat map coloured through a matplotlib colour map into uint8 RGB.

With ``hidpi=True`` the image's ``srcSet`` also offers a 2x URL: a screen with
two device pixels per CSS pixel loads that one, and the generator draws the
same ripples on a grid twice as fine, so they stay crisp.
"""

from __future__ import annotations

import dash
import matplotlib
import numpy as np
from dash import Input, Output, dcc, html

from flask_dash_images import image_callback

from .. import ui
from ..params import bounded, choice

PATH = "/heatmap"
TITLE = "Heat map"
SUMMARY = (
    "Ripples from two point sources: a numpy array through a matplotlib colour"
    " map, drawn at twice the size for high-density screens (hidpi=True)."
)

WIDTH, HEIGHT = 480, 320
WAVELENGTH = 24.0  # pixels
COLOUR_MAPS = ("magma", "viridis", "cividis", "coolwarm", "twilight")


def ripples(separation: float, scale: int = 1) -> np.ndarray:
    """Squared height (0..1) of the waves from two sources ``separation``
    wavelengths apart, at one instant, on a grid of HEIGHT x WIDTH CSS pixels
    with ``scale`` x ``scale`` samples each."""
    # Sample the centre of each device pixel, in CSS pixels.
    y = (np.arange(HEIGHT * scale) + 0.5) / scale
    x = (np.arange(WIDTH * scale) + 0.5) / scale
    y, x = y[:, np.newaxis], x[np.newaxis, :]
    half = separation * WAVELENGTH / 2
    centre_x, source_y = WIDTH / 2, HEIGHT * 0.15
    k = 2 * np.pi / WAVELENGTH
    waves = sum(
        np.cos(k * np.hypot(x - (centre_x + dx), y - source_y)) for dx in (-half, half)
    )
    # Two crests meeting give 4, a crest meeting a trough gives 0.
    return waves**2 / 4


def heat_map(separation: object, colour_map: object, *, scale: int = 1) -> np.ndarray:
    """The interference pattern as a (HEIGHT x WIDTH) * scale x 3 uint8 array.

    :param scale: 1 or 2, from ``hidpi=True``: device pixels per CSS pixel.
    """
    values = ripples(bounded(separation, 0, 10, 3), scale)
    cmap = matplotlib.colormaps[choice(colour_map, COLOUR_MAPS, COLOUR_MAPS[0])]
    return cmap(values, bytes=True)[:, :, :3]


def layout() -> html.Div:
    return ui.demo(
        ui.controls(
            ui.field(
                "Distance between the sources (wavelengths)",
                ui.slider("heatmap-separation", 0, 10, 0.25, 3),
            ),
            ui.field(
                "Colour map",
                dcc.Dropdown(
                    id="heatmap-colours",
                    options=list(COLOUR_MAPS),
                    value="magma",
                    clearable=False,
                ),
            ),
        ),
        ui.picture("heatmap-picture", WIDTH, HEIGHT, "ripples from two sources"),
    )


def register(dash_app: dash.Dash) -> None:
    image_callback(
        dash_app,
        Output("heatmap-picture", "src"),
        Input("heatmap-separation", "value"),
        Input("heatmap-colours", "value"),
        # Also sets the image's srcSet to the URL with scale=2, for "2x".
        hidpi=True,
    )(heat_map)
