"""A matplotlib chart of seeded random walks, drawn on a bare ``Figure``."""

from __future__ import annotations

import dash
import numpy as np
from dash import Input, Output, dcc, html
from matplotlib.figure import Figure

from flask_dash_images import image_callback

from .. import ui
from ..params import bounded_int

PATH = "/chart"
TITLE = "Chart"
SUMMARY = (
    "A matplotlib Figure (no pyplot) of seeded random walks: the same inputs"
    " always draw the same walks. Hover the chart to download it as PNG at"
    " 300 dpi, or as SVG and PDF vectors."
)

WIDTH, HEIGHT = 600, 350
DPI = 100
SEED = 2024
MAX_WALKERS, MAX_STEPS = 20, 2000


def random_walks(walkers: int, steps: int, seed: int = SEED) -> np.ndarray:
    """``walkers`` walks of ``steps`` ±1 steps each, starting at 0."""
    rng = np.random.default_rng(seed)
    moves = rng.choice(np.array([-1, 1]), size=(walkers, steps))
    return np.concatenate([np.zeros((walkers, 1), int), moves.cumsum(axis=1)], axis=1)


def walk_chart(walkers: object, steps: object) -> Figure:
    """The walks, and the ±√t band where a walk spends most of its time."""
    count = bounded_int(walkers, 1, MAX_WALKERS, 5)
    length = bounded_int(steps, 10, MAX_STEPS, 500)
    walks = random_walks(count, length)
    t = np.arange(length + 1)

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.fill_between(
        t, -np.sqrt(t), np.sqrt(t), color="#d8e2f0", label="±√t, one standard deviation"
    )
    for walk in walks:
        axes.plot(t, walk, linewidth=1.2)
    axes.axhline(0, color="#555555", linewidth=0.8)
    axes.set(
        xlim=(0, length),
        xlabel="step",
        ylabel="position",
        title=f"{count} random walk{'s' if count > 1 else ''} of {length} steps"
        f" (seed {SEED})",
    )
    axes.legend(loc="upper left", frameon=False)
    return figure


def layout() -> html.Div:
    return ui.demo(
        ui.controls(
            ui.field(
                "Walkers",
                dcc.Dropdown(
                    id="chart-walkers",
                    options=[1, 3, 5, 10, 20],
                    value=5,
                    clearable=False,
                ),
            ),
            ui.field(
                "Steps",
                ui.slider("chart-steps", 100, MAX_STEPS, 100, 500),
            ),
        ),
        ui.picture("chart-picture", WIDTH, HEIGHT, "a chart of random walks"),
    )


def register(dash_app: dash.Dash) -> None:
    image_callback(
        dash_app,
        Output("chart-picture", "src"),
        Input("chart-walkers", "value"),
        Input("chart-steps", "value"),
        # The figure is 100 dpi: three times that for print.
        export=("png", "svg", "pdf"),
        export_scale=3,
        filename="random-walks-{walkers}x{steps}",
    )(walk_chart)
