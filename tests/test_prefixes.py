"""URLs honour SCRIPT_NAME (WSGI mounts) and Dash's requests_pathname_prefix."""

from __future__ import annotations

from dash import Input, Output, dcc, html
from flask import Flask
from PIL import Image
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from .conftest import decode
from .dash_browser import DashBrowser


def layout():
    return html.Div([dcc.Input(id="n", value=2), html.Img(id="img")])


def register(images):
    images.callback(Output("img", "src"), Input("n", "value"))(
        lambda n: Image.new("L", (n, n), 200)
    )


def test_a_dash_app_mounted_under_sub(dash_factory, images):
    dash_app = dash_factory(layout(), requests_pathname_prefix="/sub/")
    register(images)
    root = Flask("root")
    root.add_url_rule("/", "home", lambda: "home")
    mounted = DispatcherMiddleware(root, {"/sub": dash_app.server})

    page = DashBrowser(dash_app, base="/sub/", client=Client(mounted))
    url = page.update("img.src", [3])
    assert url.startswith("/sub/image_generator/")

    response = page.client.get(url)
    assert response.status_code == 200
    assert decode(response.data).size == (3, 3)
    assert page.client.get(url.removeprefix("/sub")).status_code == 404


def test_a_reverse_proxy_prefix_from_requests_pathname_prefix(dash_factory, images):
    # The proxy strips /proxy; Dash is told the browser sees it there.
    dash_app = dash_factory(
        layout(), routes_pathname_prefix="/", requests_pathname_prefix="/proxy/"
    )
    register(images)
    page = DashBrowser(dash_app)
    url = page.update("img.src", [4])
    assert url.startswith("/proxy/image_generator/")
    assert decode(page.get(url.removeprefix("/proxy")).data).size == (4, 4)


def test_dash_under_a_path_of_its_own_flask_server(dash_factory, images):
    # Dash serves /dash/ on the server; the image route stays at the root.
    dash_app = dash_factory(layout(), url_base_pathname="/dash/")
    register(images)
    page = DashBrowser(dash_app, base="/dash/")
    url = page.update("img.src", [5])
    assert url.startswith("/image_generator/")
    assert decode(page.get(url).data).size == (5, 5)


def test_plain_flask_url_for_under_a_mount(app_factory, images):
    images.generator(name="dot")(lambda: Image.new("L", (1, 1)))
    app = app_factory()
    with app.test_request_context("/", base_url="http://localhost/sub/"):
        assert images.url_for("dot").startswith("/sub/image_generator/dot.png")
