"""DASH_IMAGES_MAX_URL_LENGTH and DASH_IMAGES_MAX_PIXELS."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest
from dash import Input, Output, dcc, html
from PIL import Image

from flask_dash_images import ConfigurationError, UrlBuildError

from .dash_browser import DashBrowser, post_update


@pytest.fixture
def echo(images):
    @images.generator(name="echo")
    def echo(text, size=1):
        return Image.new("L", (size, size))

    return echo


def test_the_default_fits_under_gunicorns_request_line_limit(app, images, echo):
    limit = app.config["DASH_IMAGES_MAX_URL_LENGTH"]
    with app.test_request_context():
        url = images.url_for("echo", text="x" * (limit - 20))
    request_line = f"GET {url} HTTP/1.1"
    assert len(request_line) <= 4094


def test_building_a_longer_url_fails_clearly(app_factory, images, echo):
    app = app_factory(DASH_IMAGES_MAX_URL_LENGTH=100)
    with app.test_request_context(), pytest.raises(UrlBuildError) as error:
        images.url_for("echo", text="x" * 200)
    assert "DASH_IMAGES_MAX_URL_LENGTH" in str(error.value)
    assert "an id or a key" in str(error.value)


def nested(depth):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (list(range(2000)), "DASH_IMAGES_MAX_URL_LENGTH"),
        ("x" * 5000, "DASH_IMAGES_MAX_URL_LENGTH"),
        (nested(400), "nest deeper than 32 levels"),
        (nested(33), "nest deeper than 32 levels"),
        (float("nan"), "not a JSON number"),
        (float("inf"), "not a JSON number"),
    ],
    ids=["long list", "long string", "400 deep", "33 deep", "NaN", "Infinity"],
)
def test_a_value_no_url_can_hold_leaves_the_picture_as_it_is(
    dash_factory, images, caplog, value, why
):
    dash_app = dash_factory(html.Div([dcc.Store(id="data"), html.Img(id="img")]))
    # The server builds the URL (a client may post any JSON to it).
    images.callback(Output("img", "src"), Input("data", "data"), clientside=False)(
        lambda data: Image.new("L", (1, 1))
    )
    body = {
        "output": "img.src",
        "outputs": {"id": "img", "property": "src"},
        "inputs": [{"id": "data", "property": "data", "value": value}],
        "changedPropIds": ["data.data"],
    }
    client = dash_app.server.test_client()
    with caplog.at_level(logging.WARNING):
        response = post_update(client, "/_dash-update-component", body)
    # Dash's answer to PreventUpdate: no content, the src stays as it was.
    assert response.status_code == 204
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert why in record.getMessage()
    assert "the picture is left as it is" in record.getMessage()


def test_32_levels_of_nesting_are_a_value(dash_factory, images):
    dash_app = dash_factory(html.Div([dcc.Store(id="data"), html.Img(id="img")]))
    seen = []
    images.callback(Output("img", "src"), Input("data", "data"))(
        lambda data: seen.append(data) or Image.new("L", (1, 1))
    )
    page = DashBrowser(dash_app)
    response = page.get(page.update("img.src", [nested(32)]))
    assert response.status_code == 200
    assert seen == [nested(32)]


@pytest.mark.parametrize(("depth", "status"), [(32, 200), (33, 400), (400, 400)])
def test_the_route_refuses_values_nested_deeper_than_32(client, images, depth, status):
    images.generator(name="deep", deterministic=True)(lambda v: Image.new("L", (1, 1)))
    response = client.get(
        "/image_generator/deep.png?v=" + "%5B" * depth + "%5D" * depth
    )
    assert response.status_code == status
    if status == 400:
        assert response.get_data(as_text=True) == (
            "400 Bad Request: parameter 'v': lists and objects nest deeper"
            " than 32 levels\n"
        )


@pytest.mark.parametrize(("depth", "status"), [(32, 200), (33, 400), (200, 400)])
def test_objects_count_as_nesting_as_lists_do(client, images, depth, status):
    seen = []
    images.generator(name="deep", deterministic=True)(
        lambda v: seen.append(v) or Image.new("L", (1, 1))
    )
    # {"a":{"a":...{"a":0}...}}: objects, and no list at all.
    text = '{"a":' * depth + "0" + "}" * depth
    response = client.get("/image_generator/deep.png?v=" + quote(text))
    assert response.status_code == status
    if status == 400:
        assert response.get_data(as_text=True) == (
            "400 Bad Request: parameter 'v': lists and objects nest deeper"
            " than 32 levels\n"
        )
        assert seen == []
    else:
        assert seen == [json.loads(text)]


def test_the_route_answers_414_to_longer_queries(app, client, echo):
    limit = app.config["DASH_IMAGES_MAX_URL_LENGTH"]
    response = client.get("/image_generator/echo.png?text=" + "a" * limit)
    assert response.status_code == 414


def test_a_picture_over_max_pixels_is_not_encoded(app_factory, images, caplog):
    images.generator(name="big")(lambda side: Image.new("L", (side, side)))
    app = app_factory(DASH_IMAGES_MAX_PIXELS=100 * 100)
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        assert client.get("/image_generator/big.png?side=100").status_code == 200
        response = client.get("/image_generator/big.png?side=101")
    assert response.status_code == 500
    assert "101x101, more than the 10000 pixels DASH_IMAGES_MAX_PIXELS" in caplog.text


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DASH_IMAGES_MAX_URL_LENGTH", 0),
        ("DASH_IMAGES_MAX_URL_LENGTH", "4000"),
        ("DASH_IMAGES_MAX_PIXELS", -1),
        ("DASH_IMAGES_SIGN", "yes"),
        ("DASH_IMAGES_VERSION", "a/b"),
    ],
)
def test_bad_configuration_fails_at_init_app(app_factory, key, value):
    with pytest.raises(ConfigurationError, match=key):
        app_factory(**{key: value})
