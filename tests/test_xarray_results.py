"""xarray DataArrays and Datashader images as results: drawn as Datashader's
own ``to_pil()`` draws them where their coordinates agree with it, oriented
by their coordinates (the largest y at the top, x ascending left to right),
and placed by them: events arrive in the coordinates' units."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import datashader as ds
import datashader.transfer_functions as tf
import numpy as np
import pandas as pd
import pypdf
import pytest
import xarray as xr
from dash import Input, Output, dcc, html
from PIL import Image

from flask_dash_images import Extent, RegistrationError, RenderError
from flask_dash_images.core import coordinates, export, render

from .events_page import EventsPage

PNG = render.FORMATS["png"]
HEADER = "X-Dash-Images-Map"


def points(n=2000, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"x": rng.normal(1, 1.5, n), "y": rng.normal(20, 5, n), "c": rng.random(n)}
    )


def aggregate(width=30, height=20, x_range=(-2.0, 4.0), y_range=(10.0, 30.0)):
    """A Datashader count aggregate: ascending coordinates, attrs set."""
    canvas = ds.Canvas(
        plot_width=width, plot_height=height, x_range=x_range, y_range=y_range
    )
    return canvas.points(points(), "x", "y")


def pixels(image):
    return np.asarray(image.convert("RGBA"))


def drawn(result):
    """The picture the server sends for ``result``, decoded."""
    data = render.encode(result, PNG, {})
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.copy()


def placed(result):
    """The coordinate map's extent of ``result``: (left, right, bottom, top)."""
    found = json.loads(coordinates.encode_with_map(result, PNG, {})[1])
    extent = found["extent"]
    return (*extent["x"], *extent["y"])


def labelled(values, y, x, **attrs):
    """A DataArray of ``values`` (rows along y, then x, then bands)."""
    dims = ("y", "x", "band")[: np.ndim(values)]
    return xr.DataArray(
        np.asarray(values), dims=dims, coords={"y": y, "x": x}, attrs=attrs
    )


def what_the_coordinates_say(array):
    """The picture the coordinates describe: the largest y in the top row,
    the smallest x in the left column, each pixel the value at its own
    coordinates (so independent of the order the array holds them in)."""
    ys = np.sort(array["y"].values)[::-1]
    xs = np.sort(array["x"].values)
    return np.stack([np.stack([array.sel(y=y, x=x).values for x in xs]) for y in ys])


# -- Datashader's images -------------------------------------------------------


SHADED = {
    "shade": lambda: tf.shade(aggregate()),
    "shade-min_alpha": lambda: tf.shade(aggregate(), min_alpha=80),
    "spread": lambda: tf.spread(tf.shade(aggregate()), px=1),
    "stack": lambda: tf.stack(
        tf.shade(aggregate(), cmap=["white", "red"]),
        tf.spread(tf.shade(aggregate(), cmap=["white", "blue"]), px=2),
    ),
    "set_background": lambda: tf.set_background(tf.shade(aggregate()), "black"),
    "categorical": lambda: tf.shade(
        ds.Canvas(
            plot_width=30, plot_height=20, x_range=(-2, 4), y_range=(10, 30)
        ).points(
            points().assign(k=lambda d: pd.Categorical(d.c > 0.5)),
            "x",
            "y",
            ds.count_cat("k"),
        )
    ),
}


@pytest.mark.parametrize("make", SHADED.values(), ids=SHADED.keys())
def test_a_datashader_image_is_drawn_as_its_to_pil_draws_it(make):
    image = make()
    assert np.array_equal(pixels(drawn(image)), pixels(image.to_pil()))


@pytest.mark.parametrize("make", SHADED.values(), ids=SHADED.keys())
def test_a_datashader_image_is_placed_on_its_canvas(make):
    # tf.shade keeps the coordinates and drops the attrs: the edges come
    # from the pixel centres, and are the canvas' ranges.
    assert placed(make()) == pytest.approx((-2, 4, 10, 30), rel=1e-12)


def test_a_map_request_places_it_without_encoding_it():
    image = tf.shade(aggregate())
    text = coordinates.map_alone(image, PNG)
    assert text == coordinates.encode_with_map(image, PNG, {})[1]
    assert json.loads(text) == {
        "w": 30,
        "h": 20,
        "extent": {"x": [-2, 4], "y": [10, 30]},
    }


