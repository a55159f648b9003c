"""Dash's dev tools (``app.run(debug=True)``): statuses kept, errors shown."""

from __future__ import annotations

import html
from importlib import resources

import pytest
from dash import Input, Output, dcc
from dash import html as dash_html
from PIL import Image

from flask_dash_images.clientside import PROBE_ID

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

PROBE = PROBE_ID


def ask_probe(dash_app, url):
    """What dash-renderer posts when the page script sends ``url`` to the
    probe's store (a callback with no outputs)."""
    client = dash_app.server.test_client()
    dependencies = client.get("/_dash-dependencies").get_json()
    (probe,) = [d for d in dependencies if d["inputs"][0]["id"] == PROBE]
    return client.post(
        "/_dash-update-component",
        json={
            "output": probe["output"],
            "outputs": [],
            "inputs": [{"id": PROBE, "property": "data", "value": url}],
            "changedPropIds": [f"{PROBE}.data"],
            "state": [],
        },
    )


def html_text(response):
    return html.unescape(response.get_data(as_text=True))


def layout_text(dash_app):
    return dash_app.server.test_client().get("/_dash-layout").get_data(as_text=True)


@pytest.mark.parametrize("debug_app", [{}], ids=["unsigned"], indirect=True)
def test_the_probe_raises_the_generators_error_for_dash(debug_app):
    page = DashBrowser(debug_app)
    url = "http://localhost" + page.update("img.src", [13])
    response = ask_probe(debug_app, url)
    # Dash's dev tools show a callback's 500 page in their error list.
    assert response.status_code == 500
    body = html_text(response)
    assert f"PictureFailed: the picture {url} failed: ValueError" in body
    assert "unlucky thirteen" in body
    assert 'raise ValueError("unlucky thirteen")' in body


@pytest.mark.parametrize("debug_app", [{}], ids=["unsigned"], indirect=True)
def test_the_probe_explains_a_bad_url(debug_app):
    page = DashBrowser(debug_app)
    url = page.update("img.src", [2]).replace("n=2", "n=%5B")
    response = ask_probe(debug_app, url)
    assert response.status_code == 500
    assert "400 Bad Request: parameter 'n' is not valid JSON" in html_text(response)


@pytest.mark.parametrize("debug_app", [{}], ids=["unsigned"], indirect=True)
def test_the_probe_is_quiet_when_the_picture_renders(debug_app):
    page = DashBrowser(debug_app)
    assert ask_probe(debug_app, page.update("img.src", [3])).status_code == 204


def test_without_dev_tools_there_is_no_probe(debug_app, dash_factory, images):
    # Nothing a client could post to, nothing in the page.
    assert PROBE in layout_text(debug_app)
    dash_app = dash_factory(
        dash_html.Div([dcc.Input(id="n", value=2), dash_html.Img(id="img")])
    )

    @images.callback(Output("img", "src"), Input("n", "value"))
    def square(n):
        return Image.new("L", (n, n))

    page = DashBrowser(dash_app)
    assert [d["output"] for d in page.dependencies] == ["img.src"]
    assert PROBE not in layout_text(dash_app)


def test_the_page_script_names_the_probes_store():
    script = resources.files("flask_dash_images").joinpath("assets/dash_images.js")
    assert f'var PROBE = "{PROBE_ID}";' in script.read_text()
