"""A hundred million points, drawn as a density picture with axes, explored
like a map: the wheel zooms around the pointer, a drag pans (or brushes a
region to zoom into), a double-click shows the whole view; every view is
a link, and the browser's Back and Forward move between views.

The points (a fixed-seed mixture of Gaussians, :mod:`example_project.points`)
are made once per process, or mapped from a cache file that an earlier
process wrote (800 MB, shared by every process that maps it). Their number
and the cache's place come from the environment: ``GALLERY_ZOOM_POINTS``
(default 100,000,000) and ``GALLERY_CACHE_DIR`` (default: the user's cache
directory; empty: no file, each process makes its own in memory).

A picture counts the points in each of its 600 x 400 pixels (an index
built once: a view reads only the grid cells it overlaps), colours the
log-scaled counts through a matplotlib colour map and draws axes around
them, as an :class:`~flask_dash_images.Extent` of the whole picture: the
browser reports wheel, drag and brush in the points' own units.

The wiring: the view lives in the page's URL (``?view=x0,x1,y0,y1``, a
``dcc.Location``), read into a ``dcc.Store`` in the browser; the image
callback draws the store's view; one callback turns any event into the next
view (:func:`flask_dash_images.next_view`) and writes it to the URL, which
adds it to the browser's history. Every view is a deterministic URL: the
browser keeps it an hour (``max_age``) and the server's cache keeps it for
every visitor, so Back shows the previous view at once.
"""

from __future__ import annotations

import functools
import json
import math
import os
import threading
import typing as t

import dash
import matplotlib
import numpy as np
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from flask_dash_images import Extent, image_callback, next_view

from .. import axes, ui
from ..points import store
from ..points.index import Points, count
from ..viewport import View, Viewport

PATH = "/zoom"
TITLE = "Zoom"
SUMMARY = (
    "A hundred million points as a density picture with axes: the wheel zooms,"
    " a drag pans or brushes a region, a double-click shows everything; each"
    " view is a link, and Back goes to the one before (pointer events in data"
    " coordinates, events=)."
)

#: The density's pixels; the picture adds the axes' margins.
DENSITY_WIDTH, DENSITY_HEIGHT = 600, 400
WIDTH = DENSITY_WIDTH + axes.MARGINS[0] + axes.MARGINS[2]
HEIGHT = DENSITY_HEIGHT + axes.MARGINS[1] + axes.MARGINS[3]
#: The whole view: x from -6 to 6, y from -4 to 4 (the density's 3:2).
FULL = store.BOUNDS
ASPECT = DENSITY_WIDTH / DENSITY_HEIGHT
#: The narrowest view is this many times narrower than the whole (a pixel
#: then still spans a few float32 steps of the points' coordinates); the
#: widest, four times wider.
MAX_ZOOM = 10_000
MIN_ZOOM = 0.25
COLOUR_MAP = "magma"
#: The colour map's colours (as many as the picture's palette has room for),
#: uint8 RGB, and the palette with the axes' greys.
COLOURS = matplotlib.colormaps[COLOUR_MAP].resampled(axes.COLOURS)(
    np.arange(axes.COLOURS), bytes=True
)[:, :3]
PALETTE = axes.palette(COLOURS)
# Every view depends only on its four numbers: the browser may keep it this
# long without asking, and the server's cache keeps it as long.
MAX_AGE = 3600
#: How the environment sets the points: their number and the cache directory.
COUNT_VARIABLE = "GALLERY_ZOOM_POINTS"
CACHE_VARIABLE = "GALLERY_CACHE_DIR"
#: What a drag does: the two pictures, one for each (a picture pans or
#: brushes, never both).
DRAGS = {"pan": "Pan", "brush": "Zoom into a region"}
#: What moves the view: the pictures' events, and the Whole view button.
EVENTS = (
    "zoom-picture.data-wheel",
    "zoom-picture.data-pan",
    "zoom-picture.data-dblclick",
    "zoom-box.data-wheel",
    "zoom-box.data-brush",
    "zoom-whole.n_clicks",
)

#: The views the page draws: centred inside FULL, at the density's aspect.
VIEWPORT = Viewport(FULL, DENSITY_WIDTH, DENSITY_HEIGHT, MAX_ZOOM, MIN_ZOOM)
bounded_view = VIEWPORT.bounded
link = VIEWPORT.link


