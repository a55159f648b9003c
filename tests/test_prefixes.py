"""URLs honour SCRIPT_NAME (WSGI mounts) and Dash's requests_pathname_prefix."""

from __future__ import annotations

import pytest
from dash import Dash, Input, Output, dcc, html
from flask import Flask, request
from PIL import Image
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from flask_dash_images import DynamicImages, image_callback

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


def test_dash_pictures_live_under_the_dash_apps_own_prefix(dash_factory, images):
    dash_app = dash_factory(layout(), url_base_pathname="/dash/")
    register(images)
    page = DashBrowser(dash_app, base="/dash/")
    url = page.update("img.src", [5])
    assert url.startswith("/dash/image_generator/")
    assert decode(page.get(url).data).size == (5, 5)
    # Not also at the root, where a guard of /dash/ would not see them.
    assert page.get(url.removeprefix("/dash")).status_code == 404


def test_a_guard_of_the_dash_prefix_guards_its_pictures(dash_factory, images):
    dash_app = dash_factory(layout(), url_base_pathname="/dash/")
    register(images)
    images.generator(name="dot")(lambda: Image.new("L", (1, 1)))
    server = dash_app.server
    # The usual recipe (Flask-Login's login_required works the same way).
    signed_in = {"yes": True}

    @server.before_request
    def guard():
        if request.path.startswith("/dash/") and not signed_in["yes"]:
            return "sign in first", 401
        return None

    url = DashBrowser(dash_app, base="/dash/").update("img.src", [2])
    client = server.test_client()
    assert client.get(url).status_code == 200
    signed_in["yes"] = False
    assert client.get(url).status_code == 401
    for path in (url.removeprefix("/dash"), url.replace("/dash/", "/x/")):
        assert client.get(path).status_code == 404
    # Plain Flask generators keep the root.
    assert client.get("/image_generator/dot.png").status_code == 200
    assert client.get("/dash/image_generator/dot.png").status_code == 401


@pytest.mark.parametrize("order", ["dash first", "images first"])
@pytest.mark.parametrize("how", ["images.callback", "image_callback"])
def test_the_prefix_is_found_whatever_the_order_of_set_up(order, how):
    images = DynamicImages()
    server = Flask(__name__)
    if order == "images first":
        images.init_app(server)
    dash_app = Dash(__name__, server=server, url_base_pathname="/app/")
    dash_app.layout = layout()
    if order == "dash first":
        images.init_app(server)
    if how == "image_callback":
        decorate = image_callback(dash_app, Output("img", "src"), Input("n", "value"))
    else:
        decorate = images.callback(Output("img", "src"), Input("n", "value"))
    decorate(lambda n: Image.new("L", (n, n), 200))
    page = DashBrowser(dash_app, base="/app/")
    url = page.update("img.src", [3])
    assert url.startswith("/app/image_generator/")
    assert decode(page.get(url).data).size == (3, 3)
    assert page.get(url.removeprefix("/app")).status_code == 404


def test_two_dash_apps_on_one_server_each_have_their_pictures(images):
    server = Flask(__name__)
    images.init_app(server)
    apps = []
    for prefix, height in (("/one/", 1), ("/two/", 2)):
        dash_app = Dash(__name__, server=server, url_base_pathname=prefix)
        dash_app.layout = layout()
        image_callback(
            dash_app, Output("img", "src"), Input("n", "value"), name=prefix[1:-1]
        )(lambda n, height=height: Image.new("L", (n, height)))
        apps.append(dash_app)
    urls = {}
    for dash_app, prefix, height in zip(apps, ("/one/", "/two/"), (1, 2), strict=True):
        page = DashBrowser(dash_app, base=prefix)
        urls[prefix] = url = page.update("img.src", [2])
        assert url.startswith(f"{prefix}image_generator/")
        assert decode(page.get(url).data).size == (2, height)
    # Each app's pictures only under its own prefix: a guard on /one/ is not
    # walked round through /two/.
    client = server.test_client()
    assert client.get(urls["/one/"].replace("/one/", "/two/")).status_code == 404
    assert client.get(urls["/two/"].replace("/two/", "/one/")).status_code == 404


def test_plain_flask_url_for_under_a_mount(app_factory, images):
    images.generator(name="dot")(lambda: Image.new("L", (1, 1)))
    app = app_factory()
    with app.test_request_context("/", base_url="http://localhost/sub/"):
        assert images.url_for("dot").startswith("/sub/image_generator/dot.png")
