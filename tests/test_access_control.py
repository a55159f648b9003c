"""The image route is protected by the app's authentication like Dash's routes."""

from __future__ import annotations

import base64
import json

import dash_auth
import flask_login
import pytest
from dash import Dash, Input, Output, dcc, html
from flask import Flask, abort, request
from PIL import Image

from flask_dash_images import image_callback

from .dash_browser import DashBrowser


def credentials(user="ada", password="lovelace"):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def protected_dash(dash_factory, images):
    dash_app = dash_factory(html.Div([dcc.Input(id="n", value=1), html.Img(id="img")]))
    images.callback(Output("img", "src"), Input("n", "value"))(
        lambda n: Image.new("L", (n, n))
    )
    dash_auth.BasicAuth(dash_app, {"ada": "lovelace"})
    return dash_app


def test_dash_auth_protects_the_image_route(protected_dash):
    # The browser, logged in, gets a URL and the picture ...
    logged_in = protected_dash.server.test_client()
    logged_in.environ_base["HTTP_AUTHORIZATION"] = credentials()["Authorization"]
    page = DashBrowser(protected_dash, client=logged_in)
    url = page.update("img.src", [2])
    assert page.get(url).status_code == 200
    # ... someone without credentials gets 401, like on Dash's own routes.
    client = protected_dash.server.test_client()
    assert client.get(url).status_code == 401
    assert client.get("/_dash-layout").status_code == 401
    assert client.get(url, headers=credentials(password="x")).status_code == 401


@pytest.fixture
def login_app(app_factory, images):
    images.generator(name="secret")(lambda: Image.new("L", (1, 1)))
    app = app_factory(SECRET_KEY="k")
    manager = flask_login.LoginManager(app)

    class User(flask_login.UserMixin):
        id = "ada"

    manager.user_loader(lambda user_id: User() if user_id == "ada" else None)

    @app.route("/login")
    def login():
        flask_login.login_user(User())
        return "ok"

    @app.before_request
    def require_login():
        # Every route but the login page needs a user.
        if (
            request.endpoint != "login"
            and not flask_login.current_user.is_authenticated
        ):
            abort(401)

    return app


def test_flask_login_guard_protects_the_image_route(login_app, images):
    with login_app.test_request_context():
        url = images.url_for("secret")
    client = login_app.test_client()
    assert client.get(url).status_code == 401
    client.get("/login")
    assert client.get(url).status_code == 200


def test_protecting_only_the_image_routes(app_factory, images):
    images.generator(name="secret")(lambda: Image.new("L", (1, 1)))
    app = app_factory()
    app.add_url_rule("/public", "public", lambda: "hello")

    # The README's recipe: a guard that looks at the blueprint name.
    @app.before_request
    def images_need_a_token():
        if request.blueprint == "dash_images" and request.headers.get("X-Token") != "t":
            abort(403)

    client = app.test_client()
    assert client.get("/public").status_code == 200
    assert client.get("/image_generator/secret.png").status_code == 403
    assert (
        client.get("/image_generator/secret.png", headers={"X-Token": "t"}).status_code
        == 200
    )


def page_config(client, path):
    """The ``_dash-images-config`` a Dash page carries, or None."""
    page = client.get(path).get_data(as_text=True)
    start = page.find('<script id="_dash-images-config" type="application/json">')
    if start == -1:
        return None
    return json.loads(page[start:].partition(">")[2].partition("</script>")[0])


@pytest.mark.parametrize("public_prefix", ["/", "/public/"])
def test_a_guarded_dash_apps_pictures_are_not_named_on_another_apps_page(
    images, public_prefix
):
    server = Flask(__name__)
    images.init_app(server)
    layout = html.Div([dcc.Input(id="n", value=1), html.Img(id="img")])
    public = Dash(__name__, server=server, url_base_pathname=public_prefix)
    admin = Dash(__name__, server=server, url_base_pathname="/admin/")
    public.layout = admin.layout = layout

    def draw(n):
        return Image.new("L", (n, n))

    image_callback(
        admin,
        Output("img", "src"),
        Input("n", "value"),
        events=("click",),
        name="salaries_by_employee",
    )(draw)
    image_callback(
        public, Output("img", "src"), Input("n", "value"), events=("hover",), name="map"
    )(draw)
    client = server.test_client()
    assert page_config(client, public_prefix) == {"events": {"map": ["hover"]}}
    assert page_config(client, f"{public_prefix}some/page") == {
        "events": {"map": ["hover"]}
    }
    assert page_config(client, "/admin/") == {
        "events": {"salaries_by_employee": ["click"]}
    }