def test_an_aggregates_attrs_give_its_extent():
    agg = aggregate(x_range=(0, 1), y_range=(-5, 5))
    assert agg.attrs == {"x_range": (0, 1), "y_range": (-5, 5)}
    grey = (agg > 0).astype(np.uint8) * 255
    assert placed(grey) == (0, 1, -5, 5)
    assert np.array_equal(
        pixels(drawn(grey)), pixels(Image.fromarray(np.flipud(grey.values)))
    )


# -- orientation: what the coordinates say ---------------------------------------


GREY = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
UP, DOWN = [10.0, 20.0, 30.0], [30.0, 20.0, 10.0]
RIGHT, LEFT = [0.5, 1.5, 2.5, 3.5], [3.5, 2.5, 1.5, 0.5]


@pytest.mark.parametrize(
    ("y", "x", "to_pil_origin"),
    [
        (UP, RIGHT, "lower"),  # as Datashader makes them
        (DOWN, RIGHT, "upper"),  # a raster's rows from the top, as given
        (UP, LEFT, None),
        (DOWN, LEFT, None),
    ],
    ids=["y-up", "y-down", "y-up-x-left", "y-down-x-left"],
)
def test_the_coordinates_orient_the_picture(y, x, to_pil_origin):
    array = labelled(GREY, y, x)
    shown = np.asarray(drawn(array))
    assert np.array_equal(shown, what_the_coordinates_say(array))
    if to_pil_origin is not None:
        # The same picture packed as tf.shade packs it (to_pil's own way).
        opaque = np.stack([GREY, GREY, GREY, np.full_like(GREY, 255)], axis=-1)
        packed = tf.Image(opaque.view(np.uint32)[..., 0], coords=array.coords)
        shaded = packed.to_pil(origin=to_pil_origin)
        assert np.array_equal(shown, np.asarray(shaded.convert("L")))
        assert np.array_equal(pixels(drawn(packed)), pixels(shaded))
    # Whichever way they run: x from 0 to 4 left to right, y 5..35 upwards.
    assert placed(array) == (0, 4, 5, 35)


def test_packed_rgba_is_unpacked_as_datashader_packs_it():
    rgba = np.zeros((3, 4, 4), np.uint8)
    rgba[..., 0] = GREY
    rgba[..., 1] = 255 - GREY
    rgba[..., 2] = 7
    rgba[..., 3] = np.arange(12).reshape(3, 4) * 10 + 100
    packed = rgba.view(np.uint32).reshape(3, 4)
    for y in (UP, DOWN):
        image = tf.Image(packed, dims=("y", "x"), coords={"y": y, "x": RIGHT})
        shown = pixels(drawn(image))
        assert np.array_equal(
            shown, what_the_coordinates_say(image).view(np.uint8).reshape(3, 4, 4)
        )
        if y is UP:
            assert np.array_equal(shown, pixels(image.to_pil()))


@pytest.mark.parametrize("bands", [3, 4])
@pytest.mark.parametrize("y", [UP, DOWN], ids=["y-up", "y-down"])
def test_bands_are_red_green_blue_and_alpha(bands, y):
    values = np.stack([GREY + b for b in range(bands)], axis=-1).astype(np.uint8)
    array = labelled(values, y, LEFT)
    shown = np.asarray(drawn(array))
    assert shown.shape == (3, 4, bands)
    assert np.array_equal(shown, what_the_coordinates_say(array))
    assert placed(array) == (0, 4, 5, 35)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (np.full((3, 4), 0.5), 128),  # floats in 0..1, as for numpy arrays
        (np.full((3, 4), np.nan), 0),
        (np.ones((3, 4), bool), 255),
    ],
)
def test_other_dtypes_are_read_as_numpy_arrays_are(values, expected):
    shown = drawn(labelled(values, UP, RIGHT))
    assert shown.size == (4, 3)
    assert shown.getpixel((1, 1)) == expected


def test_an_extent_around_a_data_array_places_it_the_array_orients_it():
    result = Extent(labelled(GREY, UP, LEFT), x=(100, 200), y=(0, 1))
    assert placed(result) == (100, 200, 0, 1)
    assert np.array_equal(
        np.asarray(drawn(result)), what_the_coordinates_say(result.picture)
    )


