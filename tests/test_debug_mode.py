"""Dash's dev tools (``app.run(debug=True)``): statuses kept, errors shown."""

from __future__ import annotations

import html
from importlib import resources

import pytest
from dash import ALL, Dash, Input, Output, dcc
from dash import html as dash_html
from flask import Flask, request
from flask_caching import Cache
from PIL import Image

from flask_dash_images import DynamicImages
from flask_dash_images.dash.clientside import EXPLAINED, FAILED

from .apps import render_jobs
from .dash_browser import DashBrowser


@pytest.fixture(params=[{"SECRET_KEY": "debug"}], ids=["signed"])
def debug_app(request, dash_factory, images):
    dash_app = dash_factory(
        dash_html.Div([dcc.Input(id="n", value=2), dash_html.Img(id="img")]),
        config={**request.param, "DASH_IMAGES_MAX_URL_LENGTH": 200},
    )

    @images.callback(Output("img", "src"), Input("n", "value"))
    def square(n):
        if n == 13:
            raise ValueError("unlucky thirteen")
        return Image.new("L", (n, n), 100)

    @images.generator(name="plain")
    def plain(n):
        return Image.new("L", (n, n))

    # What app.run(debug=True) does before serving: Dash's prune-errors
    # handler turns every exception, HTTP ones included, into a 500 page.
    dash_app.enable_dev_tools(debug=True)
    dash_app.server.debug = True
    dash_app.server.testing = False
    # Dash's handler is there: the case this file is about.
    assert Exception in dash_app.server.error_handler_spec[None][None]
    return dash_app


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/image_generator/nope.png", 404),
        ("/image_generator//nope.png", 404),
        ("/image_generator/plain.png?n=1", 403),
        ("/image_generator/plain.png?n=1&_sig=wrong", 403),
        ("/image_generator/plain.png?n=" + "1" * 300, 414),
    ],
)
def test_the_route_keeps_its_status_codes(debug_app, path, status):
    response = debug_app.server.test_client().get(path)
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    assert b"Traceback" not in response.data


@pytest.mark.parametrize("debug_app", [{}], ids=["unsigned"], indirect=True)
def test_a_bad_value_is_400_not_a_debug_page(debug_app):
    page = DashBrowser(debug_app)
    url = page.update("img.src", [2])
    response = page.get(url.replace("n=2", "n=%5B"))
    assert response.status_code == 400
    assert response.get_data(as_text=True) == (
        "400 Bad Request: parameter 'n' is not valid JSON\n"
    )


def test_a_failing_generator_shows_its_error_and_traceback(debug_app):
    page = DashBrowser(debug_app)
    response = page.get(page.update("img.src", [13]))
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "ValueError: unlucky thirteen" in body
    assert "Traceback (most recent call last)" in body
    assert 'raise ValueError("unlucky thirteen")' in body
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "text/plain"


def test_the_working_picture_is_unchanged(debug_app):
    page = DashBrowser(debug_app)
    response = page.get(page.update("img.src", [3]))
    assert response.status_code == 200
    assert response.mimetype == "image/png"


# -- the dev tools' probe: why a picture failed, in Dash's error list ---------


def probes(dash_app):
    """The probe callbacks in the page's dependencies: image -> callback."""
    client = dash_app.server.test_client()
    dependencies = client.get("/_dash-dependencies").get_json()
    return {
        d["inputs"][0]["id"]: d
        for d in dependencies
        if d["inputs"] and d["inputs"][0]["property"] == FAILED
    }


def ask_probe(dash_app, url, image="img", client=None):
    """What dash-renderer posts when the page script sets a failed picture's
    URL on the image's FAILED property."""
    client = client or dash_app.server.test_client()
    probe = probes(dash_app)[image]
    return client.post(
        "/_dash-update-component",
        json={
            "output": probe["output"],
            "outputs": {"id": image, "property": EXPLAINED},
            "inputs": [{"id": image, "property": FAILED, "value": url}],
            "changedPropIds": [f"{image}.{FAILED}"],
            "state": [],
        },
    )


def html_text(response):
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("debug_app", [{}], ids=["unsigned"], indirect=True)
def test_the_probe_raises_the_generators_error_for_dash(debug_app):
    page = DashBrowser(debug_app)
    url = "http://localhost" + page.update("img.src", [13])
    response = ask_probe(debug_app, url)
    # Dash's dev tools show a callback's 500 page in their error list.
    assert response.status_code == 500
    body = html_text(response)
    assert (
        f"PictureFailed: the picture of img failed: ValueError: unlucky thirteen"
        f" ({url})" in body
    )
    assert 'raise ValueError("unlucky thirteen")' in body


@pytest.mark.parametrize("debug_app", [{}], ids=["unsigned"], indirect=True)
def test_the_probe_explains_a_bad_url(debug_app):
    page = DashBrowser(debug_app)
    url = page.update("img.src", [2]).replace("n=2", "n=%5B")
    response = ask_probe(debug_app, url)
    assert response.status_code == 500
    assert (
        "the picture of img failed: 400 Bad Request: parameter 'n' is not valid JSON"
        in html_text(response)
    )


@pytest.mark.parametrize("debug_app", [{}], ids=["unsigned"], indirect=True)
def test_the_probe_is_quiet_when_the_picture_renders(debug_app):
    page = DashBrowser(debug_app)
    assert ask_probe(debug_app, page.update("img.src", [3])).status_code == 204


