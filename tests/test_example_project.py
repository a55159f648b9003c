"""The example gallery: every page answers, every demo's picture loads."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import subprocess
import sys
import time
import typing as t
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote

import flask
import matplotlib
import numpy as np
import pytest
from dash.exceptions import PreventUpdate
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image

from example_project import __main__ as main_module
from example_project import axes, create_app, create_dash_app, flask_page
from example_project.nav import LINKS
from example_project.pages import (
    PAGES,
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
from example_project.points import Points, index, store

from .conftest import black_share, decode, same_pixels
from .events_page import EventsPage
from .servers import free_port

REPO = Path(__file__).resolve().parent.parent

THUMB = '{"index":["MATCH"],"type":"thumb"}.src'
HEATMAP = "..heatmap-picture.src...heatmap-picture.srcSet.."

# One picture of each demo, its URL built by the page's own script as the
# browser runs it: output, input values, concrete output id (for MATCH),
# picture size.
DEMOS = {
    "fractal": (
        "fractal-picture.src",
        [3, -0.75, 0.1, 120],
        None,
        (fractal.WIDTH, fractal.HEIGHT),
    ),
    "chart": ("chart-picture.src", [3, 400], None, (chart.WIDTH, chart.HEIGHT)),
    "inspect": (
        "inspect-picture.src",
        ["Paris"],
        None,
        (inspect.WIDTH, inspect.HEIGHT),
    ),
    "zoom": (
        "zoom-picture.src",
        [[-1, 2, 0.5, 2.5]],
        None,
        (zoom.WIDTH, zoom.HEIGHT),
    ),
    "formats": (
        "formats-png.src",
        ["Dendrite"],
        None,
        (formats.WIDTH, formats.HEIGHT),
    ),
    "thumbnails": (
        THUMB,
        [({"type": "hue", "index": 2}, 200)],
        {"type": "thumb", "index": 2},
        (thumbnails.SIZE, thumbnails.SIZE),
    ),
    "errors": ("errors-polygon.src", [7], None, (errors.SIZE, errors.SIZE)),
}


@pytest.fixture
def dash_app() -> t.Any:
    return create_dash_app({"TESTING": True})


@pytest.fixture
def page(dash_app, browser):
    return browser(dash_app)


def route(client: t.Any, pathname: str) -> tuple[t.Any, t.Any]:
    """What the router puts in the page and the menu for ``pathname``."""
    response = client.post(
        "/_dash-update-component",
        json={
            "output": "..page.children...menu.children..",
            "outputs": [
                {"id": "page", "property": "children"},
                {"id": "menu", "property": "children"},
            ],
            "inputs": [{"id": "url", "property": "pathname", "value": pathname}],
            "state": [],
            "changedPropIds": ["url.pathname"],
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()["response"]
    return result["page"]["children"], result["menu"]["children"]


def text_of(component: t.Any) -> str:
    """All the text in a serialised component tree."""
    if isinstance(component, dict):
        return text_of(component.get("props", {}).get("children"))
    if isinstance(component, list):
        return " ".join(text_of(child) for child in component)
    return "" if component is None else str(component)


def with_values(url: str, **values: t.Any) -> str:
    """``url`` with some of its query's values replaced, as anyone may edit
    a URL: each value as JSON, percent-encoded."""
    path, _, query = url.partition("?")
    pairs = dict(parse_qsl(query, keep_blank_values=True))
    for name, value in values.items():
        assert name in pairs, f"{url} has no {name}"
        pairs[name] = json.dumps(value, separators=(",", ":"))
    return path + "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in pairs.items())


class ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


@pytest.mark.parametrize("path", ["/", *(link.path for link in LINKS)])
def test_every_page_answers_200(dash_app, path):
    response = dash_app.server.test_client().get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("dash_page", PAGES, ids=lambda p: p.PATH)
def test_the_router_shows_each_page_with_its_one_line_summary(dash_app, dash_page):
    content, menu = route(dash_app.server.test_client(), dash_page.PATH)
    heading, summary, _layout = content
    assert heading["type"] == "H2" and heading["props"]["children"] == dash_page.TITLE
    assert summary["props"]["children"] == dash_page.SUMMARY
    active = [item for item in menu if item["props"].get("className") == "active"]
    assert [item["props"]["children"] for item in active] == [dash_page.TITLE]


def test_the_router_shows_the_index_and_a_not_found_page(dash_app):
    client = dash_app.server.test_client()
    index, _ = route(client, "/")
    assert all(link.title in text_of(index) for link in LINKS)
    missing, _ = route(client, "/no-such-page")
    assert "No such page" in text_of(missing)


@pytest.mark.parametrize(
    ("output", "inputs", "outputs", "size"), DEMOS.values(), ids=list(DEMOS)
)
def test_each_demo_serves_its_picture(page, output, inputs, outputs, size):
    url = page.update(output, inputs, outputs=outputs)
    assert url.startswith("/image_generator/")
    response = page.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert decode(response.data).size == size


def test_every_picture_url_is_built_in_the_browser(dash_app):
    dependencies = dash_app.server.test_client().get("/_dash-dependencies").get_json()
    pictures = [d for d in dependencies if ".src" in d["output"]]
    # line, fractal, chart, inspect, heat map, formats, thumbnails, zoom's
    # two (one pans, one brushes) and errors' two.
    assert len(pictures) == 6 + len(formats.FORMATS) + 2 + 2
    assert all(d["clientside_function"] is not None for d in pictures)


def test_the_line_demo_draws_the_url_its_page_builds(page):
    url = page.update("line-picture.src", [150, 40])
    path, _, query = url.partition("?")
    assert path.startswith("/image_generator/") and path.endswith(".png")
    assert query == "x=150&y=40"
    response = page.get(url)
    assert response.status_code == 200
    assert same_pixels(decode(response.data), line.draw_line(150, 40))


@pytest.mark.parametrize("values", [[None, 40], [150, None], [None, None]])
def test_an_emptied_number_box_leaves_the_line_as_it_is(page, values):
    with pytest.raises(PreventUpdate):
        page.update("line-picture.src", values)


def test_the_heat_map_offers_a_picture_twice_as_large_for_hidpi_screens(page):
    src, srcset = page.update(HEATMAP, [2.5, "viridis"])
    url_2x, descriptor = srcset.split(" ")
    assert descriptor == "2x"
    assert src.endswith("&scale=1") and url_2x == src[: -len("1")] + "2"
    one, two = (decode(page.get(url).data) for url in (src, url_2x))
    assert one.size == (heatmap.WIDTH, heatmap.HEIGHT)
    assert two.size == (2 * heatmap.WIDTH, 2 * heatmap.HEIGHT)
    assert same_pixels(one, Image.fromarray(heatmap.heat_map(2.5, "viridis")))
    # The same ripples, sampled twice as finely: halved, close to the 1x one.
    halved = np.asarray(two.reduce(2), dtype=float)
    assert np.abs(halved - np.asarray(one, dtype=float)).mean() < 4


@pytest.mark.parametrize("name", formats.FIXED)
def test_the_formats_demo_serves_each_format(page, name):
    url = page.update(f"formats-{name}.src", ["Triple spirals"])
    assert url.partition("?")[0].endswith(f".{name}")
    response = page.get(url)
    assert response.status_code == 200
    assert response.mimetype == f"image/{name}"
    assert decode(response.data).size == (formats.WIDTH, formats.HEIGHT)


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("image/avif,image/webp,image/apng,image/*,*/*;q=0.8", "image/webp"),
        pytest.param(
            "image/avif,image/*,*/*;q=0.8",
            "image/avif",
            marks=pytest.mark.skipif(
                "avif" not in formats.FIXED, reason="this Pillow cannot write AVIF"
            ),
        ),
        ("image/*,*/*;q=0.8", "image/png"),
        (None, "image/png"),
    ],
)
def test_the_auto_picture_follows_the_accept_header(page, accept, mimetype):
    url = page.update("formats-auto.src", ["Dendrite"])
    assert url.partition("?")[0].endswith(".auto")
    headers = {} if accept is None else {"Accept": accept}
    response = page.get(url, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert "Accept" in response.vary
    assert decode(response.data).size == (formats.WIDTH, formats.HEIGHT)


def test_a_fractal_view_is_computed_once(page, monkeypatch):
    calls = []
    escape_times = fractal.escape_times

    def counted(*args: t.Any) -> t.Any:
        calls.append(args)
        return escape_times(*args)

    monkeypatch.setattr(fractal, "escape_times", counted)
    url = page.update("fractal-picture.src", [2, -0.75, 0.1, 100])
    first = page.get(url)
    assert first.status_code == 200 and len(calls) == 1
    assert first.cache_control.max_age == fractal.MAX_AGE
    # A browser revalidating: 304 from the URL alone.
    again = page.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    # Another visitor: the server's cache answers.
    other = page.get(url)
    assert other.status_code == 200 and other.data == first.data
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("output", "inputs", "edits", "size"),
    [
        (
            "fractal-picture.src",
            [3, -0.75, 0.1, 120],
            {"zoom": None, "centre_x": "x", "centre_y": [], "iterations": 10**9},
            (fractal.WIDTH, fractal.HEIGHT),
        ),
        (
            "chart-picture.src",
            [3, 400],
            {"walkers": 10**9, "steps": -5},
            (chart.WIDTH, chart.HEIGHT),
        ),
        (
            "formats-jpeg.src",
            ["Dendrite"],
            {"preset": {"no": "such view"}},
            (formats.WIDTH, formats.HEIGHT),
        ),
        ("errors-polygon.src", [7], {"sides": 10**6}, (errors.SIZE, errors.SIZE)),
        (
            "zoom-picture.src",
            [list(zoom.FULL)],
            {"view": [1e300, -1e300, "y", None]},
            (zoom.WIDTH, zoom.HEIGHT),
        ),
        (
            "inspect-picture.src",
            [""],
            {"selected": {"name": ["Paris"]}},
            (inspect.WIDTH, inspect.HEIGHT),
        ),
        ("line-picture.src", [5, 5], {"x": None, "y": "x"}, (line.SIZE, line.SIZE)),
        (
            THUMB,
            [({"type": "hue", "index": 0}, 10)],
            {"hue": -(10**12)},
            (thumbnails.SIZE, thumbnails.SIZE),
        ),
    ],
)
def test_generators_bound_values_a_url_could_carry(page, output, inputs, edits, size):
    # The page never sends these, but anyone can edit a URL: no error, no
    # billion-iteration fractal, just the picture for the nearest sane value.
    outputs = {"type": "thumb", "index": 0} if output == THUMB else None
    url = with_values(page.update(output, inputs, outputs=outputs), **edits)
    response = page.get(url)
    assert response.status_code == 200, url
    assert decode(response.data).size == size


def test_the_heat_map_bounds_its_values_at_both_densities(page):
    src, srcset = page.update(HEATMAP, [1e300, "no-such-map"])
    for url, scale in ((src, 1), (srcset.split(" ")[0], 2)):
        response = page.get(url)
        assert response.status_code == 200
        assert decode(response.data).size == (
            heatmap.WIDTH * scale,
            heatmap.HEIGHT * scale,
        )
    edited = with_values(src, separation=None, colour_map=[1])
    assert page.get(edited).status_code == 200


@pytest.mark.parametrize(
    ("behaviour", "status"),
    [("draw", 200), ("raise", 500), ("abort", 400), ("string", 500)],
)
def test_the_error_demo_fails_as_labelled_while_the_page_keeps_working(
    page, behaviour, status
):
    response = page.get(page.update("errors-picture.src", [behaviour]))
    assert response.status_code == status
    assert b"on purpose (error" not in response.data  # no traceback for the client
    healthy = page.get(page.update("errors-polygon.src", [6]))
    assert healthy.status_code == 200 and healthy.mimetype == "image/png"


def call(
    client: t.Any,
    outputs: t.Sequence[str],
    inputs: t.Mapping[str, t.Any],
    state: t.Mapping[str, t.Any] | None = None,
    changed: str | None = None,
) -> list[t.Any] | None:
    """The outputs of a server callback with two or more, posted as
    dash-renderer posts it: ``"id.property"`` names, values by name,
    ``changed`` the input that fired (``dash.ctx.triggered_id``). ``None``
    where the callback left them as they were."""

    def specs(values: t.Mapping[str, t.Any]) -> list[dict[str, t.Any]]:
        return [
            {"id": name.rpartition(".")[0], "property": name.rpartition(".")[2]}
            | {"value": value}
            for name, value in values.items()
        ]

    response = client.post(
        "/_dash-update-component",
        json={
            "output": ".." + "...".join(outputs) + "..",
            "outputs": [
                {"id": name.rpartition(".")[0], "property": name.rpartition(".")[2]}
                for name in outputs
            ],
            "inputs": specs(inputs),
            "state": specs(state or {}),
            "changedPropIds": [changed] if changed else [],
        },
    )
    if response.status_code == 204:
        return None
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()["response"]
    return [
        result[name.rpartition(".")[0]][name.rpartition(".")[2]] for name in outputs
    ]


#: The Zoom page's points in these tests: made in memory in a moment (its
#: hundred million, and their cache file, are the gallery's).
ZOOM_POINTS = 200_000


@pytest.fixture(autouse=True)
def few_zoom_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(zoom.COUNT_VARIABLE, str(ZOOM_POINTS))
    monkeypatch.setenv(zoom.CACHE_VARIABLE, "")


def zoom_points(x: t.Any, y: t.Any) -> Points:
    """Points placed by hand, indexed as the page indexes its own."""
    x, y = (np.asarray(v, np.float32) for v in (x, y))
    return index.build(x, y, zoom.FULL)


def test_the_zoom_picture_counts_points_as_histogram2d_does():
    view = (-1.0, 2.0, 0.5, 2.5)
    width, height = zoom.DENSITY_WIDTH, zoom.DENSITY_HEIGHT
    # Points in known pixels, at most 0.4 of a pixel from their centres (no
    # rounding can move one across an edge), and four outside the view.
    rng = np.random.default_rng(0)
    column = rng.integers(0, width, 5000)
    row = rng.integers(0, height, 5000)
    x0, x1, y0, y1 = view
    x = x0 + (column + 0.5 + rng.uniform(-0.4, 0.4, 5000)) * (x1 - x0) / width
    y = y1 - (row + 0.5 + rng.uniform(-0.4, 0.4, 5000)) * (y1 - y0) / height
    points = zoom_points([*x, -1.5, 2.5, 0.0, 0.0], [*y, 1.0, 1.0, 0.4, 2.6])
    counts = zoom.histogram(points, view)
    expected = np.zeros((height, width), int)
    np.add.at(expected, (row, column), 1)
    assert counts.shape == (height, width) and (counts == expected).all()
    # numpy's own, transposed and flipped to put row 0 at the top.
    bins, _, _ = np.histogram2d(
        points.x, points.y, bins=(width, height), range=(view[:2], view[2:])
    )
    assert (counts == np.flipud(bins.T)).all()


def test_the_zoom_picture_is_upright_with_axes_around_it():
    view = (-1.0, 2.0, 0.5, 2.5)
    left, top, right, bottom = axes.MARGINS
    # Two points in the top left pixel, one in the bottom right one.
    points = zoom_points([-0.999, -0.999, 1.999], [2.499, 2.499, 0.501])
    picture = zoom.picture(zoom.histogram(points, view), view)
    assert picture.picture.size == (zoom.WIDTH, zoom.HEIGHT)
    rgb = np.asarray(picture.picture.convert("RGB"))
    density = rgb[top : top + zoom.DENSITY_HEIGHT, left : left + zoom.DENSITY_WIDTH]
    colours = matplotlib.colormaps[zoom.COLOUR_MAP].resampled(axes.COLOURS)
    brightest, none = (colours(v, bytes=True)[:3] for v in (1.0, 0.0))
    assert tuple(density[0, 0]) == brightest
    assert tuple(density[-1, -1]) not in (brightest, none)  # log(2) / log(3) of it
    assert (density == none).all(axis=2).sum() == density.size // 3 - 2
    # The margins are white with dark ticks and values: no colour of the map.
    margin = np.concatenate([rgb[:top].reshape(-1, 3), rgb[:, :left].reshape(-1, 3)])
    assert (margin == margin[:, :1]).all()  # grey
    assert (margin == 255).all(axis=1).mean() > 0.8 and margin.min() < 0x40
    # Its extent carries the view's scale out to the picture's edges: a
    # pointer on the density's edges reads the view's edges.
    dx, dy = (view[1] - view[0]) / zoom.DENSITY_WIDTH, (view[3] - view[2]) / 400
    assert picture.x == pytest.approx((view[0] - left * dx, view[1] + right * dx))
    assert picture.y == pytest.approx((view[2] - bottom * dy, view[3] + top * dy))


@pytest.mark.parametrize(
    ("value", "step", "text"),
    [
        (2.0, 2.0, "2"),
        (-4.0, 2.0, "\N{MINUS SIGN}4"),
        (0.25, 0.25, "0.25"),
        (-0.0, 0.5, "0.0"),
        (1.0002, 0.0002, "1.0002"),
        (-3.99975, 0.00025, "\N{MINUS SIGN}3.99975"),
    ],
)
def test_a_tick_value_has_the_decimals_of_its_step(value, step, text):
    assert axes.label(value, step) == text


def test_values_on_the_edges_of_a_view_have_their_ticks():
    # 0.6 and 2.4 are where matplotlib's arithmetic gives 0.6000000000000001.
    assert axes.ticks(-0.2, 0.6, 400) == pytest.approx([-0.2, 0.0, 0.2, 0.4, 0.6])
    assert axes.ticks(1.2, 2.4, 600)[-1] == 2.4


@pytest.mark.parametrize("zoom_factor", [1, 3, 10, 100, 1000, zoom.MAX_ZOOM])
@pytest.mark.parametrize("centre", [(0.0, 0.0), (5.9999, -3.9999), (-1.234567, 2.5)])
def test_the_axes_read_values_at_every_zoom(zoom_factor, centre):
    x0, x1, y0, y1 = zoom.bounded_view(
        [
            centre[0] - 6 / zoom_factor,
            centre[0] + 6 / zoom_factor,
            centre[1] - 4 / zoom_factor,
            centre[1] + 4 / zoom_factor,
        ]
    )
    for low, high, pixels in ((x0, x1, zoom.DENSITY_WIDTH), (y0, y1, 400)):
        values = axes.ticks(low, high, pixels)
        assert len(values) >= 3
        step = values[1] - values[0]
        labels = [axes.label(v, step) for v in values]
        # Each label says its value, to a hundredth of a step; no two alike.
        assert len(set(labels)) == len(labels)
        for value, text in zip(values, labels, strict=True):
            shown = float(text.replace("\N{MINUS SIGN}", "-"))
            assert shown == pytest.approx(value, abs=step / 100)


def test_the_zoom_page_draws_the_points_the_environment_asks_for(monkeypatch):
    settings = zoom.settings()
    assert (settings.count, settings.directory) == (ZOOM_POINTS, None)
    points = store.points(settings)
    assert store.points(settings) is points  # made once
    assert len(points) == ZOOM_POINTS and points.x.dtype == points.y.dtype == np.float32
    # Nearly all of them fall in the whole view.
    counts = zoom.histogram(points, zoom.FULL)
    assert 0.999 * ZOOM_POINTS < counts.sum() <= ZOOM_POINTS
    # And by default: a hundred million, kept in the user's cache directory.
    monkeypatch.delenv(zoom.COUNT_VARIABLE)
    monkeypatch.delenv(zoom.CACHE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    default = zoom.settings()
    assert default.count == 100_000_000
    if sys.platform.startswith("linux"):
        assert default.directory == "/somewhere/cache/flask-dash-images"


@pytest.mark.parametrize("count", ["0", "-5", "1e6", "ten", "", str(2**31)])
def test_a_wrong_number_of_points_stops_the_gallery_at_its_start(monkeypatch, count):
    monkeypatch.setenv(zoom.COUNT_VARIABLE, count)
    with pytest.raises(ValueError, match=f"{zoom.COUNT_VARIABLE} must be"):
        create_app()


NARROW_X = (zoom.FULL[1] - zoom.FULL[0]) / zoom.MAX_ZOOM
NARROW_Y = (zoom.FULL[3] - zoom.FULL[2]) / zoom.MAX_ZOOM


@pytest.mark.parametrize(
    ("view", "bounded"),
    [
        # Inside, at the aspect ratio: exactly as it is.
        ([-1, 2, 0.5, 2.5], (-1.0, 2.0, 0.5, 2.5)),
        ([1.2345, 1.2465, -0.5, -0.492], (1.2345, 1.2465, -0.5, -0.492)),
        # Reversed: the same view.
        ([2, -1, 2.5, 0.5], (-1.0, 2.0, 0.5, 2.5)),
        # Another aspect ratio: the narrower side widened around the centre.
        ([0, 3, 0, 1], (0.0, 3.0, -0.5, 1.5)),
        ([0, 1, 0, 2], (-1.0, 2.0, 0.0, 2.0)),
        # Past an edge, its centre inside: as it is (a map pans past its
        # edge). Its centre outside: moved to the edge (and rounded to a
        # hundredth of a pixel).
        ([5, 7, 0, 4 / 3], (5.0, 7.0, 0.0, 4 / 3)),
        ([6.5, 7.5, 4, 4 + 2 / 3], (5.5, 6.5, 3.66667, 4.33333)),
        # At most four times wider than everything, around its centre.
        ([-100, 100, -1e300, 1e300], (-24.0, 24.0, -16.0, 16.0)),
        # Too narrow: widened around its middle.
        (
            [1, 1, 2, 2],
            (1 - NARROW_X / 2, 1 + NARROW_X / 2, 2 - NARROW_Y / 2, 2 + NARROW_Y / 2),
        ),
        (
            [50, 50, -50, -50],
            (6 - NARROW_X / 2, 6 + NARROW_X / 2, -4 - NARROW_Y / 2, -4 + NARROW_Y / 2),
        ),
        # Not four numbers: the whole view.
        (None, zoom.FULL),
        ("view", zoom.FULL),
        ([1, 2, 3], zoom.FULL),
        ([True, 2, 3, 4], zoom.FULL),
        ([1, 2, 3, "4"], zoom.FULL),
    ],
)
def test_a_zoom_view_from_a_url_is_bounded(view, bounded):
    assert zoom.bounded_view(view) == pytest.approx(bounded, abs=1e-12)


finite = st.floats(-1e3, 1e3, allow_nan=False)


@given(st.lists(finite, min_size=4, max_size=4))
@example([0.0, 44.5, 0.0, 8.0])  # its centre a rounding above the top
def test_a_bounded_view_is_a_view_the_page_draws_as_it_is(view):
    bounded = zoom.bounded_view(view)
    assert zoom.bounded_view(bounded) == bounded
    assert zoom.bounded_view(list(bounded)) == bounded  # as a dcc.Store gives it
    x0, x1, y0, y1 = bounded
    # Its centre inside (up to its rounding: a hundredth of a pixel), from
    # the narrowest to four times the whole wide.
    rounding = (x1 - x0) / zoom.DENSITY_WIDTH / 100
    assert -6 - rounding <= (x0 + x1) / 2 <= 6 + rounding
    assert -4 - rounding <= (y0 + y1) / 2 <= 4 + rounding
    assert NARROW_X * (1 - 1e-4) <= x1 - x0 <= 4 * 12 * (1 + 1e-4)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(zoom.ASPECT, rel=1e-4)
    # Its link, read back by the page, is the same view.
    numbers = zoom.link(bounded).removeprefix("?view=")
    parsed = [float(n) for n in numbers.split(",")] if numbers else zoom.FULL
    assert zoom.bounded_view(parsed) == bounded


def zoom_move(client: t.Any, changed: str, value: t.Any, view: t.Any) -> str | None:
    """The page URL's query after ``changed`` became ``value`` on ``view``:
    ``None`` if it stays as it is."""
    inputs = dict.fromkeys(zoom.EVENTS) | {changed: value}
    response = client.post(
        "/_dash-update-component",
        json={
            "output": "zoom-location.search",
            "outputs": {"id": "zoom-location", "property": "search"},
            "inputs": [
                {"id": k.rpartition(".")[0], "property": k.rpartition(".")[2]}
                | {"value": v}
                for k, v in inputs.items()
            ],
            "state": [{"id": "zoom-view", "property": "data", "value": view}],
            "changedPropIds": [changed],
        },
    )
    if response.status_code == 204:
        return None
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]["zoom-location"]["search"]


def test_a_brush_zooms_at_the_aspect_ratio_and_a_double_click_shows_everything(
    dash_app,
):
    client = dash_app.server.test_client()
    full = list(zoom.FULL)
    # A region twice as wide as the picture's shape: as tall as the aspect
    # ratio asks, around its centre; rounded to a hundredth of its pixels.
    brush = {"x": [-1.25, 2.0625], "y": [0.5, 1.5], "axes": None, "n": 1}
    moved = zoom_move(client, "zoom-box.data-brush", brush, full)
    assert moved == "?view=-1.25,2.0625,-0.10417,2.10417"
    # A double-click on the picture that pans (on the one that brushes it
    # clears the brush), or the button: the whole view, the page's own URL.
    region = [-1.25, 2.0625, -0.10417, 2.10417]
    dblclick = {"x": 0, "y": 0, "axes": None, "n": 2}
    assert zoom_move(client, "zoom-picture.data-dblclick", dblclick, region) == ""
    assert zoom_move(client, "zoom-box.data-brush", None, region) == ""
    assert zoom_move(client, "zoom-whole.n_clicks", 1, region) == ""
    # Nothing to do: the same URL (the browser adds no history entry for it),
    # which ends the page's preview of the event at once.
    assert zoom_move(client, "zoom-whole.n_clicks", 1, full) == ""
    assert zoom_move(client, "zoom-picture.data-dblclick", dblclick, None) == ""
    # Events from a hand-made request: nothing to do.
    assert zoom_move(client, "zoom-box.data-brush", {"x": 5, "y": "ab"}, full) is None
    assert zoom_move(client, "zoom-picture.data-pan", [1, 2], full) is None


def where(view: t.Sequence[float], x: float, y: float) -> tuple[float, float]:
    """Where (x, y) is on the density of ``view``, in its pixels."""
    x0, x1, y0, y1 = view
    return (
        (x - x0) / (x1 - x0) * zoom.DENSITY_WIDTH,
        (y1 - y) / (y1 - y0) * zoom.DENSITY_HEIGHT,
    )


def read_link(search: str | None) -> list[float]:
    numbers = (search or "").removeprefix("?view=")
    return [float(n) for n in numbers.split(",")] if numbers else list(zoom.FULL)


@pytest.mark.parametrize("picture", ["zoom-picture", "zoom-box"])
def test_the_wheel_zooms_around_the_pointer_down_to_the_deepest_view(dash_app, picture):
    client = dash_app.server.test_client()
    view, point = list(zoom.FULL), (1.234, -0.5)
    for _ in range(60):
        wheel = {"x": point[0], "y": point[1], "factor": 1.44, "axes": None, "n": 1}
        after = read_link(zoom_move(client, f"{picture}.data-wheel", wheel, view))
        if after == view:
            break
        # The point under the pointer stays under it, to a tenth of a pixel;
        # the aspect is kept; the view is as the page draws it.
        assert where(after, *point) == pytest.approx(where(view, *point), abs=0.1)
        assert zoom.bounded_view(after) == tuple(after)
        view = after
    # The wheel stops at the deepest view, the point still in its place.
    assert view[1] - view[0] == pytest.approx(NARROW_X)
    assert where(view, *point) == pytest.approx(where(zoom.FULL, *point), abs=0.1)
    # And out again: four times the whole view at most, the point still
    # in its place.
    out = {"x": point[0], "y": point[1], "factor": 1e-6, "axes": None, "n": 2}
    widest = read_link(zoom_move(client, f"{picture}.data-wheel", out, view))
    assert widest[1] - widest[0] == pytest.approx(4 * 12)
    assert where(widest, *point) == pytest.approx(where(view, *point), abs=0.1)


def test_a_pan_moves_the_view_with_the_drag_until_its_centre_is_at_an_edge(
    dash_app,
):
    client = dash_app.server.test_client()
    view = [-1.0, 2.0, 0.5, 2.5]
    # Dragged 0.5 to the right and 0.25 down: the data follows the pointer.
    pan = {"dx": 0.5, "dy": -0.25, "axes": None, "n": 1}
    moved = zoom_move(client, "zoom-picture.data-pan", pan, view)
    assert read_link(moved) == [-1.5, 1.5, 0.75, 2.75]
    # Past the whole view's edges: as a map pans, the preview the page
    # showed is the view that comes...
    pan = {"dx": 2.0, "dy": -1.0, "axes": None, "n": 2}
    moved = zoom_move(client, "zoom-picture.data-pan", pan, view)
    assert read_link(moved) == [-3.0, 0.0, 1.5, 3.5]
    # ...until its centre is at the edge: the top left corner.
    pan = {"dx": 100.0, "dy": -100.0, "axes": None, "n": 3}
    moved = zoom_move(client, "zoom-picture.data-pan", pan, view)
    assert read_link(moved) == [-7.5, -4.5, 3.0, 5.0]
    # Already there: the same view.
    assert zoom_move(client, "zoom-picture.data-pan", pan, read_link(moved)) == moved


@pytest.mark.parametrize(
    ("search", "view"),
    [
        ("?view=-1.25,2.0625,-0.10417,2.10417", [-1.25, 2.0625, -0.10417, 2.10417]),
        ("?drag=pan&view=1,1.3,2,2.2", [1, 1.3, 2, 2.2]),
        ("", list(zoom.FULL)),
        (None, list(zoom.FULL)),
        ("?view=1,2,3", list(zoom.FULL)),
        ("?view=1,2,3,x", list(zoom.FULL)),
        ("?view=1,2,3,Infinity", list(zoom.FULL)),
        ("?view=1%2C1.3%2C2%2C2.2", [1, 1.3, 2, 2.2]),
        ("?review=1,1.3,2,2.2", list(zoom.FULL)),
    ],
)
def test_the_page_url_holds_the_view(page, search, view):
    assert page.update("zoom-view.data", [search]) == view


def test_the_drag_chosen_picks_the_picture_that_loads(page):
    view = [-1, 2, 0.5, 2.5]
    outputs = (
        "..zoom-view-pan.data...zoom-view-brush.data"
        "...zoom-picture.style...zoom-box.style.."
    )
    pan, brush, pan_style, brush_style = page.update(outputs, [view, "pan"])
    assert (pan, brush) == (view, None)
    assert (pan_style["display"], brush_style["display"]) == ("block", "none")
    pan, brush, pan_style, brush_style = page.update(outputs, [view, "brush"])
    assert (pan, brush) == (None, view)
    assert (pan_style["display"], brush_style["display"]) == ("none", "block")
    # The picture not shown loads nothing.
    with pytest.raises(PreventUpdate):
        page.update("zoom-box.src", [None])


@pytest.mark.parametrize("output", ["zoom-picture.src", "zoom-box.src"])
def test_a_zoom_view_is_one_cached_url(page, output, monkeypatch):
    drawn = []
    picture = zoom.picture

    def counted(counts: t.Any, view: t.Any) -> t.Any:
        drawn.append(view)
        return picture(counts, view)

    monkeypatch.setattr(zoom, "picture", counted)
    deep = zoom.bounded_view([1.7, 1.7 + NARROW_X, 0.2, 0.2 + NARROW_Y])
    for view in (zoom.FULL, deep):
        url = page.update(output, [list(view)])
        first = page.get(url)
        assert first.status_code == 200 and first.mimetype == "image/png"
        assert first.cache_control.max_age == zoom.MAX_AGE
        # The picture drawn is the page's own, for its points.
        counts = zoom.histogram(store.points(zoom.settings()), view)
        assert same_pixels(decode(first.data), picture(counts, view).picture)
        # The URL alone says what it shows: the browser revalidates from
        # it, and the server's cache answers another visitor.
        again = page.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert page.get(url).data == first.data
    assert drawn == [zoom.FULL, deep]


ZOOM_TEXT = ("zoom-range.children", "zoom-points.children", "zoom-factor.children")
TIMES = "\N{MULTIPLICATION SIGN}"


def test_the_zoom_page_says_what_it_shows(dash_app):
    client = dash_app.server.test_client()
    view = [1.0, 1.0012, 2.0, 2.0008]
    shown = call(client, ZOOM_TEXT, {"zoom-view.data": view})
    inside = zoom.histogram(store.points(zoom.settings()), tuple(view)).sum()
    assert shown == [
        "x 1.000000 to 1.001200, y 2.000000 to 2.000800",
        f"{inside:,} of {ZOOM_POINTS:,}",
        f"{TIMES}10,000",
    ]
    assert zoom.describe(zoom.FULL) == (
        "x -6.00 to 6.00, y -4.00 to 4.00",
        f"{int(zoom.histogram(store.points(zoom.settings()), zoom.FULL).sum()):,}"
        f" of {ZOOM_POINTS:,}",
        f"{TIMES}1",
    )


INSPECT_PICK = ("inspect-selected.data", "inspect-city.children")


def test_a_click_picks_the_nearest_city_within_reach(dash_app):
    client = dash_app.server.test_client()
    sydney = inspect.BY_NAME["Sydney"]
    # Half the reach off, along the longitude.
    near = sydney.longitude + inspect.REACH / 2 * 360
    click = {"x": near, "y": sydney.latitude, "axes": 0, "row": 0, "col": 0, "n": 1}
    selected, details = call(
        client,
        INSPECT_PICK,
        {"inspect-picture.data-click": click},
        changed="inspect-picture.data-click",
    )
    assert selected == "Sydney"
    assert text_of(details) == "Sydney , Australia  33.87° S, 151.21° E"
    # Far from every city: none.
    assert inspect.pick({"x": -150, "y": -45, "axes": 0}) == (
        "",
        "No city near 45.0° S, 150.0° W: click on a dot.",
    )
    # A click on any city picks that one.
    for city in inspect.CITIES:
        assert inspect.pick({"x": city.longitude, "y": city.latitude})[0] == city.name


@pytest.mark.parametrize("click", [None, {}, {"x": "a", "y": 1}, {"x": 1}, [1, 2]])
def test_a_click_that_is_no_point_changes_nothing(dash_app, click):
    client = dash_app.server.test_client()
    inputs = {"inspect-picture.data-click": click}
    assert call(client, INSPECT_PICK, inputs, changed=next(iter(inputs))) is None


@pytest.mark.parametrize(
    ("x", "y"), [(2.35, 48.86), (-157.86, 21.31), (151.21, -33.87), (-0.04, -0.06)]
)
def test_hovering_shows_the_place_in_the_browser_as_python_writes_it(page, x, y):
    hover = {"x": x, "y": y, "axes": 0, "row": 0, "col": 0, "n": 7}
    assert page.update("inspect-pointer.children", [hover]) == inspect.place(y, x)


def test_no_hover_leaves_the_pointer_text(page):
    with pytest.raises(PreventUpdate):
        page.update("inspect-pointer.children", [None])


def test_every_inspect_picture_has_its_axes_in_the_same_place(page):
    # The browser maps clicks with each picture's own axes; fixed margins
    # keep them put, whichever city is labelled.
    maps = set()
    for name in ("", "Paris", "Auckland", "Reykjavík", "Honolulu"):
        response = page.get(page.update("inspect-picture.src", [name]))
        assert response.status_code == 200
        maps.add(response.headers["X-Dash-Images-Map"])
    (only,) = maps
    # Its axes' corners are the extent of the map, as the page reads them
    # at the pixels matplotlib draws them at.
    figure = inspect.scatter(None)
    figure.canvas.draw()
    (axes,) = figure.axes
    (west, east), (south, north) = inspect.LONGITUDES, inspect.LATITUDES
    maths = EventsPage()
    for lon, lat in [(west + 1e-6, south + 1e-6), (east - 1e-6, north - 1e-6)]:
        x, y = axes.transData.transform((lon, lat))
        found = maths.locate(json.loads(only), x, inspect.HEIGHT - y)
        assert (found["x"], found["y"]) == (pytest.approx(lon), pytest.approx(lat))


def test_the_chart_downloads_as_vectors_and_at_300_dpi(page):
    exports = page.update("chart-picture.data-export", [3, 400])
    assert sorted(exports) == ["pdf", "png", "svg"]
    pdf = page.get(exports["pdf"])
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF-")
    assert "filename=random-walks-3x400.pdf" in pdf.headers["Content-Disposition"]
    png = decode(page.get(exports["png"]).data)
    assert png.size == (3 * chart.WIDTH, 3 * chart.HEIGHT)
    assert png.info["dpi"] == pytest.approx((300, 300), abs=0.01)


def test_the_flask_page_images_load(dash_app):
    client = dash_app.server.test_client()
    response = client.get("/flask/?text=Grüße")
    assert response.status_code == 200
    parser = ImageSources()
    parser.feed(response.get_data(as_text=True))
    assert len(parser.images) >= 3
    for image in parser.images:
        src = image["src"]
        assert src and src.startswith("/image_generator/")
        picture = client.get(src)
        assert picture.status_code == 200, src
        assert picture.mimetype == "image/png"
        decode(picture.data)


# U+10FFFD (private use) is in no ordinary font: a font draws its
# missing-glyph box for it, which a badge must draw for no letter of its text.
NO_GLYPH = "\U0010fffd"


@pytest.mark.parametrize("text", ["Grüße ÆØÅ €", "Ærøskøbing", "Çà et là, ½ €"])
def test_a_badge_draws_every_letter_of_its_text(dash_app, text):
    box = flask_page.badge(NO_GLYPH)
    missing = [
        ch for ch in text if not ch.isspace() and same_pixels(flask_page.badge(ch), box)
    ]
    assert missing == []
    # And the page serves that badge for that text.
    client = dash_app.server.test_client()
    parser = ImageSources()
    page = client.get("/flask/", query_string={"text": text})
    parser.feed(page.get_data(as_text=True))
    (src,) = [i["src"] for i in parser.images if i["alt"] == f"a badge reading {text}"]
    assert src is not None
    assert same_pixels(decode(client.get(src).data), flask_page.badge(text))


@pytest.mark.parametrize("zoom", [2, 4, 6, 8, 10, 12, fractal.MAX_ZOOM])
def test_zooming_from_the_whole_set_finds_more_than_black(page, zoom):
    _, x, y, iterations = fractal.PRESETS["Whole set"]
    url = page.update("fractal-picture.src", [zoom, x, y, iterations])
    response = page.get(url)
    assert response.status_code == 200
    # The zoom keeps the centre: inside the set it would be all black.
    assert black_share(decode(response.data)) < 0.9


def test_the_whole_set_shows_the_whole_set():
    zoom, x, y, iterations = fractal.PRESETS["Whole set"]
    picture = fractal.mandelbrot(zoom, x, y, iterations)
    inside = picture.max(axis=2) == 0
    # The black of the set touches no edge of the picture.
    assert inside.any()
    assert not (inside[0].any() or inside[-1].any())
    assert not (inside[:, 0].any() or inside[:, -1].any())


ZOOMS = [z / 4 for z in range(4 * fractal.MAX_ZOOM + 1)]


@pytest.mark.parametrize("zoom", ZOOMS)
def test_a_key_press_on_a_centre_slider_moves_the_view_8_to_20_pixels(page, zoom):
    pixel = fractal.VIEW_WIDTH / (fractal.WIDTH * 2**zoom)
    step = fractal.centre_step(zoom)
    assert 8 <= step / pixel <= 20
    # The page's script, as the browser runs it, sets both sliders' step.
    steps = page.update("..fractal-x.step...fractal-y.step..", [zoom])
    assert steps == [step, step]


def test_the_centre_sliders_start_with_the_step_for_their_zoom(dash_app):
    content, _ = route(dash_app.server.test_client(), fractal.PATH)
    zoom = fractal.PRESETS["Whole set"][0]
    for slider in ("fractal-x", "fractal-y"):
        (props,) = find_props(content, slider)
        assert props["step"] == fractal.centre_step(zoom) == 0.1


def find_props(component: t.Any, component_id: str) -> list[dict[str, t.Any]]:
    """The props of the components with this id in a serialised tree."""
    if isinstance(component, list):
        return [p for child in component for p in find_props(child, component_id)]
    if not isinstance(component, dict):
        return []
    props = component.get("props", {})
    found = [props] if props.get("id") == component_id else []
    return found + find_props(props.get("children"), component_id)


def test_create_app_can_be_called_again_in_one_process(browser):
    first, second = create_dash_app(), create_dash_app()
    urls = [
        browser(app).update("chart-picture.src", [3, 200]) for app in (first, second)
    ]
    # The id comes from the code, so the apps agree on URLs...
    assert urls[0] == urls[1]
    # ...and each serves it on its own.
    for app in (first, second):
        assert app.server.test_client().get(urls[0]).status_code == 200
    assert isinstance(create_app(), flask.Flask)


def test_main_runs_the_threaded_dev_server(monkeypatch):
    calls = []
    monkeypatch.setattr(flask.Flask, "run", lambda self, **kw: calls.append(kw))
    main_module.main(["--host", "0.0.0.0", "--port", "9999"])
    assert calls == [
        {"host": "0.0.0.0", "port": 9999, "debug": False, "threaded": True}
    ]


def test_config_is_applied_before_the_extension_is_set_up(browser):
    dash_app = create_dash_app(
        {"SECRET_KEY": "example-secret", "DASH_IMAGES_VERSION": "7"}
    )
    client = dash_app.server.test_client()
    # The plain Flask page's URLs are chosen by the server: signed.
    parser = ImageSources()
    parser.feed(client.get("/flask/").get_data(as_text=True))
    badge = parser.images[0]["src"]
    assert badge is not None and "&_sig=" in badge
    assert client.get(badge).status_code == 200
    assert client.get(badge.replace("Hello", "Hullo")).status_code == 403
    # The Dash pages' URLs are built in the browser, unsigned, with the version.
    url = browser(dash_app).update("line-picture.src", [5, 5])
    assert url.endswith("?x=5&y=5&_v=7")
    assert client.get(url).status_code == 200


def test_an_app_that_signs_dash_urls_builds_them_on_the_server(browser):
    dash_app = create_dash_app(
        {"SECRET_KEY": "example-secret", "DASH_IMAGES_SIGN": True}
    )
    page = browser(dash_app)
    assert page.callback_for("line-picture.src")["clientside_function"] is None
    url = page.update("line-picture.src", [5, 5])
    assert "&_sig=" in url
    assert page.get(url).status_code == 200
    assert page.get(url.partition("&_sig=")[0]).status_code == 403
    # Pattern-matching ids too.
    thumb = {"type": "thumb", "index": 3}
    tile = page.update(THUMB, [({"type": "hue", "index": 3}, 90)], outputs=thumb)
    assert same_pixels(decode(page.get(tile).data), thumbnails.hue_tile(90))


def readme_gunicorn_command() -> list[str]:
    """The README's command that serves the gallery under gunicorn."""
    readme = (REPO / "README.rst").read_text(encoding="utf-8")
    (block,) = re.findall(r"^ +(gunicorn --chdir (?:.*\\\n)*.*)$", readme, re.M)
    return shlex.split(block.replace("\\\n", " "))