# -- the extent ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({}, (0, 4, 5, 35)),  # the centres, and half a step beyond them
        ({"x_range": (0, 4), "y_range": (5, 35)}, (0, 4, 5, 35)),
        ({"x_range": (4, 0), "y_range": [35, 5]}, (0, 4, 5, 35)),  # any order
        # Coordinates at the pixels' low edges: half a pixel off the centres,
        # the attrs say where the picture is.
        ({"x_range": (0.5, 4.5), "y_range": (10, 40)}, (0.5, 4.5, 10, 40)),
        ({"x_range": None}, (0, 4, 5, 35)),
    ],
)
def test_the_attrs_give_the_extent_where_present(attrs, expected):
    for y, x in [(UP, RIGHT), (DOWN, LEFT)]:
        assert placed(labelled(GREY, y, x, **attrs)) == expected


def test_a_one_pixel_axis_is_placed_by_its_attrs():
    array = labelled(GREY[:1], [7.0], RIGHT, y_range=(6, 8))
    assert placed(array) == (0, 4, 6, 8)
    assert np.array_equal(np.asarray(drawn(array)), GREY[:1])
    column = labelled(GREY[:, :1], UP, [3.0], x_range=(2, 4))
    assert placed(column) == (2, 4, 5, 35)


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (
            labelled(GREY[:1], [7.0], RIGHT),
            r"the y axis has one pixel: its extent needs attrs\['y_range'\]",
        ),
        (
            labelled(GREY[:, :1], UP, [3.0]),
            r"the x axis has one pixel: its extent needs attrs\['x_range'\]",
        ),
        (
            # A slice keeps the attrs of the whole: they no longer say where
            # it is, and an event there would be wrong.
            labelled(GREY, UP, RIGHT, x_range=(0, 4), y_range=(5, 35)).isel(x=[1, 2]),
            r"attrs\['x_range'\] = \(0, 4\) disagrees with the x coordinates",
        ),
        (
            labelled(GREY, UP, [1.0, 2.0, 4.0, 8.0]),
            "the x coordinates are not evenly spaced",
        ),
        (
            labelled(GREY, UP, RIGHT, y_range=(5, "top")),
            r"attrs\['y_range'\] = \(5, 'top'\) is not two different numbers",
        ),
        (
            labelled(GREY, UP, np.array(["a", "b", "c", "d"])),
            "the x coordinates are not numbers",
        ),
    ],
    ids=["one-row", "one-column", "stale-attrs", "uneven", "bad-attrs", "text"],
)
def test_an_array_that_cannot_be_placed_is_refused_with_the_reason(array, message):
    with pytest.raises(RenderError, match=message):
        placed(array)


def test_datashaders_log_axes_are_refused_for_events():
    canvas = ds.Canvas(
        plot_width=8,
        plot_height=4,
        x_range=(1, 1000),
        y_range=(0, 40),
        x_axis_type="log",
    )
    image = tf.shade(canvas.points(points().assign(x=lambda d: 10**d.x), "x", "y"))
    # Drawn all the same (no events asked for), but not placed linearly.
    assert np.array_equal(pixels(drawn(image)), pixels(image.to_pil()))
    with pytest.raises(RenderError, match="not evenly spaced"):
        placed(image)


# -- what is no such picture -----------------------------------------------------


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (
            xr.DataArray(GREY.T, dims=("x", "y"), coords={"x": RIGHT, "y": UP}),
            r"dims \('x', 'y'\); expected \('y', 'x'\) or \('y', 'x', 'band'\)",
        ),
        (
            xr.DataArray(GREY, dims=("lat", "lon"), coords={"lat": UP, "lon": RIGHT}),
            r"dims \('lat', 'lon'\); expected .*rename",
        ),
        (
            xr.DataArray(
                np.zeros((2, 3, 4), np.uint8),
                dims=("band", "y", "x"),
                coords={"y": UP, "x": RIGHT},
            ),
            r"dims \('band', 'y', 'x'\); expected .*transpose",
        ),
        (labelled(np.zeros((3, 4, 2), np.uint8), UP, RIGHT), "2 bands; expected 3"),
        (labelled(np.zeros((3, 4), np.int64), UP, RIGHT), "dtype int64"),
        (labelled(np.zeros((3, 4, 3), np.uint32), UP, RIGHT), "dtype uint32"),
        (xr.DataArray(GREY, dims=("y", "x")), "no y coordinate"),
        (labelled(GREY, [10.0, 30.0, 20.0], RIGHT), "y coordinates are not sorted"),
        (
            xr.DataArray(np.zeros(4, np.uint8), dims=("x",), coords={"x": RIGHT}),
            r"dims \('x',\)",
        ),
    ],
    ids=[
        "transposed",
        "lat-lon",
        "band-first",
        "two-bands",
        "int64",
        "uint32-bands",
        "no-coordinates",
        "unsorted",
        "one-dim",
    ],
)
def test_a_data_array_that_is_no_picture_is_refused_with_the_reason(array, message):
    with pytest.raises(RenderError, match=message):
        drawn(array)


