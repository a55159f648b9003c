"""The picture every deployment test app draws: a 4 x 4 grid of subplots,
axes ``i`` (row ``i // 4``, column ``i % 4``) showing x from ``i`` to
``i + 1`` and y from 0 to ``10 * (i + 1)``, so a click names its axes by
its data alone."""

from __future__ import annotations

import os
import typing as t

from dash import dcc, html
from matplotlib.figure import Figure

ROWS = COLUMNS = 4
DPI = 50
#: The picture's URL below the Dash app's prefix, for a warm-up or a test.
PICTURE = "image_generator/grid.png?n=16"


def grid(n: int) -> Figure:
    figure = Figure(figsize=(COLUMNS * 1.5, ROWS * 1.2), dpi=DPI)
    for i in range(n):
        axes = figure.add_subplot(ROWS, COLUMNS, i + 1)
        axes.set_xlim(i, i + 1)
        axes.set_ylim(0, 10 * (i + 1))
    return figure


def layout() -> html.Div:
    """The picture, its input, and where its clicks are written."""
    return html.Div(
        [
            dcc.Input(id="n", type="number", value=16),
            html.Img(id="picture"),
            html.Pre(id="clicked"),
        ]
    )


def warm_up(server: t.Any, prefix: str) -> None:
    """Draw the picture once now, if ``DEPLOY_WARM_UP`` says so."""
    if os.environ.get("DEPLOY_WARM_UP") == "1":
        response = server.test_client().get(prefix + PICTURE)
        assert response.status_code == 200, response.data
