"""clientside=True: Dash registers a clientside callback; no signing possible."""

from __future__ import annotations

import pytest
from dash import Input, Output, dcc, html
from flask import Flask
from PIL import Image

from flask_dash_images import ConfigurationError, image_callback

from .dash_browser import DashBrowser


def layout():
    return html.Div([dcc.Input(id="n", value=1), html.Img(id="img")])


def test_a_clientside_callback_is_registered_in_dash(dash_factory, images):
    dash_app = dash_factory(layout())
    images.callback(Output("img", "src"), Input("n", "value"), clientside=True)(
        lambda n: Image.new("L", (n, n))
    )
    (callback,) = DashBrowser(dash_app).dependencies
    assert callback["output"] == "img.src"
    assert (
        callback["clientside_function"]["namespace"] == "_dashprivate_clientside_funcs"
    )
    page = dash_app.server.test_client().get("/").get_data(as_text=True)
    assert '"path": "image_generator/' in page  # the inline script that builds URLs


def test_clientside_fails_at_decoration_when_the_app_signs(images):
    server = Flask(__name__)
    server.config["SECRET_KEY"] = "s3cret"
    images.init_app(server)
    with pytest.raises(ConfigurationError, match="cannot sign"):
        images.callback(Output("img", "src"), Input("n", "value"), clientside=True)(
            lambda n: None
        )


def test_clientside_registered_first_fails_at_init_app(images):
    images.callback(Output("img", "src"), Input("n", "value"), clientside=True)(
        lambda n: None
    )
    server = Flask(__name__)
    server.config["SECRET_KEY"] = "s3cret"
    with pytest.raises(ConfigurationError, match="DASH_IMAGES_SIGN = False"):
        images.init_app(server)


def test_clientside_with_signing_turned_off_is_allowed():
    import dash

    server = Flask(__name__)
    server.config.update(SECRET_KEY="s3cret", DASH_IMAGES_SIGN=False)
    dash_app = dash.Dash(__name__, server=server)
    dash_app.layout = layout()
    image_callback(
        dash_app, Output("img", "src"), Input("n", "value"), clientside=True
    )(lambda n: Image.new("L", (n, n)))
    images = server.extensions["dash_images"].extension
    (spec,) = images.registry
    with server.test_request_context():
        url = images.build_url(spec, [3])
    assert server.test_client().get(url).status_code == 200


def test_clientside_urls_carry_only_the_callbacks_own_version(app_factory, images):
    images.callback(
        Output("img", "src"), Input("n", "value"), clientside=True, version="v3"
    )(lambda n: None)
    app = app_factory(DASH_IMAGES_VERSION="app9")
    (spec,) = images.registry
    with app.test_request_context():
        assert images.build_url(spec, [1]).endswith("?n=1&_v=v3")
