"""Ten million points, drawn as a density picture; drag across it to zoom in.

The points (a fixed-seed mixture of Gaussians: clusters of clusters, five
levels deep) are made once per process, the first time a picture or the
page's text needs them, and kept at module level: 80 MB of float32 x and y.
Behind several workers or hosts, each makes its own (the same, from the seed).

A picture is a 2D histogram of the points in its view, one bin per pixel
(50 ms for the whole view, 15 ms deep in), its log-scaled counts coloured
through a matplotlib colour map, returned as an
:class:`~flask_dash_images.Extent` so that the browser reports pointer
positions in the points' own units. The image callback takes the view, four
numbers in a ``dcc.Store``; ``events=("brush",)`` makes the browser report a
region dragged across the picture as its ``data-brush`` property, and an
ordinary Dash callback sets the store to that region. A double-click clears
``data-brush`` (to ``None``), which the same callback takes for "the whole
view".

Every view is its own URL, drawn by a deterministic generator: the browser
keeps each view an hour (``max_age``) and the server's cache keeps it for
every visitor, so going back to a view costs no drawing.
"""

from __future__ import annotations

import functools
import math
import threading
import typing as t

import dash
import matplotlib
import numpy as np
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from PIL import Image

from flask_dash_images import Extent, image_callback

from .. import ui

PATH = "/zoom"
TITLE = "Zoom"
SUMMARY = (
    "Ten million points as a density picture: drag across it to zoom in on a"
    " region, double-click for the whole view (pointer events in data"
    " coordinates, events=)."
)

WIDTH, HEIGHT = 600, 400
#: The whole view: x from -6 to 6, y from -4 to 4 (the picture's 3:2).
FULL = (-6.0, 6.0, -4.0, 4.0)
#: The narrowest view is this many times narrower than the whole, along
#: either axis. A pixel then still spans a few float32 steps of the points'
#: coordinates, and one view holds a handful of single points.
MAX_ZOOM = 10_000
POINTS = 10_000_000
SEED = 123
COLOUR_MAP = "magma"
# Every view depends only on its four numbers: the browser may keep it this
# long without asking, and the server's cache keeps it as long.
MAX_AGE = 3600
# At most this many earlier views for the Back button.
HISTORY = 50

# The mixture: a cluster splits into CHILDREN clusters whose centres lie
# about SPREADS[level] from its own, and keeps SHARES[level] of its points
# for a Gaussian cloud of its own (as wide as SPREADS[level]); the last
# level keeps all: 781 Gaussians, from a haze (standard deviation 1.6) to
# specks (0.02).
CHILDREN = 5
SPREADS = (2.0, 0.75, 0.25, 0.08, 0.025)
SHARES = (0.12, 0.25, 0.3, 0.3, 1.0)
#: The colour map's 256 colours, uint8 RGB.
PALETTE = matplotlib.colormaps[COLOUR_MAP](np.arange(256), bytes=True)[:, :3]
# Points binned at a time: 2 MB arrays stay in the processor's caches, and
# no pass needs hundreds of megabytes of temporaries.
CHUNK = 1 << 18

View = tuple[float, float, float, float]

_points: tuple[np.ndarray, np.ndarray] | None = None
_points_lock = threading.Lock()


def points() -> tuple[np.ndarray, np.ndarray]:
    """The ten million points' x and y (float32, read-only), made on first use.

    A lock, so that two requests arriving together make them once.
    """
    global _points
    with _points_lock:
        if _points is None:
            _points = _make_points(POINTS, SEED)
    return _points