def get(url: str) -> tuple[int, str]:
    """The status and type of ``url``'s answer; 0 for no answer."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:  # not listening yet
        return 0, ""


@pytest.mark.servers
def test_the_readmes_gunicorn_command_serves_the_gallery_from_any_directory(
    tmp_path,
):
    command = readme_gunicorn_command()
    assert command[:3] == ["gunicorn", "--chdir", "/path/to/flask-dash-images"]
    port = free_port()
    # This repository for the README's placeholder, loopback for 0.0.0.0,
    # and gunicorn as this Python runs it; from a directory of its own.
    command = [sys.executable, "-m", *command]
    command[command.index("/path/to/flask-dash-images")] = str(REPO)
    command[command.index("0.0.0.0:8050")] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    server = subprocess.Popen(
        [*command, "--no-control-socket"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while get(base + fractal.PATH)[0] != 200:
            assert server.poll() is None, server.communicate()[0]
            assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
            time.sleep(0.2)
        client = create_app().test_client()
        parser = ImageSources()
        parser.feed(client.get("/flask/").get_data(as_text=True))
        assert get(base + str(parser.images[0]["src"])) == (200, "image/png")
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_the_example_extra_brings_gunicorn():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    extra = config["options.extras_require"]["example"].split()
    assert any(line.startswith("gunicorn>=") for line in extra)
