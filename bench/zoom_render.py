"""The gallery's Zoom page: a hundred million points counted per pixel of a
600 x 400 view, by Datashader or by the page's own binning:
``python -m bench.zoom_render [--quick]``.

Which binning the page uses was chosen here. Variants, each giving the
same counts (Datashader's to a pixel's edge):

- ``own, grid index (numba)``: the page's: the points sorted once into a
  1024 x 1024 grid's cells; a view reads only the rows of cells it
  overlaps, each row's cells one slice, in a numba loop;
- ``Datashader, every point``: ``Canvas.points(df, "x", "y")`` over a
  DataFrame of all the points (Datashader's own way);
- ``Datashader, grid index``: the same over the index's slice of the rows
  the view overlaps (what Datashader gains from the page's index);
- ``numpy, grid index``: the index's slices, binned by numpy (bincount);
- ``numpy, every point``: the page's binning before the index, 262,144
  points at a time.

Views: the whole, and views 2, 10, 100, 1000 and 10,000 times deeper (each
side that many times shorter, at the density's 3:2), centred on points of
the set drawn at random (so where the points are: a uniform centre mostly
falls in the empty haze), :data:`VIEWS` of each depth; and "random views",
the depth drawn log-uniformly from 1 to 10,000 and the centre uniformly
over the bounds, as someone wheeling about would reach them. A variant that
reads every point costs the same at every depth: it is measured at the
whole view and at 100x only.

Then the page's whole render of each view (count, colours, axes, PNG
through the library's encoder), against the goals: a random view's median
at most 300 ms, a 100x view's at most 60 ms. Times are medians over views
and rounds, by the wall clock (Datashader may use threads) and by this
process's CPU time (what the machine's other load does not inflate); the
comparison with the page's own is the median over views of each view's
ratio (views of several depths have no typical time between them).
"""

from __future__ import annotations

import math
import statistics
import time
import typing as t

import numpy as np

from . import common

#: Views per depth, and random views.
VIEWS = 7
RANDOM_VIEWS = 25
DEPTHS = (1, 2, 10, 100, 1000, 10_000)
#: Read every point whatever the view: measured at these depths only.
SCANS_AT = (1, 100)
GOALS = {"random": 0.300, 100: 0.060}


def run(quick: bool) -> common.Report:
    """Zoom page: Datashader vs the page's own binning, per view depth."""
    from example_project.pages import zoom
    from example_project.points import store

    settings = zoom.settings()
    began = time.perf_counter()
    mapped = settings.directory is not None and store.cached(settings)
    points = store.points(settings)
    ready = time.perf_counter() - began
    variants = _variants(points, zoom.DENSITY_WIDTH, zoom.DENSITY_HEIGHT)
    rng = np.random.default_rng(7)
    depths = DEPTHS[:3] if quick else DEPTHS
    # The first view of each depth is the fullest: around the fullest cell.
    densest = _densest_point(points)
    views = {
        depth: [
            _view_at(depth, *densest),
            *(_view_at(depth, *_random_point(points, rng)) for _ in range(VIEWS - 1)),
        ]
        for depth in depths
    }
    count = 5 if quick else RANDOM_VIEWS
    views[ON_POINTS] = [
        _view_at(_random_depth(rng), *_random_point(points, rng)) for _ in range(count)
    ]
    views[UNIFORM] = [
        _view_at(_random_depth(rng), rng.uniform(-6, 6), rng.uniform(-4, 4))
        for _ in range(count)
    ]
    rounds = 1 if quick else 3
    for depth in (1, depths[-1]):
        _check_agreement(variants, views[depth][0])

    rows = []
    for depth, chosen in views.items():
        names = [n for n in variants if depth in SCANS_AT or "every point" not in n]
        times = _time({name: variants[name] for name in names}, chosen, rounds=rounds)
        inside = statistics.median(int(variants[OWN](v).sum()) for v in chosen)
        for name in names:
            rows.append(
                [
                    _depth(depth),
                    f"{inside:,}",
                    name,
                    common.ms(times[name].median()),
                    common.ms(times[name].median("cpu")),
                    f"{times[name].over(times[OWN]):.2f}",
                ]
            )
    binning = common.table(
        [
            "view",
            "points in it (median)",
            "variant",
            "wall ms",
            "CPU ms",
            "/ own (per view)",
        ],
        rows,
    )

    # The page's whole render: counts, colours, axes, PNG.
    from flask_dash_images.core import render

    png = render.FORMATS["png"]

    def whole_render(view: t.Sequence[float]) -> bytes:
        bounded = zoom.bounded_view(list(view))
        counts = zoom.histogram(points, bounded)
        return render.encode(zoom.picture(counts, bounded), png, {})

    renders = []
    medians: dict[t.Any, float] = {}
    for depth, chosen in views.items():
        timed = _time({"render": whole_render}, chosen, rounds=rounds)["render"]
        medians[depth] = timed.median()
        sizes = [len(whole_render(v)) for v in chosen]
        renders.append(
            [
                _depth(depth),
                common.ms(timed.median()),
                common.ms(timed.median("cpu")),
                common.ms(timed.slowest()),
                f"{statistics.median(sizes):,.0f}",
            ]
        )
    render_table = common.table(
        ["view", "wall ms", "CPU ms", "slowest view, wall ms", "PNG bytes (median)"],
        renders,
    )
    goals = [
        common.Goal(
            f"Zoom page, 100 M points: median render of a view {where} / 300 ms",
            medians[views_at] / GOALS["random"],
            1.0,
        )
        for where, views_at in (
            ("at random on the points", ON_POINTS),
            ("at random anywhere", UNIFORM),
            ("of the whole (the slowest)", 1),
        )
    ]
    if 100 in medians:
        goals.append(
            common.Goal(
                "Zoom page, 100 M points: median render of a 100x view / 60 ms",
                medians[100] / GOALS[100],
                1.0,
            )
        )
    text = (
        f"{len(points):,} points (float32 x and y sorted into the grid's cells:"
        f" {_megabytes(points)} MB), ready in {ready:.1f} s"
        f" ({'mapped from its cache file' if mapped else 'made'})."
        " Views of 600 x 400 pixels; for each depth"
        f" {VIEWS} views: around the fullest cell of the grid, and centred on"
        f" {VIEWS - 1} random points of the set; and {count} random"
        " views of each kind, the depth log-uniform from 1 to 10,000, centred on"
        " a random point of the set (on the points) or anywhere in the bounds"
        " (anywhere: mostly the empty haze), as the page bounds them (centred"
        f" inside the bounds). {rounds} round(s), medians over views and"
        " rounds.\n\n"
        "Counting the points per pixel\n\n"
        f"{binning}\n\n"
        "The page's render: counts, colours, axes, PNG (the library's encoder)\n\n"
        f"{render_table}"
    )
    notes = [
        (
            f"Zoom page: counting the whole view, own (numba) | Datashader | numpy"
            f" ({len(points) / 1e6:.0f} M points)",
            " | ".join(
                _first(rows, "whole", name)
                for name in (OWN, "Datashader, every point", "numpy, every point")
            ),
        )
    ]
    return common.Report(
        "zoom_render",
        "Zoom page: 100 million points, Datashader vs the page's own binning",
        text,
        goals=goals,
        notes=notes,
    )


