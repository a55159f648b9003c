"""For a matplotlib figure, a pointer event is what matplotlib's own
``MouseEvent`` says at that point: the topmost visible axes whose patch
contains it (``inaxes``), and ``xdata``, ``ydata``; no event where
``inaxes`` is None, or where the browser cannot follow matplotlib (3D,
geographic projections, function scales: such axes still hide the ones
below them).

The page script's maths (``dash_images_events.js``, run in V8) are given the
map the server makes for each figure, and compared point by point with a
``MouseEvent`` on the same figure at the same display point: every few
pixels, around every corner of every axes' outline (where a rounding would
show), and at points hypothesis picks.
"""

from __future__ import annotations

import functools
import json
import math
import typing as t

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backend_bases import MouseEvent
from matplotlib.figure import Figure

from flask_dash_images.core import axes_map, coordinates, render

from .events_page import EventsPage

Build = t.Callable[[], Figure]
FIGURES: dict[str, tuple[Build, frozenset[int]]] = {}


def figure(*no_events: int) -> t.Callable[[Build], Build]:
    """A figure of the table; ``no_events``: the indexes (in ``fig.axes``)
    of the axes the browser cannot map."""

    def add(build: Build) -> Build:
        FIGURES[build.__name__] = (build, frozenset(no_events))
        return build

    return add


@figure()
def grid_of_scales():
    fig = Figure(figsize=(6, 4), dpi=100)
    axs = fig.subplots(2, 3)
    axs[0, 0].set_xscale("symlog")
    axs[0, 0].set_xlim(-1000, 1000)
    axs[0, 1].set_yscale("logit")
    axs[0, 1].set_ylim(0.01, 0.99)
    axs[0, 1].set_xscale("log", base=2)
    axs[0, 1].set_xlim(1, 1024)
    axs[0, 2].set_xscale("asinh")
    axs[0, 2].set_xlim(-50, 500)
    axs[1, 0].set_xlim(10, -10)  # inverted
    axs[1, 0].invert_yaxis()
    axs[1, 1].set_yscale("log")
    axs[1, 1].set_ylim(1000, 0.1)  # log, inverted
    axs[1, 2].set_xscale("symlog", base=3, linthresh=0.5, linscale=2)
    axs[1, 2].set_xlim(-30, 5)
    axs[1, 2].set_yscale("log", base=math.e)
    axs[1, 2].set_ylim(1, 100)
    fig.tight_layout()
    return fig


@figure()
def twins():
    fig = Figure(figsize=(5, 4), dpi=100)
    left, right = fig.subplots(1, 2)
    left.set_ylim(0, 10)
    twin = left.twinx()  # on top: its y
    twin.set_yscale("log")
    twin.set_ylim(1, 1000)
    right.set_xlim(0, 1)
    right.twiny().set_xlim(100, -100)
    return fig


@figure()
def insets_and_zorder():
    fig = Figure(figsize=(5, 4), dpi=100)
    main = fig.add_subplot()
    main.set_xlim(0, 100)
    fig.add_axes((0.55, 0.55, 0.3, 0.3)).set_xlim(-1, 1)  # later: on top
    below = fig.add_axes((0.2, 0.2, 0.3, 0.3), zorder=-1)  # under the main axes
    below.set_xlim(5, 6)
    above = fig.add_axes((0.15, 0.6, 0.3, 0.3), zorder=3)
    main.set_zorder(2)  # above the second inset, under the third
    above.set_yscale("symlog")
    # matplotlib's inaxes knows only the figure's axes, not an axes' own
    # inset_axes: there, the events are its parent's.
    main.inset_axes((0.6, 0.05, 0.3, 0.3)).set_xlim(1000, 2000)
    return fig


@figure()
def colorbars():
    fig = Figure(figsize=(6, 5), dpi=90)
    axs = fig.subplots(2, 2)
    for i, ax in enumerate(axs.flat):
        shown = ax.imshow(np.arange(12).reshape(3, 4) * (i + 1), extent=(0, 4, 0, 3))
        fig.colorbar(shown, ax=ax)
    fig.colorbar(shown, ax=list(axs[:, 1]), location="bottom")
    return fig


