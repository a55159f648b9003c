"""The download options at decoration: export=, export_scale=, filename=,
export_button= on the three decorators."""

from __future__ import annotations

import pytest
from dash import Dash, Input, Output
from flask import Flask
from matplotlib.figure import Figure
from PIL import Image

from flask_dash_images import RegistrationError, image_callback


def tile(x: int) -> Image.Image:
    return Image.new("L", (2, 2))


def chart(x: int) -> Figure:
    return Figure()


def test_the_options_are_taken_by_each_decorator(images):
    images.generator(
        name="g", export=("pdf", "png"), export_scale=3, filename="tile-{x}"
    )(tile)
    images.callback(
        Output("a", "src"),
        Input("x", "value"),
        export=("svg", "pdf"),
        export_scale=2.5,
        filename="chart",
        export_button=False,
    )(chart)
    server = Flask(__name__)
    images.init_app(server)
    dash_app = Dash(__name__, server=server)
    image_callback(
        dash_app,
        Output("b", "src"),
        Input("x", "value"),
        export=("png",),
    )(tile)
    g = images.registry.get("g")
    assert (g.export, g.export_scale, g.download_name({"x": 4})) == (
        ("pdf", "png"),
        3,
        "tile-4",
    )
    shared, own = images.dash_callbacks
    assert shared.export_button is False and own.export_button is True
    assert shared.spec.download_name({"x": 1}) == "chart"
    # No filename: the picture's name, or the function's.
    assert own.spec.download_name({"x": 1}) == "tile"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"export": ("tiff",)}, "'tiff': not a format"),
        ({"export": "pdf"}, "give a tuple of formats"),
        ({"export": ("pdf",), "export_scale": 20}, "from 1 to 10"),
        ({"export": ("pdf",), "filename": "{nope}"}, "names 'nope'"),
        ({"exports": ("pdf",)}, "did you mean 'export'"),
        ({"export": ("svg",)}, "needs a vector picture"),
    ],
)
def test_bad_options_fail_at_decoration(images, options, message):
    with pytest.raises(RegistrationError, match=message):
        images.callback(Output("a", "src"), Input("x", "value"), **options)(tile)
    with pytest.raises(RegistrationError, match=message):
        images.generator(name="g", **options)(tile)
    assert len(images.registry) == 0


def test_export_button_is_an_option_of_dash_callbacks_only(images):
    with pytest.raises(RegistrationError, match="an option of Dash image callbacks"):
        images.generator(export_button=False)


def test_a_list_of_formats_is_the_same_option_as_a_tuple(images):
    images.generator(name="g", export=["pdf", "png"])(tile)
    # The same generator again (a factory's), formats given as a tuple: the
    # same spec, no clash.
    images.generator(name="g", export=("pdf", "png"))(tile)
    assert images.registry.get("g").export == ("pdf", "png")