@pytest.mark.parametrize("debug_app", [{}], ids=["unsigned"], indirect=True)
def test_the_probe_fetches_only_this_apps_pictures(debug_app):
    for url in ["/_dash-layout", "/image_generator", "http://elsewhere/x.png", 7]:
        assert ask_probe(debug_app, url).status_code == 204


@pytest.mark.parametrize("debug_app", [{}], ids=["unsigned"], indirect=True)
def test_the_probe_passes_the_apps_guards_as_the_same_user(debug_app):
    server = debug_app.server

    @server.before_request
    def guard():
        if "image_generator" in request.path and request.cookies.get("who") != "alice":
            return "sign in first", 401
        return None

    url = DashBrowser(debug_app).update("img.src", [13])
    anonymous = ask_probe(debug_app, url)
    assert "the picture of img failed: 401 UNAUTHORIZED: sign in first" in html_text(
        anonymous
    )
    alice = server.test_client()
    alice.set_cookie("who", "alice")
    signed_in = ask_probe(debug_app, url, client=alice)
    assert "ValueError: unlucky thirteen" in html_text(signed_in)


@pytest.mark.parametrize("debug_app", [{}], ids=["unsigned"], indirect=True)
def test_the_probe_waits_for_a_render_slot_like_the_route(debug_app):
    state = debug_app.server.extensions["dash_images"]
    url = DashBrowser(debug_app).update("img.src", [3])
    slots = state.service.slots
    slots.wait = 0
    for _ in range(slots.size):
        slots.acquire()
    assert "503 Service Unavailable: too many pictures" in html_text(
        ask_probe(debug_app, url)
    )


def test_the_probe_takes_a_cached_picture_from_the_cache():
    images = DynamicImages(cache=Cache(config={"CACHE_TYPE": "SimpleCache"}))
    server = Flask(__name__)
    images.init_app(server)
    dash_app = Dash(__name__, server=server)
    dash_app.layout = dash_html.Div(
        [dcc.Input(id="n", value=2), dash_html.Img(id="img")]
    )
    calls = []

    @images.callback(Output("img", "src"), Input("n", "value"), deterministic=True)
    def square(n):
        calls.append(n)
        return Image.new("L", (n, n))

    dash_app.enable_dev_tools(debug=True)
    server.debug = True
    page = DashBrowser(dash_app)
    url = page.update("img.src", [3])
    assert page.get(url).status_code == 200
    assert ask_probe(dash_app, url).status_code == 204
    assert calls == [3]


def test_each_image_has_its_own_probe_named_by_its_id(dash_factory, images):
    dash_app = dash_factory(
        dash_html.Div(
            [
                dcc.Input(id="n", value=2),
                dash_html.Img(id="left"),
                dash_html.Img(id="right"),
                dash_html.Img(id={"type": "tile", "index": 0}),
            ]
        )
    )
    for image in ["left", "right"]:
        images.callback(Output(image, "src"), Input("n", "value"))(
            lambda n: Image.new("L", (n, n))
        )
    images.callback(Output({"type": "tile", "index": ALL}, "src"), Input("n", "value"))(
        lambda n: Image.new("L", (n, n))
    )
    dash_app.enable_dev_tools(debug=True)
    dash_app.server.debug = True
    found = probes(dash_app)
    assert sorted(found, key=str) == sorted(
        ["left", "right", '{"index":["MATCH"],"type":"tile"}'], key=str
    )
    assert found["left"]["output"] == f"left.{EXPLAINED}"


@pytest.mark.parametrize(
    ("flask_debug", "ui"), [(False, True), (True, False), (False, False)]
)
def test_no_probe_without_flasks_debug_and_the_dev_tools_ui(
    dash_factory, images, flask_debug, ui
):
    # DASH_UI=true alone (or dev tools without debug) is no reason to let a
    # client run generators through a callback.
    dash_app = dash_factory(
        dash_html.Div([dcc.Input(id="n", value=2), dash_html.Img(id="img")])
    )
    images.callback(Output("img", "src"), Input("n", "value"))(
        lambda n: Image.new("L", (n, n))
    )
    dash_app.enable_dev_tools(debug=True, dev_tools_ui=ui)
    dash_app.server.debug = flask_debug
    page = DashBrowser(dash_app)
    assert [d["output"] for d in page.dependencies] == ["img.src"]
    assert probes(dash_app) == {}


def test_the_page_script_names_the_probes_property():
    script = resources.files("flask_dash_images.dash").joinpath("assets/dash_images.js")
    assert f'var FAILED = "{FAILED}";' in script.read_text()


def test_the_probe_names_the_error_of_a_generator_in_a_worker_process(
    dash_factory, images
):
    dash_app = dash_factory(
        dash_html.Div([dcc.Input(id="n", value=2), dash_html.Img(id="img")]),
        config={"DASH_IMAGES_RENDER_PROCESSES": 1},
    )
    images.callback(Output("img", "src"), Input("n", "value"))(render_jobs.fails)
    dash_app.enable_dev_tools(debug=True)
    dash_app.server.debug = True
    try:
        url = DashBrowser(dash_app).update("img.src", [3])
        body = html_text(ask_probe(dash_app, url))
        assert (
            f"the picture of img failed: ValueError: no picture for 3 ({url})" in body
        )
        assert 'render_jobs.py", line' in body  # the worker's traceback
    finally:
        dash_app.server.extensions["dash_images"].service.runner.close()