@figure()
def polar_offset_direction():
    fig = Figure(figsize=(5, 4), dpi=100)
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(1.0)
    ax.set_theta_direction(-1)
    ax.set_rlim(0, 5)
    return fig


@figure()
def polar_wedges():
    fig = Figure(figsize=(7, 3), dpi=100)
    wedge, hole, reversed_r = fig.subplots(1, 3, subplot_kw={"projection": "polar"})
    wedge.set_thetamin(20)
    wedge.set_thetamax(300)
    wedge.set_rorigin(-3)
    wedge.set_rlim(1, 8)
    hole.set_rorigin(-3)  # a full circle with a hole: matplotlib counts it in
    hole.set_rlim(1, 8)
    hole.set_theta_zero_location("N")
    reversed_r.set_rlim(10, 2)
    reversed_r.set_thetamin(-45)
    reversed_r.set_thetamax(45)
    return fig


@figure()
def polar_radial_scales():
    fig = Figure(figsize=(6, 3), dpi=100)
    log, symlog = fig.subplots(1, 2, subplot_kw={"projection": "polar"})
    log.set_rscale("log")
    log.set_rlim(1, 100)
    symlog.set_rscale("symlog")
    symlog.set_rlim(0, 100)
    return fig


@figure(0)
def three_d_over_and_under():
    fig = Figure(figsize=(5, 4), dpi=100)
    fig.add_subplot(projection="3d")  # no event, but it hides what is under it
    fig.add_axes((0.05, 0.05, 0.4, 0.4), zorder=-1).set_xlim(0, 1)
    fig.add_axes((0.6, 0.6, 0.35, 0.35), zorder=1).set_xlim(0, 1)
    return fig


@figure()
def axis_off_and_invisible():
    fig = Figure(figsize=(5, 4), dpi=100)
    plain, off = fig.subplots(1, 2)
    off.axis("off")  # still an axes to matplotlib's events
    off.set_xlim(3, 4)
    hidden = fig.add_axes((0.1, 0.1, 0.8, 0.8), zorder=10)
    hidden.set_visible(False)  # no axes at all to them
    plain.set_ylim(-1, 1)
    return fig


@figure()
def subfigures_and_constrained_layout():
    fig = Figure(figsize=(6, 4), dpi=100, layout="constrained")
    left, right = fig.subfigures(1, 2)
    for i, ax in enumerate(left.subplots(2, 1)):
        ax.set_xlim(i, i + 1)
    aspect = right.add_subplot()
    aspect.set_aspect("equal")
    aspect.set_xlim(0, 1)
    aspect.set_ylim(0, 3)
    return fig


@figure(0, 2, 3)
def projections_and_function_scales():
    fig = Figure(figsize=(6, 4), dpi=100)
    fig.add_subplot(2, 2, 1, projection="hammer")
    fig.add_subplot(2, 2, 2).set_xscale("log")
    square = fig.add_subplot(2, 2, 3)
    square.set_xscale("function", functions=(np.square, np.sqrt))
    square.set_xlim(0, 2)
    fig.add_subplot(2, 2, 4).set_yscale("functionlog", functions=(np.sqrt, np.square))
    return fig


@figure()
def an_edge_on_the_patch():
    # A patch with a visible edge is tested by matplotlib with its stroke:
    # no event near it (where the page cannot tell), the rest exact.
    fig = Figure(figsize=(4, 3), dpi=100)
    ax, other = fig.subplots(1, 2)
    ax.patch.set_edgecolor("red")
    ax.patch.set_linewidth(8)
    other.set_xlim(0, 1)
    return fig


@figure()
def odd_size_and_dpi():
    fig = Figure(figsize=(5.33, 4.27), dpi=77)
    ax = fig.add_subplot()
    ax.set_xlim(-3.3, 7.7)
    fig.tight_layout()
    return fig


