"""Dash's other backends (FastAPI, Quart): a clear error at decoration."""

from __future__ import annotations

import importlib.util

import dash
import pytest
from dash import Input, Output, html

from flask_dash_images import ConfigurationError, DynamicImages, image_callback

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("dash.backends") is None,
    reason=f"dash {dash.__version__} runs on Flask only (no backend= yet)",
)

BACKENDS = pytest.mark.parametrize(
    ("backend", "server"), [("fastapi", "FastAPI"), ("quart", "Quart")]
)


def other_app(backend):
    dash_app = dash.Dash(__name__, backend=backend)
    dash_app.layout = html.Div([html.Img(id="img"), html.Div(id="n")])
    return dash_app


@BACKENDS
def test_image_callback_names_the_backend_and_what_works(backend, server):
    dash_app = other_app(backend)
    with pytest.raises(ConfigurationError) as error:
        image_callback(dash_app, Output("img", "src"), Input("n", "children"))
    message = str(error.value)
    assert f"runs on {server}" in message and f"{backend!r} backend" in message
    assert "Flask backend (the default" in message


@BACKENDS
def test_images_callback_fails_at_decoration_too(backend, server):
    images = DynamicImages()
    other_app(backend)
    decorate = images.callback(Output("img", "src"), Input("n", "children"))
    with pytest.raises(ConfigurationError, match=f"runs on {server}"):
        decorate(lambda n: None)
    assert len(images.registry) == 0


@BACKENDS
def test_init_app_takes_only_a_flask_app(backend, server):
    with pytest.raises(ConfigurationError, match=f"not .*{server}"):
        DynamicImages(other_app(backend).server)
