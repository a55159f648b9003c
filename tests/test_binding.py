"""Binding: decorators record, each Dash app gets its image callbacks when it
sets up, from its own server's configuration, in any order of decoration,
init_app and Dash app creation."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from dash import Dash, Input, Output, State, dcc, html
from flask import Flask, request, session
from PIL import Image

from flask_dash_images import (
    ConfigurationError,
    DynamicImages,
    RegistrationError,
    image_callback,
)

from .conftest import decode
from .dash_browser import DashBrowser


def layout(*images: str) -> html.Div:
    return html.Div([dcc.Input(id="n", value=3), *(html.Img(id=i) for i in images)])


def square(n: int) -> Image.Image:
    return Image.new("L", (n, n), 120)


def outputs(dash_app: Dash) -> list[str]:
    return [
        d["output"] for d in DashBrowser(dash_app, base=prefix(dash_app)).dependencies
    ]


def prefix(dash_app: Dash) -> str:
    return dash_app.config.routes_pathname_prefix


# -- the Dash app made last decides nothing -----------------------------------


def test_a_picture_for_one_dash_app_is_served_there_only():
    # One server: a public Dash app at /pub/ and a guarded one at /dash/.
    server = Flask(__name__)
    server.secret_key = "s3cret"
    images = DynamicImages(server)

    @server.before_request
    def guard():
        if request.path.startswith("/dash/") and not session.get("user"):
            return "sign in first", 401
        return None

    @server.route("/login")
    def login():
        session["user"] = "alice"
        return "ok"

    guarded = Dash(__name__, server=server, url_base_pathname="/dash/")
    guarded.layout = layout("secret")
    public = Dash(__name__, server=server, url_base_pathname="/pub/")
    public.layout = layout("open")
    image_callback(guarded, Output("secret", "src"), Input("n", "value"), name="s")(
        square
    )

    anonymous, alice = server.test_client(), server.test_client()
    assert alice.get("/login").status_code == 200
    for client in (anonymous, alice):
        assert client.get("/pub/image_generator/s.png?n=3").status_code == 404
        assert client.get("/image_generator/s.png?n=3").status_code == 404
    assert anonymous.get("/dash/image_generator/s.png?n=3").status_code == 401
    response = alice.get("/dash/image_generator/s.png?n=3")
    assert response.status_code == 200 and decode(response.data).size == (3, 3)
    assert outputs(public) == []
    assert DynamicImages.of(public) is images


def test_a_dash_app_elsewhere_in_the_process_changes_nothing():
    # Another server's Dash app, made last, is not this server's.
    images = DynamicImages()
    images.callback(Output("img", "src"), Input("n", "value"), name="mine")(square)
    server = Flask(__name__)
    images.init_app(server)
    mine = Dash(__name__, server=server)
    mine.layout = layout("img")
    other = Dash(__name__, server=Flask("other"))
    other.layout = layout("img")
    assert server.test_client().get("/image_generator/mine.png?n=3").status_code == 200
    assert outputs(mine) == ["img.src"]
    other_client = other.server.test_client()
    assert other_client.get("/image_generator/mine.png?n=3").status_code == 404
    assert outputs(other) == []


# -- the app factory ----------------------------------------------------------

IMAGES = DynamicImages()


@IMAGES.callback(Output("img", "src"), Input("n", "value"), State("k", "value"))
def factory_square(n, k):
    return Image.new("L", (n, n), k)


def create_app(**config):
    server = Flask(__name__)
    server.config.update(config)
    IMAGES.init_app(server)
    dash_app = Dash(__name__, server=server, url_base_pathname="/app/")
    dash_app.layout = html.Div(
        [dcc.Input(id="n"), dcc.Input(id="k"), html.Img(id="img")]
    )
    return dash_app


@pytest.mark.parametrize(
    ("config", "clientside"),
    [
        ({}, True),
        ({"SECRET_KEY": "k"}, True),
        ({"SECRET_KEY": "k", "DASH_IMAGES_SIGN": True}, False),
    ],
    ids=["unsigned", "secret-key", "signed"],
)
def test_the_factory_called_twice_gives_two_working_apps(config, clientside):
    # Callbacks decorated at import, init_app in create_app: each app binds
    # them with its own configuration (signed ones built on the server).
    for shade in (10, 20):
        dash_app = create_app(**config)
        page = DashBrowser(dash_app, base="/app/")
        # Built on the server, the URL goes to the image through its relay.
        callback = page.callback_for("img.src")
        assert (callback["clientside_function"] is not None) is clientside
        assert len(page.dependencies) == 1 + (not clientside)
        url = page.update("img.src", [4], [shade])
        assert url.startswith("/app/image_generator/")
        assert ("_sig=" in url) is not clientside
        response = page.get(url)
        assert response.status_code == 200
        assert decode(response.data).getcolors() == [(16, shade)]


def test_signing_apps_and_browser_built_apps_share_one_callback():
    plain, signed = create_app(), create_app(SECRET_KEY="k", DASH_IMAGES_SIGN=True)
    (guid,) = [spec.guid for spec in IMAGES.registry]
    path = f"/app/image_generator/{guid}.png?n=2&k=5"
    assert plain.server.test_client().get(path).status_code == 200
    assert signed.server.test_client().get(path).status_code == 403


def test_clientside_true_is_refused_where_dash_urls_are_signed():
    images = DynamicImages()
    server = Flask(__name__)
    server.config.update(SECRET_KEY="k", DASH_IMAGES_SIGN=True)
    images.init_app(server)
    with pytest.raises(ConfigurationError, match=r"clientside=True .* 'tests"):
        images.callback(Output("img", "src"), Input("n", "value"), clientside=True)(
            square
        )
    assert len(images.registry) == 0


# -- registered too late ------------------------------------------------------


def test_a_callback_after_its_dash_app_has_served_is_an_error():
    images = DynamicImages()
    server = Flask(__name__)
    images.init_app(server)
    dash_app = Dash(__name__, server=server, url_base_pathname="/late/")
    dash_app.layout = layout("img")
    assert server.test_client().get("/late/_dash-dependencies").status_code == 200
    for decorate in (
        images.callback(Output("img", "src"), Input("n", "value")),
        image_callback(dash_app, Output("img", "src"), Input("n", "value")),
    ):
        with pytest.raises(RegistrationError, match="'/late/' on the app 'tests"):
            decorate(square)
    assert len(images.registry) == 0


def test_a_plain_flask_app_that_served_does_not_stop_dash_callbacks():
    images = DynamicImages()
    plain = Flask(__name__)
    images.init_app(plain)
    assert plain.test_client().get("/").status_code == 404
    images.callback(Output("img", "src"), Input("n", "value"), name="ok")(square)
    server = Flask("dash")
    images.init_app(server)
    Dash(__name__, server=server).layout = layout("img")
    assert server.test_client().get("/image_generator/ok.png?n=2").status_code == 200


def test_a_dash_app_made_before_the_import_is_told_why():
    code = textwrap.dedent(
        """
        import dash, flask
        from dash import Input, Output, html
        app = dash.Dash(__name__, server=flask.Flask("x"))
        app.layout = html.Div([html.Img(id="img"), html.Div(id="n")])
        from flask_dash_images import DynamicImages
        images = DynamicImages(app.server)
        images.callback(Output("img", "src"), Input("n", "children"))(print)
        print(app.server.test_client().get("/").status_code)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    # The first request fails, and the log says why.
    assert result.stdout == "500\n"
    assert (
        "ConfigurationError: the Dash app at '/' was made before flask_dash_images"
        " was imported" in result.stderr
    )


