"""``images.url_for`` on an image callback: the URL under the prefix of the
Dash app it is bound to, never a dead link at the root."""

from __future__ import annotations

import pytest
from dash import Dash, Input, Output, dcc, html
from flask import Flask, render_template_string
from PIL import Image

from flask_dash_images import DynamicImages, UrlBuildError, image_callback


def layout():
    return html.Div([dcc.Input(id="x", value=1), html.Img(id="picture")])


def draw(x):
    return Image.new("L", (x, 3), 120)


def dash_app_on(server, **options):
    dash_app = Dash(__name__, server=server, **options)
    dash_app.layout = layout()
    return dash_app


@pytest.fixture
def server(images):
    server = Flask(__name__)
    images.init_app(server)
    return server


def test_the_url_is_under_the_dash_apps_prefix(images, server):
    dash_app_on(server, url_base_pathname="/dash/")
    images.callback(Output("picture", "src"), Input("x", "value"), name="picture")(draw)
    client = server.test_client()
    client.get("/dash/")
    with server.test_request_context():
        url = images.url_for("picture", x=80)
        assert images.url_for(draw, x=80) == url
    assert url == "/dash/image_generator/picture.png?x=80"
    response = client.get(url)
    assert response.status_code == 200
    assert client.get("/image_generator/picture.png?x=80").status_code == 404


def test_the_url_is_where_the_browser_reaches_the_dash_app(images, server):
    # Behind a proxy that strips /proxy/: Dash serves at / and the browser
    # asks at /proxy/.
    dash_app_on(server, routes_pathname_prefix="/", requests_pathname_prefix="/proxy/")
    images.callback(Output("picture", "src"), Input("x", "value"), name="picture")(draw)
    server.test_client().get("/")
    with server.test_request_context():
        assert images.url_for("picture", x=2).startswith(
            "/proxy/image_generator/picture.png?"
        )


def test_an_image_callback_of_one_dash_app_gets_its_prefix(images, server):
    dash_app_on(server, url_base_pathname="/public/")
    admin = dash_app_on(server, url_base_pathname="/admin/")
    image_callback(admin, Output("picture", "src"), Input("x", "value"))(draw)
    server.test_client().get("/admin/")
    with server.test_request_context():
        url = images.url_for(draw, x=3)
    assert url.startswith("/admin/image_generator/")
    assert server.test_client().get(url).status_code == 200


def test_several_dash_apps_ask_which(images, server):
    public = dash_app_on(server, url_base_pathname="/public/")
    admin = dash_app_on(server, url_base_pathname="/admin/")
    images.callback(Output("picture", "src"), Input("x", "value"), name="picture")(draw)
    client = server.test_client()
    client.get("/public/")
    with server.test_request_context():
        with pytest.raises(UrlBuildError, match=r"'/admin/', '/public/'.*_dash_app="):
            images.url_for("picture", x=1)
        public_url = images.url_for("picture", _dash_app=public, x=1)
        admin_url = images.url_for("picture", _dash_app=admin, x=1)
        other = Dash(__name__, server=Flask(__name__), url_base_pathname="/other/")
        with pytest.raises(UrlBuildError, match="'/other/' does not have"):
            images.url_for("picture", _dash_app=other, x=1)
    assert public_url == "/public/image_generator/picture.png?x=1"
    assert admin_url == "/admin/image_generator/picture.png?x=1"
    assert client.get(public_url).status_code == 200
    assert client.get(admin_url).status_code == 200


def test_before_the_dash_apps_set_up_the_error_says_so(images, server):
    dash_app_on(server, url_base_pathname="/dash/")
    images.callback(Output("picture", "src"), Input("x", "value"), name="picture")(draw)
    with server.app_context(), pytest.raises(UrlBuildError, match="first request"):
        images.url_for("picture", x=1)


def test_signed_dash_urls_are_signed(images):
    server = Flask(__name__)
    server.config.update(SECRET_KEY="k", DASH_IMAGES_SIGN=True)
    images.init_app(server)
    dash_app_on(server, url_base_pathname="/dash/")
    images.callback(Output("picture", "src"), Input("x", "value"), name="picture")(draw)
    client = server.test_client()
    client.get("/dash/")
    with server.test_request_context():
        url = images.url_for("picture", x=4)
    assert "&_sig=" in url
    assert client.get(url).status_code == 200
    assert client.get(url.replace("x=4", "x=5")).status_code == 403


def test_a_plain_generator_is_at_the_root_as_before(images, server):
    dash_app_on(server, url_base_pathname="/dash/")
    images.generator(name="badge")(lambda text="": Image.new("L", (2, 2)))
    with server.test_request_context():
        assert images.url_for("badge", text="a") == (
            "/image_generator/badge.png?text=%22a%22"
        )


def test_dynamic_image_url_in_a_template_takes_the_dash_app(images, server):
    dash_app_on(server, url_base_pathname="/dash/")
    images.callback(Output("picture", "src"), Input("x", "value"), name="picture")(draw)
    server.test_client().get("/dash/")
    with server.test_request_context():
        html_text = render_template_string(
            "<img src=\"{{ dynamic_image_url('picture', x=7) }}\">"
        )
    assert html_text == '<img src="/dash/image_generator/picture.png?x=7">'


def test_unknown_names_are_still_refused(images, server):
    with server.test_request_context(), pytest.raises(UrlBuildError, match="named"):
        DynamicImages.of(server).url_for("nothing")