def _mixture(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every Gaussian of the mixture: centres (n x 2), shares of the points
    (summing to 1) and widths."""
    centres, weights = [np.zeros((1, 2))], [np.ones(1)]
    for spread in SPREADS[:-1]:
        parents = centres[-1]
        offsets = rng.standard_normal((len(parents), CHILDREN, 2)) * spread
        split = rng.dirichlet(np.ones(CHILDREN), size=len(parents))
        centres.append((parents[:, np.newaxis, :] + offsets).reshape(-1, 2))
        weights.append((weights[-1][:, np.newaxis] * split).ravel())
    shares, left = [], 1.0
    for level, level_weights in enumerate(weights):
        shares.append(level_weights * left * SHARES[level])
        left *= 1 - SHARES[level]
    share = np.concatenate(shares)
    centre = np.concatenate(centres)
    # Centre the whole cloud on (0, 0), its centre of mass.
    centre -= share @ centre
    width = np.concatenate(
        [
            np.full(len(c), 0.8 * spread)
            for c, spread in zip(centres, SPREADS, strict=True)
        ]
    )
    return centre, share, width


def _make_points(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points of the mixture, grouped by Gaussian; half a second."""
    rng = np.random.default_rng(seed)
    centre, share, width = _mixture(rng)
    sizes = rng.multinomial(count, share / share.sum())
    # Standard normal draws, turned in place into each Gaussian's points:
    # stretched, turned by a random angle and moved to its centre.
    x = rng.standard_normal(count, dtype=np.float32)
    y = rng.standard_normal(count, dtype=np.float32)
    angle = rng.uniform(0, np.pi, len(centre))
    squash = rng.uniform(0.3, 1.0, len(centre))
    ends = np.cumsum(sizes)
    for i, end in enumerate(ends):
        u, v = x[end - sizes[i] : end], y[end - sizes[i] : end]
        cos = np.float32(math.cos(angle[i]) * width[i])
        sin = np.float32(math.sin(angle[i]) * width[i])
        v *= np.float32(squash[i])
        turned = u * cos - v * sin + np.float32(centre[i, 0])
        v *= cos
        v += u * sin + np.float32(centre[i, 1])
        u[:] = turned
    x.flags.writeable = y.flags.writeable = False
    return x, y


def bounded_view(view: object) -> View:
    """``view`` as ``(x0, x1, y0, y1)`` inside :data:`FULL`, each side at
    least 1/MAX_ZOOM of the whole; :data:`FULL` if it is not four numbers.

    A view from a URL may be anything. A view inside those bounds (every
    region brushed on the page) comes back exactly as it is.
    """
    if not (
        isinstance(view, (list, tuple))
        and len(view) == 4
        and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in view
        )
    ):
        return FULL
    x0, x1, y0, y1 = view
    return (*_span(x0, x1, *FULL[:2]), *_span(y0, y1, *FULL[2:]))


def _span(
    low: float, high: float, lowest: float, highest: float
) -> tuple[float, float]:
    low, high = sorted((float(low), float(high)))
    low, high = max(low, lowest), min(high, highest)
    narrowest = (highest - lowest) / MAX_ZOOM
    if high - low < narrowest:  # too narrow, or outside: widen around its middle
        middle = min(
            max((low + high) / 2, lowest + narrowest / 2), highest - narrowest / 2
        )
        low, high = middle - narrowest / 2, middle + narrowest / 2
    return low, high


@functools.lru_cache(maxsize=16)
def histogram(view: View) -> np.ndarray:
    """How many points fall in each pixel of ``view``: HEIGHT x WIDTH counts,
    row 0 at the top (read-only; cached, as the page's text asks too).

    The bins of ``np.histogram2d(x, y, bins=(WIDTH, HEIGHT), range=...)``,
    transposed and flipped (but for points exactly on the right or the
    bottom edge, which belong to the next view), some thirty times faster:
    histogram2d looks up every point's bin with a binary search, while equal
    bins need only a multiplication, and np.bincount. 50 ms for the whole
    view, 15 ms deep in.
    """
    x0, x1, y0, y1 = view
    x, y = points()
    counts = np.zeros(HEIGHT * WIDTH, dtype=np.int64)
    # Pixels per unit, and the view's top left corner, in the points' float32.
    across, down = np.float32(WIDTH / (x1 - x0)), np.float32(HEIGHT / (y1 - y0))
    left, top = np.float32(x0), np.float32(y1)
    for start in range(0, len(x), CHUNK):
        column = (x[start : start + CHUNK] - left) * across
        row = (top - y[start : start + CHUNK]) * down
        inside = (column >= 0) & (column < WIDTH) & (row >= 0) & (row < HEIGHT)
        pixel = row[inside].astype(np.intp) * WIDTH + column[inside].astype(np.intp)
        counts += np.bincount(pixel, minlength=HEIGHT * WIDTH)
    # int32 holds ten million; the cache keeps half the bytes.
    kept = counts.reshape(HEIGHT, WIDTH).astype(np.int32)
    kept.flags.writeable = False
    return kept


def density(view: object) -> Extent:
    """The picture of ``view``: log-scaled counts through :data:`COLOUR_MAP`,
    with the view's edges as its extent.

    A colour map is a table of 256 colours, so the picture is a palette
    image: a uint8 index per pixel into :data:`PALETTE`. It shows the very
    colours of ``colour_map(level, bytes=True)`` in uint8 RGB, and encodes
    five times as fast, to a quarter to 40% of the bytes (the sparse haze
    around the clusters is noise, which PNG squeezes badly in RGB).
    """
    x0, x1, y0, y1 = bounded_view(view)
    counts = histogram((x0, x1, y0, y1))
    # log(1 + count), from 0 (no point) to 1 (the fullest pixel of this view):
    # a single point shows in a view where a pixel holds thousands.
    level = np.log1p(counts) / np.log1p(max(int(counts.max()), 1))
    # The colour map's own lookup: entry int(level * 256), the top one at 1.
    index = np.minimum(level * len(PALETTE), len(PALETTE) - 1).astype(np.uint8)
    # Row 0 is the top edge, where y is y1; column 0 the left edge, at x0.
    picture = Image.fromarray(index)
    picture.putpalette(PALETTE.tobytes())
    return Extent(picture, x=(x0, x1), y=(y0, y1))