def test_a_data_array_that_is_no_picture_is_a_500_with_the_reason_logged(
    images, app, client, caplog
):
    images.generator(name="bad")(lambda: labelled(GREY, UP, RIGHT).T)
    with caplog.at_level(logging.ERROR), app.test_request_context():
        response = client.get(images.url_for("bad"))
    assert response.status_code == 500
    assert "dims ('x', 'y'); expected ('y', 'x')" in caplog.text


def test_xarray_and_datashader_are_not_imported_for_other_results():
    code = (
        "import sys, numpy, PIL.Image\n"
        "from flask_dash_images import Extent\n"
        "from flask_dash_images.core import coordinates, export, render\n"
        "png = render.FORMATS['png']\n"
        "for result in (PIL.Image.new('L', (2, 2)), numpy.zeros((2, 2), 'uint8'),\n"
        "               Extent(numpy.zeros((2, 2), 'uint8'), x=(0, 1), y=(0, 1))):\n"
        "    coordinates.encode_with_map(result, png, {})\n"
        "    export.encode_export(result, 'pdf', {}, None)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('xarray', 'datashader', 'pandas')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert out.strip() == "[]"


# -- downloads -------------------------------------------------------------------


def test_a_datashader_image_is_downloaded_as_a_raster():
    image = tf.shade(aggregate())
    png = Image.open(io.BytesIO(export.encode_export(image, "png", {}, None, 3)))
    assert np.array_equal(pixels(png), pixels(image.to_pil()))  # its own size
    (page,) = pypdf.PdfReader(
        io.BytesIO(export.encode_export(image, "pdf", {}, None))
    ).pages
    assert page.images[0].image.size == (30, 20)
    with pytest.raises(RenderError, match="svg"):
        export.encode_export(image, "svg", {}, None)


@pytest.mark.parametrize(
    "returns", ["xr.DataArray", "xarray.DataArray", "tf.Image", xr.DataArray, tf.Image]
)
def test_a_generator_annotated_to_return_a_data_array_has_no_svg(returns):
    with pytest.raises(RegistrationError, match="needs a vector"):
        export.check_options(("svg",), 1, None, [], "gen", returns)


# -- served, and clicked ---------------------------------------------------------


def test_a_served_datashader_picture_is_its_to_pil_and_a_click_its_data(
    dash_factory, images
):
    dash_app = dash_factory(html.Div([dcc.Input(id="n", value=1), html.Img(id="img")]))
    agg = aggregate(width=60, height=40)

    @images.callback(
        Output("img", "src"), Input("n", "value"), events=("click",), name="shaded"
    )
    def shaded(n):
        return tf.shade(agg, how="linear")

    response = dash_app.server.test_client().get("/image_generator/shaded.png?n=1")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    picture = Image.open(io.BytesIO(response.data))
    expected = tf.shade(agg, how="linear")
    assert np.array_equal(pixels(picture), pixels(expected.to_pil()))

    # A click at the centre of a pixel is that pixel's coordinates, and the
    # pixel shown there is the one the array holds at those coordinates.
    found = json.loads(response.headers[HEADER])
    assert (found["w"], found["h"]) == (60, 40)
    page = EventsPage()
    shown = pixels(picture)
    for column, row in [(0, 0), (59, 39), (17, 5), (30, 20), (44, 31)]:
        event = page.locate(found, column + 0.5, row + 0.5)
        x = float(agg["x"][column])
        y = float(agg["y"][len(agg["y"]) - 1 - row])
        assert (event["x"], event["y"]) == pytest.approx((x, y), rel=1e-12, abs=1e-12)
        assert event["axes"] is None
        packed = np.uint32(expected.sel(x=x, y=y).values)
        assert tuple(shown[row, column]) == tuple(np.array([packed]).view(np.uint8))