OWN = "own, grid index (numba)"
ON_POINTS = "random, on the points"
UNIFORM = "random, anywhere"


def _variants(
    points: t.Any, width: int, height: int
) -> dict[str, t.Callable[[t.Sequence[float]], np.ndarray]]:
    """Each variant: view -> counts (height x width, row 0 at the top)."""
    import datashader as ds
    import pandas as pd

    from example_project.points import index

    x, y, starts = points.x, points.y, points.starts
    everything = pd.DataFrame({"x": x, "y": y}, copy=False)
    grid = index.GRID
    x_low, _, y_low, _ = points.bounds
    per_x = grid / (points.bounds[1] - points.bounds[0])
    per_y = grid / (points.bounds[3] - points.bounds[2])

    def cells(view: t.Sequence[float]) -> tuple[int, int, int, int]:
        x0, x1, y0, y1 = view

        def cell(value: float, low: float, per: float) -> int:
            return min(max(math.floor((value - low) * per), 0), grid - 1)

        return (
            max(cell(x0, x_low, per_x) - 1, 0),
            min(cell(x1, x_low, per_x) + 1, grid - 1),
            max(cell(y0, y_low, per_y) - 1, 0),
            min(cell(y1, y_low, per_y) + 1, grid - 1),
        )

    def own(view: t.Sequence[float]) -> np.ndarray:
        return index.count(points, tuple(view), width, height)

    def datashader(frame: t.Any, view: t.Sequence[float]) -> np.ndarray:
        canvas = ds.Canvas(
            plot_width=width,
            plot_height=height,
            x_range=(view[0], view[1]),
            y_range=(view[2], view[3]),
        )
        # Row 0 of Datashader's is the bottom.
        return np.flipud(canvas.points(frame, "x", "y", agg=ds.count()).values)

    def datashader_rows(view: t.Sequence[float]) -> np.ndarray:
        _, _, row0, row1 = cells(view)
        rows = slice(starts[row0 * grid], starts[(row1 + 1) * grid])
        frame = pd.DataFrame({"x": x[rows], "y": y[rows]}, copy=False)
        return datashader(frame, view)

    def numpy_bins(
        view: t.Sequence[float], slices: t.Iterable[tuple[int, int]]
    ) -> np.ndarray:
        x0, x1, y0, y1 = view
        across = np.float32(width / (x1 - x0))
        down = np.float32(height / (y1 - y0))
        left, top = np.float32(x0), np.float32(y1)
        counts = np.zeros(width * height, np.int64)
        for start, stop in slices:
            for at in range(start, stop, 1 << 18):
                end = min(stop, at + (1 << 18))
                column = (x[at:end] - left) * across
                row = (top - y[at:end]) * down
                inside = (column >= 0) & (column < width) & (row >= 0) & (row < height)
                pixel = row[inside].astype(np.intp) * width + column[inside].astype(
                    np.intp
                )
                counts += np.bincount(pixel, minlength=width * height)
        return counts.reshape(height, width)

    def numpy_rows(view: t.Sequence[float]) -> np.ndarray:
        column0, column1, row0, row1 = cells(view)
        return numpy_bins(
            view,
            (
                (starts[r * grid + column0], starts[r * grid + column1 + 1])
                for r in range(row0, row1 + 1)
            ),
        )

    return {
        OWN: own,
        "Datashader, grid index": datashader_rows,
        "numpy, grid index": numpy_rows,
        "Datashader, every point": lambda view: datashader(everything, view),
        "numpy, every point": lambda view: numpy_bins(view, [(0, len(x))]),
    }


