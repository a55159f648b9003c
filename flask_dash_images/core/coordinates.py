"""Coordinate maps: how a picture's pixels stand for data, for pointer events.

A picture of an image callback with ``events=`` has a map, made when it is
drawn (so it is the map of that very picture), as compact JSON:

- ``w``, ``h``: the size the map measures the picture in: a raster
  picture's pixels, an SVG figure's points. Absent when the server cannot
  read the size (SVG text, bytes it cannot open): the page reports no event
  rather than a made-up one;
- a matplotlib figure: ``axes``, its visible axes topmost first, each as
  :mod:`.axes_map` describes (how matplotlib's ``MouseEvent`` finds the
  axes under a point, and its data there). Display units run from the
  bottom left, as matplotlib's do;
- an :class:`~.render.Extent`: ``extent``, the values at its edges
  (``x``: left, right; ``y``: bottom, top);
- an xarray ``DataArray`` (a Datashader image): the same ``extent``, from
  its coordinates (see :func:`.data_arrays.edges`);
- any other picture: its size alone, for events in its own pixels.

The view sends a small map in the picture's own response (a header); a
larger one is asked for by the page when someone points at the picture
(see :func:`header_value`).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import typing as t

from PIL import Image

from . import data_arrays, figures, render
from .axes_map import axes_entries

__all__ = [
    "HEADER_LIMIT",
    "coordinate_map",
    "encode_with_map",
    "header_value",
    "in_header",
    "map_alone",
    "map_id",
]

#: The largest map sent in the picture's own header, in bytes: beyond it
#: the header names the map (:func:`map_id`) and the page asks for it. Well
#: under the 4 KB that nginx's default proxy buffer holds for all headers.
HEADER_LIMIT = 1024


def encode_with_map(
    result: t.Any,
    fmt: render.Format,
    options: t.Mapping[str, t.Any],
    max_pixels: int | None = None,
) -> tuple[bytes, str]:
    """The encoded picture, and its coordinate map as compact JSON."""
    data = render.encode(result, fmt, options, max_pixels)
    return data, _text(coordinate_map(result, fmt, data))


def map_alone(result: t.Any, fmt: render.Format, max_pixels: int | None = None) -> str:
    """The coordinate map of the picture, drawn as ``fmt`` would draw it (a
    figure's layout happens then) but not encoded: a map request's."""
    picture = result.picture if isinstance(result, render.Extent) else result
    if not fmt.pillow:
        data = render.encode(result, fmt, {}, max_pixels)  # drawing is encoding
    elif figures.is_figure(picture):
        render.to_image(picture, max_pixels)  # drawn (and laid out), not encoded
        data = b""
    elif isinstance(picture, (bytes, bytearray, memoryview)):
        data = bytes(picture)
    else:
        data = b""
    return _text(coordinate_map(result, fmt, data))


def _text(found: dict[str, t.Any]) -> str:
    return json.dumps(found, separators=(",", ":"), allow_nan=False)


def coordinate_map(result: t.Any, fmt: render.Format, data: bytes) -> dict[str, t.Any]:
    """The map of ``result``, drawn (a figure's layout is known) as ``fmt``
    into ``data``."""
    extent = result if isinstance(result, render.Extent) else None
    picture = result.picture if extent is not None else result
    found: dict[str, t.Any] = {}
    if figures.is_figure(picture):
        if fmt.pillow:  # drawn by Agg: whole pixels, as the picture has
            width, height = picture.canvas.get_width_height(physical=True)
        else:  # drawn at 72 dpi by the SVG backend, which keeps that dpi
            width, height = (float(v) for v in picture.bbox.size)
        found.update(w=width, h=height, axes=axes_entries(picture))
    else:
        width, height = _size(picture, data)
        if width is not None:
            found.update(w=width, h=height)
    if extent is not None:
        found["extent"] = {"x": _pair(extent.x), "y": _pair(extent.y)}
    elif data_arrays.is_data_array(picture):
        x, y = data_arrays.edges(picture)
        found["extent"] = {"x": _pair(x), "y": _pair(y)}
    return found


def header_value(map_text: str) -> str:
    """What the picture's response says of its map: the map, if it is at
    most :data:`HEADER_LIMIT` bytes; else its :func:`map_id`, which the page
    sends back when it asks for the map (so it gets this very map, or none)."""
    return map_text if in_header(map_text) else map_id(map_text)


def in_header(map_text: str) -> bool:
    """Whether the picture's response carries the map itself (at most
    :data:`HEADER_LIMIT` bytes), not only its id."""
    return len(map_text) <= HEADER_LIMIT


def map_id(map_text: str) -> str:
    """A map's identity: a hash of its text."""
    return hashlib.blake2b(map_text.encode("utf-8"), digest_size=10).hexdigest()


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
    except Exception:  # SVG text, bytes Pillow cannot read
        return None, None


def _pair(values: t.Sequence[t.Any]) -> list[float | None]:
    first, second = values
    return [_number(first), _number(second)]


def _number(value: t.Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