# -- the generator's signature, checked at decoration --------------------------


@pytest.mark.parametrize(
    ("dependencies", "options", "generator", "why"),
    [
        (2, {}, lambda n: None, "(2 value(s), one per Input and State): too many"),
        (1, {}, lambda n, m: None, "missing a required argument: 'm'"),
        (1, {"hidpi": True}, lambda n: None, "scale= (hidpi=True)): got an unexp"),
        (
            1,
            {"responsive": True},
            lambda n, *, width, height: None,
            "width=, height=, scale= (responsive=True)): got an unexpected keyword"
            " argument 'scale'",
        ),
        (1, {"responsive": True}, lambda n: None, "unexpected keyword argument"),
        (0, {}, lambda n: None, "missing a required argument: 'n'"),
    ],
    ids=["too-few-params", "too-many-params", "hidpi", "responsive-scale", "box", "0"],
)
def test_a_generator_that_cannot_take_its_arguments_is_refused(
    images, dependencies, options, generator, why
):
    inputs = [Input(f"i{k}", "value") for k in range(dependencies)]
    with pytest.raises(RegistrationError, match=r"<lambda>\(") as error:
        images.callback(Output("img", "src"), *inputs, **options)(generator)
    assert why in str(error.value)
    assert len(images.registry) == 0