def settings() -> store.Settings:
    """The points this process draws, as the environment says (read at
    each call: every worker process and gunicorn worker agrees; checked
    when the page registers, so a wrong value stops the server's start).

    :raises ValueError: the number is not a whole number from 1 to 2**31 - 1.
    """
    directory = os.environ.get(CACHE_VARIABLE)
    if directory is None:
        directory = str(store.user_cache_dir())
    text = os.environ.get(COUNT_VARIABLE, str(store.DEFAULT_COUNT))
    if not (text.strip().isdigit() and 0 < int(text) < 2**31):
        raise ValueError(
            f"{COUNT_VARIABLE} must be a whole number from 1 to 2**31 - 1, not {text!r}"
        )
    return store.Settings(count=int(text), directory=directory or None)


# -- moving ----------------------------------------------------------------------


def navigate(view: t.Any, event: t.Any, kind: str) -> View:
    """The view after ``event`` (``kind``: Dash's prop_id, such as
    ``zoom-picture.data-wheel``) on ``view``: :func:`next_view`'s, then
    bounded and rounded. The wheel stops at :data:`MAX_ZOOM` and
    :data:`MIN_ZOOM`, with the point under the pointer where it was."""
    if kind.endswith(".n_clicks"):  # the Whole view button
        return FULL
    current = bounded_view(view)
    factor = event.get("factor") if isinstance(event, dict) else None
    if kind.endswith(".data-wheel") and isinstance(factor, (int, float)):
        width = current[1] - current[0]
        limits = width / VIEWPORT.widest, width / VIEWPORT.narrowest
        event = {**event, "factor": min(max(factor, limits[0]), limits[1])}
    try:
        target = next_view(current, event, kind=kind)
    except ValueError as error:  # an event from a hand-made request
        raise PreventUpdate from error
    return FULL if target is None else VIEWPORT.rounded(VIEWPORT.fitted(*target))


# -- pictures ------------------------------------------------------------------


def histogram(points: Points, view: View) -> np.ndarray:
    """How many of ``points`` fall in each pixel of ``view``: DENSITY_HEIGHT
    x DENSITY_WIDTH counts, row 0 at the top (``y1``)."""
    return count(points, view, DENSITY_WIDTH, DENSITY_HEIGHT)


def picture(counts: np.ndarray, view: View) -> Extent:
    """The picture of ``counts``: log-scaled through :data:`COLOUR_MAP`,
    with axes around it.

    ``log(1 + count)`` runs from 0 (no point) to 1 (the fullest pixel of
    this view), so a single point shows where a pixel holds thousands.
    """
    level = np.log1p(counts) / np.log1p(max(int(counts.max()), 1))
    # The colour map's own lookup: entry int(level * N), the top one at 1.
    index = np.minimum(level * len(COLOURS), len(COLOURS) - 1).astype(np.uint8)
    return axes.framed(index, PALETTE, view)


def density(view: object) -> Extent:
    """The Zoom page's generator: the picture of ``view`` (any value: a
    URL may hold anything), for this process's points."""
    bounded = bounded_view(view)
    return picture(_counts(settings(), bounded), bounded)


@functools.lru_cache(maxsize=16)
def _counted(where: store.Settings, view: View) -> np.ndarray:
    counts = histogram(store.points(where), view)
    counts.flags.writeable = False
    return counts


_counting = threading.Lock()
_pending: dict[tuple[store.Settings, View], threading.Lock] = {}


def _counts(where: store.Settings, view: View) -> np.ndarray:
    """The counts of ``view``, counted once when the picture and the page's
    text ask together."""
    with _counting:
        lock = _pending.setdefault((where, view), threading.Lock())
    with lock:
        counts = _counted(where, view)
    with _counting:
        _pending.pop((where, view), None)
    return counts


def describe(view: object) -> tuple[str, str, str]:
    """The page's text for ``view``: its range, the points in it, the zoom."""
    x0, x1, y0, y1 = bounded = bounded_view(view)
    where = settings()
    inside = int(_counts(where, bounded).sum(dtype=np.int64))
    zoom = VIEWPORT.whole / (x1 - x0)
    # Enough decimals to tell a hundredth of the view's height.
    decimals = max(1, 2 - math.floor(math.log10(y1 - y0)))
    return (
        f"x {x0:.{decimals}f} to {x1:.{decimals}f},"
        f" y {y0:.{decimals}f} to {y1:.{decimals}f}",
        f"{inside:,} of {where.count:,}",
        "\N{MULTIPLICATION SIGN}" + (f"{zoom:,.0f}" if zoom >= 100 else f"{zoom:.3g}"),
    )


# -- the page ------------------------------------------------------------------


