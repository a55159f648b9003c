"""Where Dash URLs are built (the browser by default) and which URLs are signed."""

from __future__ import annotations

import pytest
from dash import Input, Output, dcc, html
from flask import Flask
from PIL import Image

from flask_dash_images import ConfigurationError
from flask_dash_images.dash.clientside import NEXT

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
    assert '"base": "image_generator/' in page  # the inline script that builds URLs


def test_clientside_fails_at_decoration_when_the_app_signs_dash_urls(images):
    server = Flask(__name__)
    server.config.update(SECRET_KEY="s3cret", DASH_IMAGES_SIGN=True)
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
    server.config.update(SECRET_KEY="s3cret", DASH_IMAGES_SIGN=True)
    with pytest.raises(ConfigurationError, match="clientside=False"):
        images.init_app(server)


def test_a_secret_key_leaves_dash_urls_to_the_browser(dash_factory, images):
    dash_app = dash_factory(layout(), config={"SECRET_KEY": "s3cret"})
    images.callback(Output("img", "src"), Input("n", "value"))(
        lambda n: Image.new("L", (n, n))
    )
    images.generator(name="plain")(lambda n: Image.new("L", (n, n)))
    (callback,) = DashBrowser(dash_app).dependencies
    assert callback["clientside_function"] is not None
    client = dash_app.server.test_client()
    (spec,) = [s for s in images.registry if s.guid != "plain"]
    # Dash URLs are unsigned and served; plain Flask URLs stay signed.
    assert client.get(f"/image_generator/{spec.guid}.png?n=2").status_code == 200
    assert client.get("/image_generator/plain.png?n=2").status_code == 403
    with dash_app.server.test_request_context():
        signed = images.url_for("plain", n=2)
    assert "&_sig=" in signed
    assert client.get(signed).status_code == 200


def test_dash_images_sign_true_signs_dash_urls_server_side(dash_factory, images):
    dash_app = dash_factory(
        layout(), config={"SECRET_KEY": "s3cret", "DASH_IMAGES_SIGN": True}
    )
    images.callback(Output("img", "src"), Input("n", "value"))(
        lambda n: Image.new("L", (n, n))
    )
    page = DashBrowser(dash_app)
    assert_built_on_the_server(page)
    url = page.update("img.src", [3])
    assert "&_sig=" in url
    assert page.get(url).status_code == 200
    assert page.get(url.split("&_sig=")[0]).status_code == 403


def test_dash_images_sign_false_signs_nothing(dash_factory, images):
    dash_app = dash_factory(
        layout(), config={"SECRET_KEY": "s3cret", "DASH_IMAGES_SIGN": False}
    )
    images.generator(name="plain")(lambda n: Image.new("L", (n, n)))
    with dash_app.server.test_request_context():
        assert "_sig" not in images.url_for("plain", n=2)
    client = dash_app.server.test_client()
    assert client.get("/image_generator/plain.png?n=2").status_code == 200


def test_clientside_false_builds_dash_urls_on_the_server(dash_factory, images):
    dash_app = dash_factory(layout(), config={"SECRET_KEY": "s3cret"})
    images.callback(Output("img", "src"), Input("n", "value"), clientside=False)(
        lambda n: Image.new("L", (n, n))
    )
    page = DashBrowser(dash_app)
    assert_built_on_the_server(page)
    url = page.update("img.src", [4])
    assert "_sig" not in url  # a signature there would protect nothing
    assert page.get(url).status_code == 200


def assert_built_on_the_server(page: DashBrowser) -> None:
    """The image's URL comes from a server callback (on the image's NEXT),
    set as its src by the clientside relay."""
    server, relay = sorted(
        page.dependencies, key=lambda d: d["clientside_function"] is not None
    )
    assert server["clientside_function"] is None
    assert server["output"] == f"img.{NEXT}"
    assert relay["clientside_function"] is not None
    assert relay["output"] == "img.src"
    assert [(i["id"], i["property"]) for i in relay["inputs"]] == [("img", NEXT)]