@pytest.mark.parametrize(
    ("options", "generator"),
    [
        ({}, lambda n, m=1: None),
        ({}, lambda *values: None),
        ({"hidpi": True}, lambda n, **rest: None),
        ({"responsive": True}, lambda n, *, width, height, scale: None),
        ({"responsive": True}, lambda n, width, height, scale=1: None),
    ],
    ids=["default", "varargs", "kwargs", "keywords", "positional-or-keyword"],
)
def test_generators_that_take_their_arguments_are_accepted(images, options, generator):
    images.callback(Output("img", "src"), Input("n", "value"), **options)(generator)
    assert len(images.registry) == 1


# -- the handle ---------------------------------------------------------------


def test_the_extension_is_found_from_its_app_or_a_dash_app():
    dash_app = Dash(__name__, server=Flask(__name__))
    image_callback(dash_app, Output("img", "src"), Input("n", "value"))(square)
    images = DynamicImages.of(dash_app)
    assert DynamicImages.of(dash_app.server) is images
    (record,) = images.dash_callbacks
    assert record.target() is dash_app
    with pytest.raises(ConfigurationError, match="not set up on the app 'bare'"):
        DynamicImages.of(Flask("bare"))
    with pytest.raises(ConfigurationError, match=r"not builtins\.object"):
        DynamicImages.of(object())


# -- the same callback again ----------------------------------------------------

PAGE_MODULE = """
from dash import Input, Output
from PIL import Image

@images.callback(Output("img", "src"), Input("n", "value"))
def plot(n):
    return Image.new("L", (n, n), 50)
"""


def test_a_page_module_run_again_for_a_second_dash_app_registers_nothing_new():
    # Dash runs each page module of a use_pages app again for every
    # Dash(use_pages=True): the same callback, from new function objects.
    images = DynamicImages()
    apps = []
    for _ in range(2):
        exec(compile(PAGE_MODULE, "pages/plot.py", "exec"), {"images": images})
        server = Flask(__name__)
        images.init_app(server)
        dash_app = Dash(__name__, server=server)
        dash_app.layout = layout("img")
        apps.append(dash_app)
        assert server.test_client().get("/_dash-layout").status_code == 200
    assert len(images.registry) == 1 and len(images.dash_callbacks) == 1
    (spec,) = images.registry
    for dash_app in apps:
        assert outputs(dash_app) == ["img.src"]
        client = dash_app.server.test_client()
        assert client.get(f"/image_generator/{spec.guid}.png?n=2").status_code == 200


def test_one_generator_bound_to_each_dash_app_a_factory_makes():
    images = DynamicImages()

    def create():
        server = Flask(__name__)
        images.init_app(server)
        dash_app = Dash(__name__, server=server)
        dash_app.layout = layout("img")
        image_callback(dash_app, Output("img", "src"), Input("n", "value"))(square)
        return dash_app

    first, second = create(), create()
    # One record per Dash app, under one id.
    (guid,) = {record.spec.guid for record in images.dash_callbacks}
    assert len(images.dash_callbacks) == 2
    for dash_app in (first, second):
        assert outputs(dash_app) == ["img.src"]
        client = dash_app.server.test_client()
        assert client.get(f"/image_generator/{guid}.png?n=2").status_code == 200


def test_image_callback_on_a_dash_app_without_its_server_yet_is_an_error():
    dash_app = Dash(__name__, server=False)
    with pytest.raises(ConfigurationError, match=r"no server yet \(Dash\(server=False"):
        image_callback(dash_app, Output("img", "src"), Input("n", "value"))
