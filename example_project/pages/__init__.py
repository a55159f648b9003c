"""The gallery's Dash pages, in menu order.

Each page is a module with:

- ``PATH``: where it lives, e.g. ``"/fractal"``;
- ``TITLE``, and ``SUMMARY``: one line saying what the page shows;
- ``layout()``: a fresh Dash component tree;
- ``register(dash_app)``: registers its callbacks on that one Dash app.
"""

from __future__ import annotations

import typing as t

from . import (
    chart,
    errors,
    formats,
    fractal,
    heatmap,
    inspect,
    line,
    thumbnails,
    zoom,
)

if t.TYPE_CHECKING:
    import dash
    from dash.development.base_component import Component

__all__ = ["PAGES", "Page"]


class Page(t.Protocol):
    PATH: str
    TITLE: str
    SUMMARY: str

    def layout(self) -> Component: ...

    def register(self, dash_app: dash.Dash) -> None: ...


PAGES: tuple[Page, ...] = (
    line,
    fractal,
    chart,
    inspect,
    heatmap,
    zoom,
    formats,
    thumbnails,
    errors,
)
