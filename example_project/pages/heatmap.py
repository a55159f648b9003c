"""A numpy heat map coloured through a matplotlib colour map into uint8 RGB."""

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
    "Ripples from two point sources meeting: a numpy array of squared wave"
    " height, mapped through a matplotlib colour map into RGB bytes."
)

WIDTH, HEIGHT = 480, 320
WAVELENGTH = 24.0  # pixels
COLOUR_MAPS = ("magma", "viridis", "cividis", "coolwarm", "twilight")


def ripples(separation: float) -> np.ndarray:
    """Squared height (0..1) of the waves from two sources ``separation``
    wavelengths apart, at one instant, on a HEIGHT x WIDTH grid."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(float)
    half = separation * WAVELENGTH / 2
    centre_x, source_y = WIDTH / 2, HEIGHT * 0.15
    k = 2 * np.pi / WAVELENGTH
    waves = sum(
        np.cos(k * np.hypot(x - (centre_x + dx), y - source_y)) for dx in (-half, half)
    )
    # Two crests meeting give 4, a crest meeting a trough gives 0.
    return waves**2 / 4


def heat_map(separation: object, colour_map: object) -> np.ndarray:
    """The interference pattern as a HEIGHT x WIDTH x 3 uint8 array."""
    values = ripples(bounded(separation, 0, 10, 3))
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
    )(heat_map)
