"""A Mandelbrot explorer: 400x300 pixels of vectorised numpy, in tens of ms.

The zoom keeps the centre of the view, so what a zoom shows is what lies at
the centre: the whole set is centred on a point of its edge (the one Seahorse
valley zooms into), where every zoom finds detail. Centred inside the set,
every zoom past 2 would show only the inside: black.
"""

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
#: The width of the view at zoom 0, in the complex plane; each step of the
#: zoom halves it.
VIEW_WIDTH = 3.2
MAX_ZOOM = 14
X_RANGE, Y_RANGE = (-2.5, 1.5), (-1.5, 1.5)
# A key press on a Centre slider moves the view by at most this part of it.
STEPS_PER_VIEW = 20
MAX_ITERATIONS = 250
# A view depends only on its four numbers: the browser may keep it this long
# without asking, and the server's cache keeps it as long.
MAX_AGE = 3600
# Orbits leaving |z| > 16 count as escaped; a large radius smooths the colours.
BAILOUT_SQUARED = 256.0

# name: (zoom, centre x, centre y, iterations)
PRESETS = {
    # Every iteration allowed: deep zooms need them, or the points that
    # escape late stay black as if they were in the set.
    "Whole set": (0.0, -0.7453, 0.1127, MAX_ITERATIONS),
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
    _, x, y, limit = PRESETS["Whole set"]  # for values that are not numbers
    scale = VIEW_WIDTH / (WIDTH * 2.0 ** bounded(zoom, 0, MAX_ZOOM, 0))
    xs = bounded(centre_x, *X_RANGE, x) + (np.arange(WIDTH) - WIDTH / 2) * scale
    ys = bounded(centre_y, *Y_RANGE, y) - (np.arange(HEIGHT) - HEIGHT / 2) * scale
    c = xs[np.newaxis, :] + 1j * ys[:, np.newaxis]
    times = escape_times(c.ravel(), bounded_int(iterations, 10, MAX_ITERATIONS, limit))
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


def centre_step(zoom: object) -> float:
    """The Centre sliders' step at this zoom: one key press moves the view by
    the largest 1, 2 or 5 x 10^n not over a twentieth of its width: 8 to 20
    of its 400 pixels.

    A fixed step cannot serve every zoom: 0.0001 moved the whole set by an
    eightieth of a pixel per key press, and a step that shows at zoom 0 would
    jump past any detail at zoom 14. :data:`CENTRE_STEP` is the same rule in
    JavaScript, for the browser.
    """
    target = VIEW_WIDTH / 2.0 ** bounded(zoom, 0, MAX_ZOOM, 0) / STEPS_PER_VIEW
    exponent = 0
    while True:
        for mantissa in (5, 2, 1):
            # Parsed from its decimal text, as JavaScript's parseFloat does;
            # the tolerance, because two languages' 2**zoom may differ in
            # the last bit.
            step = float(f"{mantissa}e{exponent}")
            if step <= target * (1 + 1e-9):
                return step
        exponent -= 1


# Runs in the browser when the zoom changes: centre_step, for both sliders.
CENTRE_STEP = f"""
function (zoom) {{
    const z = typeof zoom === "number" ? Math.min(Math.max(zoom, 0), {MAX_ZOOM}) : 0;
    const target = {VIEW_WIDTH} / Math.pow(2, z) / {STEPS_PER_VIEW};
    for (let exponent = 0; ; exponent--) {{
        for (const mantissa of [5, 2, 1]) {{
            const step = parseFloat(mantissa + "e" + exponent);
            if (step <= target * (1 + 1e-9)) {{
                return [step, step];
            }}
        }}
    }}
}}
"""


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
                "Zoom (powers of two)",
                ui.slider("fractal-zoom", 0, MAX_ZOOM, 0.25, zoom),
            ),
            ui.field(
                "Centre x", ui.slider("fractal-x", *X_RANGE, centre_step(zoom), x)
            ),
            ui.field(
                "Centre y", ui.slider("fractal-y", *Y_RANGE, centre_step(zoom), y)
            ),
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

    # The layout starts with the step for its zoom; this keeps it in step.
    dash_app.clientside_callback(
        CENTRE_STEP,
        Output("fractal-x", "step"),
        Output("fractal-y", "step"),
        Input("fractal-zoom", "value"),
        prevent_initial_call=True,
    )
