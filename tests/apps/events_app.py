"""A Dash app whose picture is a grid of subplots that reports clicks, for
pointer events behind real servers and proxies (gunicorn, nginx).

The picture ``grid`` takes ``axes`` (how many, ten a row); axes ``i`` shows
x from ``i`` to ``i + 1`` and y from 0 to ``10 * (i + 1)``. The page starts
at 100 axes (a 10 x 10 grid) and writes each click to ``#clicked``. The
picture is not said to be deterministic: its map comes from the server cache
by the id the page names.
"""

from __future__ import annotations

import json
import math

from dash import Dash, Input, Output, dcc, html
from flask_caching import Cache
from matplotlib.figure import Figure

from flask_dash_images import DynamicImages

COLUMNS = 10
#: Figure inches per row and per column, at DPI.
CELL = 1.0
DPI = 60

app = Dash(__name__)
server = app.server
# A server cache: a map request after the picture is a cache hit.
images = DynamicImages(server, cache=Cache(config={"CACHE_TYPE": "SimpleCache"}))
app.layout = html.Div(
    [
        dcc.Input(id="axes", type="number", value=100),
        html.Img(id="grid"),
        html.Pre(id="clicked"),
    ]
)


def grid_figure(axes: int) -> Figure:
    rows = max(1, math.ceil(axes / COLUMNS))
    columns = min(axes, COLUMNS)
    fig = Figure(figsize=(CELL * columns, CELL * rows), dpi=DPI)
    for i in range(axes):
        ax = fig.add_subplot(rows, columns, i + 1)
        ax.set_xlim(i, i + 1)
        ax.set_ylim(0, 10 * (i + 1))
    return fig


@images.callback(
    Output("grid", "src"), Input("axes", "value"), events=("click",), name="grid"
)
def grid(axes: int) -> Figure:
    return grid_figure(axes)


@app.callback(Output("clicked", "children"), Input("grid", "data-click"))
def clicked(event: object) -> str:
    return json.dumps(event)