def _check_agreement(
    variants: t.Mapping[str, t.Callable[[t.Sequence[float]], np.ndarray]],
    view: t.Sequence[float],
) -> None:
    """Every variant counts the same points; Datashader, which maps a point
    to its pixel in float64, differs only by points on pixels' edges."""
    own = variants[OWN](view)
    for name, variant in variants.items():
        counts = variant(view)
        if counts.sum() != own.sum() and "Datashader" not in name:
            raise AssertionError(f"{name} counts {counts.sum()}, not {own.sum()}")
        if "numpy" in name and not (counts == own).all():
            raise AssertionError(f"{name} puts points in other pixels")
        if abs(int(counts.sum()) - int(own.sum())) > 0.001 * own.sum() + 10:
            raise AssertionError(f"{name} counts {counts.sum()}, not {own.sum()}")


class Times(t.NamedTuple):
    """One variant's seconds, per view: a list of rounds each."""

    wall: list[list[float]]
    cpu: list[list[float]]

    def median(self, clock: str = "wall") -> float:
        """Over every view and round."""
        return statistics.median([s for view in getattr(self, clock) for s in view])

    def slowest(self) -> float:
        """The slowest view's median, by the wall clock."""
        return max(statistics.median(view) for view in self.wall)

    def over(self, other: Times) -> float:
        """The median over views of this variant's time over ``other``'s."""
        return statistics.median(
            statistics.median(mine) / statistics.median(theirs)
            for mine, theirs in zip(self.wall, other.wall, strict=True)
        )


def _time(
    variants: t.Mapping[str, t.Callable[[t.Sequence[float]], t.Any]],
    views: t.Sequence[t.Sequence[float]],
    *,
    rounds: int,
) -> dict[str, Times]:
    """Each variant's seconds per view, by the wall clock and by this
    process's CPU time; views and variants interleaved, each round in the
    other order."""
    names = list(variants)
    times = {name: Times([[] for _ in views], [[] for _ in views]) for name in names}
    # Warm up: compilation, and the first touch of each view's pages of the
    # mapped file (a page fault each, once per process), which would
    # otherwise fall on whichever variant reads them first.
    for variant in variants.values():
        variant(views[0])
    for view in views:
        next(iter(variants.values()))(view)
    for round_ in range(rounds):
        for i, view in enumerate(views):
            for name in names if round_ % 2 == 0 else reversed(names):
                start, start_cpu = time.perf_counter(), time.process_time()
                variants[name](view)
                times[name].wall[i].append(time.perf_counter() - start)
                times[name].cpu[i].append(time.process_time() - start_cpu)
    return times


def _densest_point(points: t.Any) -> tuple[float, float]:
    """The centre of the cell that holds the most points."""
    from example_project.points import index

    cell = int(np.argmax(np.diff(points.starts)))
    x0, x1, y0, y1 = points.bounds
    return (
        x0 + (cell % index.GRID + 0.5) * (x1 - x0) / index.GRID,
        y0 + (cell // index.GRID + 0.5) * (y1 - y0) / index.GRID,
    )


def _random_point(points: t.Any, rng: np.random.Generator) -> tuple[float, float]:
    at = int(rng.integers(len(points)))
    return float(points.x[at]), float(points.y[at])


def _view_at(depth: float, x: float, y: float) -> tuple[float, float, float, float]:
    from example_project.pages import zoom

    if depth == 1:
        return zoom.FULL  # the whole view is one view
    half_width, half_height = 6 / depth, 4 / depth
    return zoom.bounded_view(
        [x - half_width, x + half_width, y - half_height, y + half_height]
    )


def _random_depth(rng: np.random.Generator) -> float:
    return float(10 ** rng.uniform(0, 4))


def _depth(depth: t.Any) -> str:
    return depth if isinstance(depth, str) else ("whole" if depth == 1 else f"{depth}x")


def _first(rows: list[list[str]], view: str, name: str) -> str:
    return next((f"{r[3]} ms" for r in rows if r[0] == view and r[2] == name), "-")


def _megabytes(points: t.Any) -> str:
    return f"{(points.x.nbytes + points.y.nbytes + points.starts.nbytes) / 1e6:,.0f}"


if __name__ == "__main__":
    common.main(run)