def describe(view: object) -> tuple[str, str, str]:
    """The page's text for ``view``: its range, the points in it, the zoom."""
    x0, x1, y0, y1 = bounded_view(view)
    inside = int(histogram((x0, x1, y0, y1)).sum())
    zoom_x = (FULL[1] - FULL[0]) / (x1 - x0)
    zoom_y = (FULL[3] - FULL[2]) / (y1 - y0)
    # Enough decimals to tell a hundredth of the view's narrower side.
    decimals = max(1, 2 - math.floor(math.log10(min(x1 - x0, y1 - y0))))
    return (
        f"x {x0:.{decimals}f} to {x1:.{decimals}f},"
        f" y {y0:.{decimals}f} to {y1:.{decimals}f}",
        f"{inside:,} of {POINTS:,}",
        f"{_factor(zoom_x)} across, {_factor(zoom_y)} up",
    )


def _factor(zoom: float) -> str:
    number = f"{zoom:,.0f}" if zoom >= 100 else f"{zoom:.3g}"
    return f"\N{MULTIPLICATION SIGN}{number}"


def navigate(
    trigger: object, brush: t.Any, view: t.Any, history: t.Any
) -> tuple[list[float], list[list[float]]]:
    """The next view and the earlier views, after ``trigger``.

    ``"zoom-picture"``: a brush ended (its region, clipped to the picture) or
    a double-click cleared it (``None``: the whole view); ``"zoom-back"``:
    the previous view; ``"zoom-whole"``: the whole view.
    """
    current = list(bounded_view(view))
    earlier = [list(bounded_view(v)) for v in (history or [])][-HISTORY:]
    if trigger == "zoom-back":
        if not earlier:
            raise PreventUpdate
        return earlier[-1], earlier[:-1]
    if trigger == "zoom-picture" and isinstance(brush, dict):
        # A band brushed across (x or y None) leaves the other axis as it is.
        x, y = brush.get("x"), brush.get("y")
        x = x if isinstance(x, list) and len(x) == 2 else current[:2]
        y = y if isinstance(y, list) and len(y) == 2 else current[2:]
        target = list(bounded_view([*x, *y]))
    else:  # a double-click, or the Whole view button
        target = list(FULL)
    if target == current:
        raise PreventUpdate
    return target, [*earlier, current][-HISTORY:]


def layout() -> html.Div:
    return ui.demo(
        ui.controls(
            ui.field("View", html.Output(id="zoom-range")),
            ui.field("Points in view", html.Output(id="zoom-points")),
            ui.field("Zoom", html.Output(id="zoom-factor")),
            html.Div(
                [
                    html.Button("Back", id="zoom-back", disabled=True),
                    html.Button("Whole view", id="zoom-whole"),
                ],
                className="buttons",
            ),
            ui.note(
                "Drag across the picture to zoom in on a region; double-click"
                " it (or press Whole view) to see everything again. Each view"
                " is a URL that the browser keeps for an hour (max_age=3600)"
                " and the server's cache for every visitor (deterministic=True):"
                " Back shows the previous view at once."
            ),
        ),
        ui.picture("zoom-picture", WIDTH, HEIGHT, "ten million points, as a density"),
        # The view drawn, and the earlier ones for Back.
        dcc.Store(id="zoom-view", data=list(FULL)),
        dcc.Store(id="zoom-history", data=[]),
    )


def register(dash_app: dash.Dash) -> None:
    image_callback(
        dash_app,
        Output("zoom-picture", "src"),
        Input("zoom-view", "data"),
        # The browser reports a region dragged across the picture as the
        # image's data-brush property, in the Extent's units.
        events=("brush",),
        deterministic=True,
        max_age=MAX_AGE,
        cache_timeout=MAX_AGE,
    )(density)

    @dash_app.callback(
        Output("zoom-view", "data"),
        Output("zoom-history", "data"),
        Input("zoom-picture", "data-brush"),
        Input("zoom-back", "n_clicks"),
        Input("zoom-whole", "n_clicks"),
        State("zoom-view", "data"),
        State("zoom-history", "data"),
        prevent_initial_call=True,
    )
    def move(
        brush: t.Any, _back: t.Any, _whole: t.Any, view: t.Any, history: t.Any
    ) -> tuple[list[float], list[list[float]]]:
        return navigate(dash.ctx.triggered_id, brush, view, history)

    @dash_app.callback(
        Output("zoom-range", "children"),
        Output("zoom-points", "children"),
        Output("zoom-factor", "children"),
        Output("zoom-back", "disabled"),
        Input("zoom-view", "data"),
        Input("zoom-history", "data"),
    )
    def show(view: t.Any, history: t.Any) -> tuple[str, str, str, bool]:
        return (*describe(view), not history)
