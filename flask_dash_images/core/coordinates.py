"""Coordinate maps: how a picture's pixels stand for data, for pointer events.

A picture of an image callback with ``events=`` carries its map (the view
sends it as the ``X-Dash-Images-Map`` header of the picture's own response,
so it is exact for the picture shown). Positions are fractions of the
picture's width and height from its top left corner, so the browser needs
neither the picture's pixels nor its pixel ratio:

- a matplotlib figure: for each axes, its box and its data limits (as
  ``get_xlim``/``get_ylim`` give them: inverted axes have them reversed),
  its scales (``linear`` or ``log``), and its row and column in a grid of
  subplots, all read after the figure is drawn (so after any layout);
- an :class:`~.render.Extent`: the values at its edges;
- any other picture: its size, for events in its own pixels.
"""

from __future__ import annotations

import io
import json
import math
import typing as t

from PIL import Image

from . import render

__all__ = ["coordinate_map", "encode_with_map"]


def encode_with_map(
    result: t.Any,
    fmt: render.Format,
    options: t.Mapping[str, t.Any],
    max_pixels: int | None = None,
) -> tuple[bytes, str]:
    """The encoded picture, and its coordinate map as compact JSON."""
    data = render.encode(result, fmt, options, max_pixels)
    return data, json.dumps(
        coordinate_map(result, data), separators=(",", ":"), allow_nan=False
    )


def coordinate_map(result: t.Any, data: bytes) -> dict[str, t.Any]:
    """The map of ``result``, drawn (a figure's layout is known) and encoded
    as ``data``."""
    extent = result if isinstance(result, render.Extent) else None
    picture = result.picture if extent is not None else result
    if type(picture).__module__.startswith("matplotlib") and hasattr(
        picture, "savefig"
    ):
        width, height = picture.get_size_inches() * picture.dpi
        found: dict[str, t.Any] = {
            "w": round(width),
            "h": round(height),
            "axes": [_axes(axes) for axes in picture.axes],
        }
    else:
        width, height = _size(picture, data)
        found = {"w": width, "h": height, "axes": []}
    if extent is not None:
        found["extent"] = {"x": _pair(extent.x), "y": _pair(extent.y)}
    return found


def _axes(axes: t.Any) -> dict[str, t.Any]:
    box = axes.get_position()  # figure fractions, from the bottom left
    spec = axes.get_subplotspec() if hasattr(axes, "get_subplotspec") else None
    return {
        "box": [_number(v) for v in (box.x0, 1 - box.y1, box.x1, 1 - box.y0)],
        "x": _pair(axes.get_xlim()),
        "y": _pair(axes.get_ylim()),
        "xscale": axes.get_xscale(),
        "yscale": axes.get_yscale(),
        "row": None if spec is None else spec.rowspan.start,
        "col": None if spec is None else spec.colspan.start,
    }


def _size(picture: t.Any, data: bytes) -> tuple[int | None, int | None]:
    if isinstance(picture, Image.Image):
        return picture.size
    shape = getattr(picture, "shape", None)
    if shape is not None and len(shape) >= 2:
        return int(shape[1]), int(shape[0])
    try:  # encoded bytes: the size is in the header
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            return width, height
    except Exception:
        return None, None


def _pair(values: t.Sequence[t.Any]) -> list[float | None]:
    first, second = values
    return [_number(first), _number(second)]


def _number(value: t.Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