@figure()
def toolkit_axes():
    # mpl_toolkits' own axes classes: mapped where their transforms are
    # matplotlib's (checked as the map is made).
    from mpl_toolkits import axisartist
    from mpl_toolkits.axes_grid1 import ImageGrid

    fig = Figure(figsize=(6, 4), dpi=100)
    grid = ImageGrid(fig, 121, nrows_ncols=(2, 2), axes_pad=0.1)
    for i, ax in enumerate(grid):
        ax.imshow(np.arange(6).reshape(2, 3) * i, extent=(i, i + 3, 0, 2))
    fig.add_subplot(122, axes_class=axisartist.Axes).set_xlim(-1, 1)
    return fig


@functools.cache
def drawn(name: str, fmt: str = "png") -> tuple[Figure, str, dict[str, t.Any]]:
    """The figure drawn as the server draws it, and its map."""
    fig = FIGURES[name][0]()
    _, text = coordinates.encode_with_map(fig, render.FORMATS[fmt], {}, None)
    return fig, text, json.loads(text)


@pytest.fixture(scope="module")
def page() -> EventsPage:
    return EventsPage()


def matplotlib_says(fig: Figure, found: dict[str, t.Any], px: float, py: float):
    """matplotlib's event at the picture point (px, py) from the top left:
    (axes index, xdata, ydata), or None; where the axes is one the browser
    cannot map, the axes index and None."""
    event = MouseEvent("motion_notify_event", fig.canvas, px, found["h"] - py)
    if event.inaxes is None:
        return None
    return fig.axes.index(event.inaxes), event.xdata, event.ydata


def vertices(entry: dict[str, t.Any]) -> list[list[tuple[float, float]]]:
    """The display points of an axes' outline, subpath by subpath."""
    paths: list[list[tuple[float, float]]] = []
    commands = entry.get("hit") or []
    k = 0
    while k < len(commands):
        if commands[k] == axes_map.CLOSE:
            k += 1
            continue
        if commands[k] == axes_map.MOVE_TO:
            paths.append([])
        paths[-1].append((commands[k + 1], commands[k + 2]))
        k += 3
    return paths


def outline_points(found: dict[str, t.Any]) -> list[tuple[float, float]]:
    """Picture points on and just around the corners of every outline (every
    few points of a curve's)."""
    points = []
    for entry in found["axes"]:
        for path in vertices(entry):
            for x, y in path[:: 1 if len(path) < 12 else 7]:
                y = found["h"] - y
                for dx, dy in [(0, 0), (-1e-9, 0), (1e-9, 0), (0, -1e-9), (0, 1e-9)]:
                    points.append((x + dx, y + dy))
                for px in (math.floor(x), math.ceil(x)):
                    for py in (math.floor(y), math.ceil(y)):
                        points.append((px, py))
    return points


def grid_points(found: dict[str, t.Any], step: float) -> list[tuple[float, float]]:
    w, h = found["w"], found["h"]
    xs = np.arange(-2, w + 3, step)
    ys = np.arange(-2, h + 3, step)
    return [(float(x), float(y)) for x in xs for y in ys]


def near_a_stroked_outline(found: dict[str, t.Any], x: float, y: float) -> bool:
    """Whether the display point (x, y) is where the page cannot tell: near
    the outline of a patch matplotlib tests with its stroke."""
    for entry in found["axes"]:
        for path in vertices(entry) if "band" in entry else []:
            for (x0, y0), (x1, y1) in zip(path, path[1:] + path[:1], strict=True):
                dx, dy = x1 - x0, y1 - y0
                along = ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy or 1)
                along = min(1, max(0, along))
                if (
                    math.hypot(x - x0 - along * dx, y - y0 - along * dy)
                    <= entry["band"]
                ):
                    return True
    return False


