"""xarray ``DataArray`` results (Datashader's images among them): pictures
oriented and placed by their coordinates.

A DataArray with dims ``("y", "x")`` or ``("y", "x", "band")`` (3 or 4
bands: red, green, blue and alpha), the names Datashader gives them, is
a picture:

- its pixels are read as a numpy array's are (uint8, bool, floats in 0..1),
  and a 2-D ``uint32`` array is RGBA packed as Datashader packs it;
- its coordinates orient it: the largest y in the top row, the smallest x
  in the left column, whichever way the array holds them. Datashader's
  aggregates hold y ascending, so they are flipped, as its
  ``Image.to_pil()`` flips them; a raster held from the top is drawn as
  given;
- they also place it (:func:`edges`, for the coordinate map):
  ``attrs["x_range"]`` and ``attrs["y_range"]`` where present, else the
  coordinates as pixel centres, the edges half a step beyond the first and
  the last.

xarray is never imported here: a result can only be a DataArray if its
maker imported xarray already.
"""

from __future__ import annotations

import math
import sys
import typing as t

from ..exceptions import RenderError

__all__ = ["edges", "is_data_array", "pixels"]

DIMS = (("y", "x"), ("y", "x", "band"))

Pair = tuple[float, float]


def is_data_array(result: t.Any) -> bool:
    """Whether ``result`` is an ``xarray.DataArray`` (or a subclass, such as
    Datashader's ``Image``)."""
    xarray = sys.modules.get("xarray")
    return xarray is not None and isinstance(result, xarray.DataArray)


def pixels(array: t.Any) -> t.Any:
    """The array's pixels as a numpy array, the top row first: ``HxW``,
    ``HxWx3`` or ``HxWx4``, of a dtype :func:`.render.to_image` reads.

    :raises RenderError: the array is no picture (its dims, bands, dtype or
        coordinates), saying what is expected.
    """
    import numpy as np

    _check_dims(array)
    values = np.asarray(array.to_numpy())
    if values.ndim == 3 and values.shape[2] not in (3, 4):
        raise RenderError(
            f"the generator returned a DataArray of {values.shape[2]} bands;"
            " expected 3 (RGB) or 4 (RGBA)"
        )
    if values.ndim == 2 and values.dtype == np.uint32:
        # Datashader packs RGBA into the bytes of a uint32, in memory order.
        height, width = values.shape
        values = np.ascontiguousarray(values).view(np.uint8)
        values = values.reshape(height, width, 4)
    elif values.dtype.kind not in "bf" and values.dtype != np.uint8:
        raise RenderError(
            f"the generator returned a DataArray of dtype {values.dtype}; use"
            " uint8 (0..255), bool, floats in 0..1, or (2-D) uint32 RGBA packed"
            " as Datashader packs it"
        )
    if _ascending(array, "y"):
        values = values[::-1]
    if not _ascending(array, "x"):
        values = values[:, ::-1]
    return values


def edges(array: t.Any) -> tuple[Pair, Pair]:
    """The data values at the picture's edges: ``((left, right), (bottom,
    top))``, each pair ascending (as :func:`pixels` orients the picture).

    :raises RenderError: they cannot be told, or would put events in the
        wrong place: a one-pixel axis without its ``attrs`` range;
        coordinates that are no numbers or not evenly spaced (a log axis);
        an ``attrs`` range that is no pair of numbers, or that disagrees
        with the coordinates by more than half a pixel (the attrs of a
        whole array, kept by a slice of it).
    """
    _check_dims(array)
    return _edges(array, "x"), _edges(array, "y")


def _check_dims(array: t.Any) -> None:
    dims = tuple(array.dims)
    if dims in DIMS:
        return
    hint = ""
    for expected in DIMS:
        if sorted(dims) == sorted(expected):
            hint = f" (.transpose{expected!r})"
        elif len(dims) == len(expected) and not hint:
            names = {
                old: new for old, new in zip(dims, expected, strict=True) if old != new
            }
            hint = f" (rename them: .rename({names!r}))"
    raise RenderError(
        f"the generator returned a DataArray with dims {dims}; expected"
        f" {DIMS[0]!r} or {DIMS[1]!r}{hint}"
    )


def _coordinates(array: t.Any, dim: str) -> t.Any:
    import numpy as np

    if dim not in array.coords:
        raise RenderError(
            f"the generator returned a DataArray with no {dim} coordinate: its"
            " coordinates orient and place the picture (or return a numpy array,"
            " its .values)"
        )
    values = np.asarray(array.coords[dim].values)
    later, earlier = values[1:], values[:-1]
    if not (np.all(later > earlier) or np.all(later < earlier)):
        raise RenderError(
            f"the {dim} coordinates are not sorted: they orient the picture, so"
            " they must run one way, ascending or descending"
        )
    return values


def _ascending(array: t.Any, dim: str) -> bool:
    values = _coordinates(array, dim)
    return len(values) < 2 or bool(values[-1] > values[0])


def _edges(array: t.Any, dim: str) -> Pair:
    import numpy as np

    centres = _coordinates(array, dim)
    if centres.dtype.kind not in "iuf":
        raise RenderError(
            f"the {dim} coordinates are not numbers ({centres.dtype}): events"
            " are placed in numbers"
        )
    # What float coordinates may be off by, from their own rounding.
    slack = 8 * float(np.finfo(centres.dtype).eps) if centres.dtype.kind == "f" else 0
    centres = centres.astype(float)
    given = _given(array, dim)
    if len(centres) == 1:
        if given is None:
            raise RenderError(
                f"the {dim} axis has one pixel: its extent needs"
                f" attrs['{dim}_range'] (the values at its two edges)"
            )
        agrees = given[0] <= centres[0] <= given[1]
    else:
        low, high = float(centres.min()), float(centres.max())
        step = (high - low) / (len(centres) - 1)
        tolerance = 1e-6 * step + slack * max(abs(low), abs(high))
        if np.any(np.abs(np.abs(np.diff(centres)) - step) > tolerance):
            raise RenderError(
                f"the {dim} coordinates are not evenly spaced (a log axis?):"
                " events are placed linearly between the picture's edges, so"
                " they would be wrong"
            )
        found = low - step / 2, high + step / 2
        if given is None:
            return found
        # Half a pixel either way: coordinates at the pixels' low edges (or
        # high ones) still agree with the attrs.
        off = max(abs(given[0] - found[0]), abs(given[1] - found[1]))
        agrees = off <= step / 2 + tolerance
    if not agrees:
        raise RenderError(
            f"attrs['{dim}_range'] = {array.attrs[dim + '_range']!r} disagrees"
            f" with the {dim} coordinates (pixel centres from {centres.min():g}"
            f" to {centres.max():g}); the attrs of a whole array stay on a slice"
            f" of it: drop them (del array.attrs['{dim}_range'])"
        )
    return given


def _given(array: t.Any, dim: str) -> Pair | None:
    key = f"{dim}_range"
    given = array.attrs.get(key)
    if given is None:
        return None
    try:
        low, high = sorted(float(value) for value in given)
    except (TypeError, ValueError):
        low = high = math.nan
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise RenderError(f"attrs[{key!r}] = {given!r} is not two different numbers")
    return low, high
