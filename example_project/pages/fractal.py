"""A Mandelbrot explorer: 400x300 pixels of vectorised numpy, in tens of ms."""

from __future__ import annotations

import dash
import numpy as np
from dash import Input, Output, dcc, html

from flask_dash_images import image_callback

from .. import ui
from ..params import bounded, bounded_int

PATH = "/fractal"
TITLE = "Fractal"
SUMMARY = (
    "The Mandelbrot set in numpy, redrawn when the view changes; deterministic,"
    " kept an hour by the browser and the server: no view is computed twice."
)

WIDTH, HEIGHT = 400, 300
MAX_ITERATIONS = 250
# A view depends only on its four numbers: the browser may keep it this long
# without asking, and the server's cache keeps it as long.
MAX_AGE = 3600
# Orbits leaving |z| > 16 count as escaped; a large radius smooths the colours.
BAILOUT_SQUARED = 256.0

# name: (zoom, centre x, centre y, iterations)
PRESETS = {
    "Whole set": (0.0, -0.6, 0.0, 80),
    "Seahorse valley": (8.0, -0.7453, 0.1127, 250),
    "Elephant valley": (8.0, 0.2925, 0.015, 200),
    "Triple spirals": (9.0, -0.0885, 0.6545, 250),
    "A tiny copy": (6.5, -1.768, 0.0, 200),
    "Dendrite": (4.0, -0.16, 1.035, 200),
}


def mandelbrot(
    zoom: object, centre_x: object, centre_y: object, iterations: object
) -> np.ndarray:
    """The view as an RGB array: black inside the set, a cyclic palette outside."""
    scale = 3.2 / (WIDTH * 2.0 ** bounded(zoom, 0, 14, 0))
    xs = bounded(centre_x, -2.5, 1.5, -0.6) + (np.arange(WIDTH) - WIDTH / 2) * scale
    ys = bounded(centre_y, -1.5, 1.5, 0.0) - (np.arange(HEIGHT) - HEIGHT / 2) * scale
    c = xs[np.newaxis, :] + 1j * ys[:, np.newaxis]
    times = escape_times(c.ravel(), bounded_int(iterations, 10, MAX_ITERATIONS, 80))
    return colour(times).reshape(HEIGHT, WIDTH, 3)


def escape_times(c: np.ndarray, iterations: int) -> np.ndarray:
    """A smooth escape time for each point of ``c``; NaN where none escaped."""
    times = np.full(c.shape, np.nan)
    # The two largest regions inside the set are known in closed form: never
    # iterate them. The others are iterated while they stay in play.
    index = np.flatnonzero(~in_main_bulbs(c))
    c = c[index]
    z = np.zeros_like(c)
    alive = np.ones(c.shape, dtype=bool)
    dead = 0
    for step in range(1, iterations + 1):
        z *= z
        z += c
        radius_squared = z.real * z.real + z.imag * z.imag
        escaped = np.flatnonzero(radius_squared > BAILOUT_SQUARED)
        if not escaped.size:
            continue
        # n + 1 - log2(log|z|): the fractional part hides the colour bands.
        times[index[escaped]] = (
            step + 1 - np.log2(0.5 * np.log(radius_squared[escaped]))
        )
        # Park escaped orbits at the fixed point 0 (c = 0, z = 0) and drop
        # them only once they are a quarter of the arrays: copying the
        # arrays on every step costs more than iterating a few zeros.
        z[escaped] = c[escaped] = 0
        alive[escaped] = False
        dead += escaped.size
        if dead * 4 > alive.size:
            index, c, z, alive = index[alive], c[alive], z[alive], alive[alive]
            dead = 0
            if not alive.size:
                break
    return times


def in_main_bulbs(c: np.ndarray) -> np.ndarray:
    """Points in the main cardioid or the period-2 disc (both inside the set)."""
    x, y = c.real, c.imag
    q = (x - 0.25) ** 2 + y * y
    return (q * (q + x - 0.25) <= 0.25 * y * y) | ((x + 1) ** 2 + y * y <= 0.0625)


def _palette(size: int = 512) -> np.ndarray:
    """A cyclic cosine palette (after Inigo Quilez) as a uint8 lookup table."""
    t = np.linspace(0.0, 1.0, size, endpoint=False)[:, np.newaxis]
    rgb = 0.5 + 0.5 * np.cos(2 * np.pi * (t + np.array([0.0, 0.1, 0.2])))
    return (rgb * 255 + 0.5).astype(np.uint8)


PALETTE = _palette()


def colour(times: np.ndarray) -> np.ndarray:
    """Escape times -> RGB through :data:`PALETTE`; NaN (inside) is black."""
    rgb = np.zeros((times.size, 3), dtype=np.uint8)
    outside = ~np.isnan(times)
    # A log scale keeps colours changing at every zoom, where escape times
    # run from a handful of steps to hundreds.
    phase = np.log1p(times[outside]) * 0.6
    rgb[outside] = PALETTE[(phase * len(PALETTE)).astype(np.int64) % len(PALETTE)]
    return rgb


def layout() -> html.Div:
    zoom, x, y, iterations = PRESETS["Whole set"]
    return ui.demo(
        ui.controls(
            ui.field(
                "Jump to",
                dcc.Dropdown(
                    id="fractal-preset",
                    options=list(PRESETS),
                    value="Whole set",
                    clearable=False,
                ),
            ),
            ui.field(
                "Zoom (powers of two)", ui.slider("fractal-zoom", 0, 14, 0.25, zoom)
            ),
            ui.field("Centre x", ui.slider("fractal-x", -2.5, 1.5, 0.0001, x)),
            ui.field("Centre y", ui.slider("fractal-y", -1.5, 1.5, 0.0001, y)),
            ui.field(
                "Iterations",
                ui.slider("fractal-iterations", 10, MAX_ITERATIONS, 10, iterations),
            ),
        ),
        ui.picture("fractal-picture", WIDTH, HEIGHT, "the Mandelbrot set"),
        ui.note(
            "Jump back to a view you have seen: it is back at once. The browser"
            " keeps each view for an hour (max_age=3600), and the server keeps"
            " it in a SimpleCache (deterministic=True) for every visitor."
        ),
    )


def register(dash_app: dash.Dash) -> None:
    image_callback(
        dash_app,
        Output("fractal-picture", "src"),
        Input("fractal-zoom", "value"),
        Input("fractal-x", "value"),
        Input("fractal-y", "value"),
        Input("fractal-iterations", "value"),
        # The same inputs draw the same picture: the ETag comes from the URL,
        # a revalidation is a 304 without drawing, and the server cache may
        # keep the picture for other visitors.
        deterministic=True,
        max_age=MAX_AGE,
        cache_timeout=MAX_AGE,
    )(mandelbrot)

    @dash_app.callback(
        Output("fractal-zoom", "value"),
        Output("fractal-x", "value"),
        Output("fractal-y", "value"),
        Output("fractal-iterations", "value"),
        Input("fractal-preset", "value"),
        prevent_initial_call=True,
    )
    def jump(preset: str) -> tuple[float, float, float, int]:
        return PRESETS.get(preset, PRESETS["Whole set"])
