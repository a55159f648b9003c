"""Dash's other backends (FastAPI, Quart): a clear error at decoration."""

from __future__ import annotations

import importlib.util

import dash
import pytest
from dash import Input, Output, html
from flask import Flask
from PIL import Image

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
def test_a_dash_app_on_another_backend_leaves_flask_dash_apps_alone(backend, server):
    # It never gets images.callback's callbacks (its server has no
    # DynamicImages), and its existence changes nothing for the others.
    images = DynamicImages()
    flask_app = dash.Dash(__name__, server=Flask(__name__))
    flask_app.layout = html.Div([html.Img(id="img"), html.Div(id="n", children=3)])
    images.init_app(flask_app.server)
    other = other_app(backend)
    images.callback(Output("img", "src"), Input("n", "children"))(
        lambda n: Image.new("L", (n, n))
    )
    (spec,) = images.registry
    client = flask_app.server.test_client()
    (callback,) = client.get("/_dash-dependencies").get_json()
    assert callback["output"] == "img.src"
    response = client.get(f"/image_generator/{spec.guid}.png?n=3")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert other.callback_map == {}


@BACKENDS
def test_init_app_takes_only_a_flask_app(backend, server):
    with pytest.raises(ConfigurationError, match=f"not .*{server}"):
        DynamicImages(other_app(backend).server)