def assert_agree(name, fmt, page, points):
    fig, text, found = drawn(name, fmt)
    no_events = FIGURES[name][1]
    events = page.locate_many(text, points)
    for (px, py), event in zip(points, events, strict=True):
        said = matplotlib_says(fig, found, px, py)
        where = f"{name} ({fmt}) at {(px, py)}: matplotlib {said}, page {event}"
        if event is None and near_a_stroked_outline(found, px, found["h"] - py):
            continue  # no event rather than a guess
        if said is None or said[0] in no_events:
            assert event is None, where
            continue
        index, xdata, ydata = said
        if xdata is None or not (math.isfinite(xdata) and math.isfinite(ydata)):
            assert event is None, where
            continue
        assert event is not None, where
        assert event["axes"] == index, where
        assert math.isclose(event["x"], xdata, rel_tol=1e-9, abs_tol=1e-9), where
        assert math.isclose(event["y"], ydata, rel_tol=1e-9, abs_tol=1e-9), where


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_pixel_and_every_outline_corner_agree_with_matplotlib(page, name):
    found = drawn(name)[2]
    assert_agree(name, "png", page, grid_points(found, 17) + outline_points(found))


@pytest.mark.parametrize("name", list(FIGURES))
def test_the_map_says_which_axes_report_events(name):
    fig, _, found = drawn(name)
    visible = {i for i, ax in enumerate(fig.axes) if ax.get_visible()}
    assert {entry["i"] for entry in found["axes"]} == visible
    mapped = {entry["i"] for entry in found["axes"] if "inv" in entry}
    assert mapped == visible - FIGURES[name][1]


@pytest.mark.parametrize("name", ["grid_of_scales", "polar_wedges", "colorbars"])
def test_an_svg_figure_agrees_with_matplotlib_in_its_own_units(page, name):
    # The SVG backend draws at 72 dpi: the map is in points, as the picture.
    fig, _, found = drawn(name, "svg")
    assert (found["w"], found["h"]) == pytest.approx(tuple(fig.get_size_inches() * 72))
    assert_agree(name, "svg", page, grid_points(found, 15) + outline_points(found))


@settings(deadline=None, max_examples=60)
@given(
    st.sampled_from(sorted(FIGURES)),
    st.lists(
        st.tuples(
            st.floats(-0.05, 1.05) | st.integers(0, 800).map(lambda i: i / 800),
            st.floats(-0.05, 1.05) | st.integers(0, 600).map(lambda i: i / 600),
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_any_point_agrees_with_matplotlib(page, name, shares):
    found = drawn(name)[2]
    points = [(u * found["w"], v * found["h"]) for u, v in shares]
    points += [(round(x), round(y)) for x, y in points]  # whole pixels too
    assert_agree(name, "png", page, points)


@pytest.mark.parametrize(
    ("name", "index", "cell"),
    [
        # A colorbar matplotlib carves out of a subplot's cell, and that
        # subplot, are in that cell; one made for several axes is in none.
        ("colorbars", 0, (0, 0)),
        ("colorbars", 1, (0, 1)),
        ("colorbars", 3, (1, 1)),
        ("colorbars", 4, (0, 0)),
        ("colorbars", 5, (0, 1)),
        ("colorbars", 7, (1, 1)),
        ("colorbars", 8, None),
        # A twin shares its axes' cell; axes placed by hand have none.
        ("twins", 2, (0, 0)),
        ("twins", 3, (0, 1)),
        ("insets_and_zorder", 0, (0, 0)),
        ("insets_and_zorder", 1, None),
        ("subfigures_and_constrained_layout", 1, (1, 0)),
        ("grid_of_scales", 5, (1, 2)),
    ],
)
def test_row_and_col_are_the_cell_of_the_grid_the_axes_sits_in(name, index, cell):
    fig, _, found = drawn(name)
    (entry,) = [e for e in found["axes"] if e["i"] == index]
    assert (entry.get("row"), entry.get("col")) == (cell or (None, None))
    if cell is not None:
        spec = fig.axes[index].get_subplotspec().get_topmost_subplotspec()
        assert (spec.rowspan.start, spec.colspan.start) == cell
