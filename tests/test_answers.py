"""What the image route answers: 200 + ETag, 304, 404, 400, 500, abort(4xx)."""

from __future__ import annotations

import logging

import pytest
from dash import Input, Output, dcc, html
from flask import abort
from PIL import Image

from .conftest import decode


@pytest.fixture
def square(images, app):
    @images.generator(name="square")
    def square(size, colour="black"):
        if size == 13:
            raise ValueError("unlucky size")
        if size == 0:
            abort(422, "size must be positive")
        if size == 99:
            return {"not": "a picture"}
        return Image.new("RGB", (size, size), colour)

    return square


def url(images, app, **params):
    with app.test_request_context():
        return images.url_for("square", **params)


def test_a_picture_has_its_mimetype_and_an_etag(images, app, client, square):
    response = client.get(url(images, app, size=3, colour="red"))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_etag()[0]
    assert decode(response.data).getpixel((1, 1)) == (255, 0, 0)


def test_if_none_match_gets_304(images, app, client, square):
    first = client.get(url(images, app, size=3))
    again = client.get(
        url(images, app, size=3), headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.data == b""
    changed = client.get(
        url(images, app, size=4), headers={"If-None-Match": first.headers["ETag"]}
    )
    assert changed.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/image_generator/nothere.png",
        "/image_generator/square.jpeg",
        "/image_generator/square",
        "/image_generator/a/b.png",
        "/image_generator/",
    ],
)
def test_unknown_urls_are_404(client, square, path):
    response = client.get(path + "?size=3")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_unknown_guids_never_fall_through_to_dash(dash_factory, images):
    dash_app = dash_factory(html.Div([dcc.Input(id="x"), html.Img(id="img")]))
    images.callback(Output("img", "src"), Input("x", "value"))(
        lambda x: Image.new("L", (1, 1))
    )
    client = dash_app.server.test_client()
    assert client.get("/some/page").status_code == 200  # Dash's own catch-all
    response = client.get("/image_generator/0123456789abcdef0123.png?x=1")
    assert response.status_code == 404
    assert b"<html" not in response.data.lower()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "missing parameter 'size'"),
        ("size=3&shape=1", "unexpected parameter 'shape'"),
        ("size=three", "parameter 'size' is not valid JSON"),
        ("size=%E2%28", "not valid UTF-8"),
        ("size=3&size=4", "repeated"),
    ],
)
def test_bad_values_are_400_with_a_plain_message(client, square, query, message):
    response = client.get(f"/image_generator/square.png?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert message in response.get_data(as_text=True)


def test_a_generator_that_raises_is_500_with_the_traceback_in_the_log(
    images, app, client, square, caplog
):
    with caplog.at_level(logging.ERROR):
        response = client.get(url(images, app, size=13))
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "unlucky" not in body and "Traceback" not in body
    (record,) = caplog.records
    logged = record.getMessage()
    assert "Image generator tests.test_answers.square.<locals>.square failed" in logged
    assert "Traceback (most recent call last)" in logged
    assert 'raise ValueError("unlucky size")' in logged
    assert logged.endswith("ValueError: unlucky size")


def test_values_quoted_in_an_error_cannot_forge_log_lines(images, app, client, caplog):
    @images.generator(name="echo")
    def echo(text):
        raise ValueError(f"bad text {text}")

    with app.test_request_context():
        url = images.url_for("echo", text="x\nINFO forged line\r\x1b[31m")
    with caplog.at_level(logging.ERROR):
        assert client.get(url).status_code == 500
    (record,) = caplog.records
    last = record.getMessage().splitlines()[-1]
    assert last == "ValueError: bad text x\\nINFO forged line\\r\\x1b[31m"


def test_a_result_that_is_not_a_picture_is_500_and_logged(
    images, app, client, square, caplog
):
    with caplog.at_level(logging.ERROR):
        response = client.get(url(images, app, size=99))
    assert response.status_code == 500
    assert "dict" in caplog.text and "not a picture" in caplog.text


def test_without_debug_a_failing_generator_gets_a_generic_500(images, app, square):
    app.testing = False
    response = app.test_client().get(url(images, app, size=13))
    assert response.status_code == 500
    assert b"unlucky" not in response.data and b"Traceback" not in response.data


def test_a_generator_may_abort_with_a_client_error(images, app, client, square):
    response = client.get(url(images, app, size=0))
    assert response.status_code == 422
    assert b"size must be positive" in response.data