def layout() -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    _picture("zoom-picture", "pan"),
                    _picture("zoom-box", "brush"),
                ],
                className="pictures",
            ),
            ui.controls(
                ui.field("View", html.Output(id="zoom-range")),
                ui.field("Points in view", html.Output(id="zoom-points")),
                ui.field("Zoom", html.Output(id="zoom-factor")),
                ui.field(
                    "A drag",
                    dcc.RadioItems(
                        id="zoom-drag",
                        options=[{"label": v, "value": k} for k, v in DRAGS.items()],
                        value="pan",
                    ),
                ),
                html.Div(
                    html.Button("Whole view", id="zoom-whole"), className="buttons"
                ),
                ui.note(
                    "Turn the wheel (or pinch) to zoom around the pointer; drag to"
                    " pan, or to zoom into a region; double-click for the whole"
                    " view. Every view is a link: Back and Forward move between"
                    " views. Each is a URL that the browser keeps for an hour"
                    " (max_age=3600) and the server's cache for every visitor"
                    " (deterministic=True)."
                ),
            ),
            # The view is the page URL's; this store holds it as four numbers.
            dcc.Location(id="zoom-location", refresh=False),
            dcc.Store(id="zoom-view"),
            # The view for each picture; None for the one not shown, which
            # then loads nothing.
            dcc.Store(id="zoom-view-pan"),
            dcc.Store(id="zoom-view-brush"),
        ],
        className="demo",
    )


#: Each picture's style, shown and hidden: a drag on it pans or brushes,
#: never scrolls the page.
STYLES = {
    drag: {
        shown: {"cursor": cursor, "touchAction": "none", "display": display}
        for shown, display in ((True, "block"), (False, "none"))
    }
    for drag, cursor in (("pan", "grab"), ("brush", "crosshair"))
}

# The picture for the drag chosen gets the view and is shown; the other
# gets None (and loads nothing) and is hidden.
SHOW_DRAG = """
function (view, drag) {
    const styles = STYLES, brush = drag === "brush";
    return [brush ? null : view, brush ? view : null,
            styles.pan[!brush], styles.brush[brush]];
}
""".replace("STYLES", json.dumps(STYLES))


def _picture(component_id: str, drag: str) -> html.Img:
    image = ui.picture(
        component_id, WIDTH, HEIGHT, "a hundred million points, as a density"
    )
    image.style = STYLES[drag][drag == "pan"]
    return image


def register(dash_app: dash.Dash) -> None:
    # Start making (or mapping) the points now, so the first picture finds
    # them ready; the server answers its other pages meanwhile.
    store.warm(settings())
    options: dict[str, t.Any] = {
        "deterministic": True,
        "max_age": MAX_AGE,
        "cache_timeout": MAX_AGE,
    }
    # The browser reports events on the pictures in the Extent's units, and
    # shows each event's next view at once, the picture moved and scaled
    # (preview=True, the default with wheel, pan or brush), until the
    # picture of that view has loaded. A double-click on the one that
    # brushes clears its brush (data-brush None).
    image_callback(
        dash_app,
        Output("zoom-picture", "src"),
        Input("zoom-view-pan", "data"),
        events=("wheel", "pan", "dblclick"),
        **options,
    )(density)
    image_callback(
        dash_app,
        Output("zoom-box", "src"),
        Input("zoom-view-brush", "data"),
        events=("wheel", "brush"),
        **options,
    )(density)

    dash_app.clientside_callback(
        VIEWPORT.read_link(),
        Output("zoom-view", "data"),
        Input("zoom-location", "search"),
    )
    dash_app.clientside_callback(
        SHOW_DRAG,
        Output("zoom-view-pan", "data"),
        Output("zoom-view-brush", "data"),
        Output("zoom-picture", "style"),
        Output("zoom-box", "style"),
        Input("zoom-view", "data"),
        Input("zoom-drag", "value"),
    )

    @dash_app.callback(
        Output("zoom-location", "search"),
        *(Input(*event.split(".")) for event in EVENTS),
        State("zoom-view", "data"),
        prevent_initial_call=True,
    )
    def move(*events_and_view: t.Any) -> str:
        # The same view is an answer too (no history entry): it ends the
        # page's preview of an event that moved nothing, at a limit.
        (trigger,) = dash.ctx.triggered
        view = events_and_view[-1]
        return link(navigate(view, trigger["value"], trigger["prop_id"]))

    @dash_app.callback(
        Output("zoom-range", "children"),
        Output("zoom-points", "children"),
        Output("zoom-factor", "children"),
        Input("zoom-view", "data"),
    )
    def show(view: t.Any) -> tuple[str, str, str]:
        return describe(view)
