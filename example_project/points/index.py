"""Points sorted once into the cells of a grid, so that a view reads only
the cells it overlaps; and the counts of the points in each pixel of a view.

The grid divides the points' bounds into :data:`GRID` x :data:`GRID` cells,
numbered row by row from the bottom left. The points are stored cell by
cell (a counting sort: two passes over them), and ``starts[c]`` is where
cell ``c`` begins, so the cells of one row between two columns are one
slice of the arrays. A view 100 times deeper than the whole reads about a
hundred rows' slices, not every point; the whole view reads every point
once, as a plain loop would.

Both loops are compiled by numba and release the GIL: a threaded server
draws other pictures meanwhile. Measured against Datashader and numpy in
``bench/zoom_render.py``.
"""

from __future__ import annotations

import math
import typing as t

import numba
import numpy as np

__all__ = ["GRID", "Points", "build", "count", "read_only", "sort"]

GRID = 1024

#: (x0, x1, y0, y1): a view, or the points' bounds.
Box = tuple[float, float, float, float]


class Points(t.NamedTuple):
    """Points sorted into the cells of their ``bounds`` (read-only arrays)."""

    #: float32 coordinates, cell by cell.
    x: np.ndarray
    y: np.ndarray
    #: int64, GRID * GRID + 1: cell ``c`` holds ``[starts[c], starts[c + 1])``.
    starts: np.ndarray
    bounds: Box

    def __len__(self) -> int:
        return len(self.x)


def _scales(bounds: Box) -> tuple[float, float, float, float]:
    """The bounds' bottom left corner and cells per unit, across and up."""
    x0, x1, y0, y1 = bounds
    return x0, y0, GRID / (x1 - x0), GRID / (y1 - y0)


def sort(
    x: np.ndarray, y: np.ndarray, bounds: Box, out_x: np.ndarray, out_y: np.ndarray
) -> np.ndarray:
    """Write ``x`` and ``y`` cell by cell into ``out_x`` and ``out_y`` (the
    same length; a file's memory map will do) and return ``starts``.

    A point outside ``bounds`` goes to the nearest cell of the edge.
    """
    starts = np.zeros(GRID * GRID + 1, np.int64)
    _sort(x, y, *_scales(bounds), GRID, out_x, out_y, starts)
    return starts


def build(x: np.ndarray, y: np.ndarray, bounds: Box) -> Points:
    """``x`` and ``y`` (float32) sorted into the cells of ``bounds``, in memory."""
    out_x, out_y = np.empty_like(x), np.empty_like(y)
    starts = sort(x, y, bounds, out_x, out_y)
    return read_only(out_x, out_y, starts, bounds)


def read_only(x: np.ndarray, y: np.ndarray, starts: np.ndarray, bounds: Box) -> Points:
    """Points of sorted arrays (a file's memory map, say), made read-only."""
    # Plain arrays (a memmap's view): numba compiles one loop for both.
    arrays = [np.asarray(a) for a in (x, y, starts)]
    for array in arrays:
        array.flags.writeable = False
    return Points(*arrays, bounds=bounds)


def count(points: Points, view: Box, width: int, height: int) -> np.ndarray:
    """How many points fall in each pixel of ``view`` drawn ``width`` x
    ``height``: int32 counts, row 0 at the top (``y1``), column 0 at ``x0``.

    The bins of ``np.histogram2d`` over the float32 points, but for points
    exactly on the right or the bottom edge, which belong to the next view.
    """
    x0, x1, y0, y1 = view
    left, bottom, across, up = _scales(points.bounds)
    # The cells the view overlaps, one more on each side: a point is put in
    # its cell in float64, and tested against the view in float32.
    columns = [_cell(x0, left, across) - 1, _cell(x1, left, across) + 1]
    rows = [_cell(y0, bottom, up) - 1, _cell(y1, bottom, up) + 1]
    counts = np.zeros(height * width, np.int32)
    _count(
        points.x,
        points.y,
        points.starts,
        GRID,
        *(min(max(c, 0), GRID - 1) for c in columns + rows),
        # Pixels per unit, and the view's top left corner, in the points'
        # float32, as numpy would compute them from float32 arrays.
        np.float32(x0),
        np.float32(y1),
        np.float32(width / (x1 - x0)),
        np.float32(height / (y1 - y0)),
        width,
        height,
        counts,
    )
    return counts.reshape(height, width)


def _cell(value: float, low: float, per_unit: float) -> int:
    scaled = (value - low) * per_unit
    return math.floor(scaled) if math.isfinite(scaled) else 0


@numba.njit(nogil=True, cache=True)
def _clamp(scaled, grid):
    # Clamped before the conversion, which is undefined for NaN and huge values.
    return int(min(scaled, grid - 1)) if scaled >= 0 else 0


@numba.njit(nogil=True, cache=True)
def _sort(x, y, left, bottom, across, up, grid, out_x, out_y, starts):
    cells = np.empty(x.size, np.int32)
    for i in range(x.size):
        column = _clamp((x[i] - left) * across, grid)
        row = _clamp((y[i] - bottom) * up, grid)
        cells[i] = row * grid + column
        starts[cells[i] + 1] += 1
    for cell in range(grid * grid):
        starts[cell + 1] += starts[cell]
    end = starts[:-1].copy()
    for i in range(x.size):
        at = end[cells[i]]
        out_x[at] = x[i]
        out_y[at] = y[i]
        end[cells[i]] = at + 1


@numba.njit(nogil=True, cache=True)
def _count(
    x,
    y,
    starts,
    grid,
    column0,
    column1,
    row0,
    row1,
    left,
    top,
    across,
    down,
    width,
    height,
    counts,
):
    for row in range(row0, row1 + 1):
        for i in range(starts[row * grid + column0], starts[row * grid + column1 + 1]):
            u = (x[i] - left) * across
            v = (top - y[i]) * down
            if u >= 0 and u < width and v >= 0 and v < height:
                counts[int(v) * width + int(u)] += 1
