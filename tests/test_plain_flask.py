"""Generators in a plain Flask app: url_for, the template global, keyword calls."""

from __future__ import annotations

import functools
import io

import pytest
from flask import render_template_string
from PIL import Image

from flask_dash_images import RegistrationError, UrlBuildError

from .conftest import decode


@pytest.fixture
def bar(images):
    @images.generator(name="bar")
    def bar(height, colour="grey"):
        return Image.new("RGB", (4, height), colour)

    return bar


def test_url_for_by_name_and_by_function(images, app, bar):
    with app.test_request_context():
        by_name = images.url_for("bar", height=5)
        by_function = images.url_for(bar, height=5)
    assert by_name == by_function == "/image_generator/bar.png?height=5"


def test_optional_parameters_may_be_left_out(images, app, client, bar):
    with app.test_request_context():
        plain = images.url_for("bar", height=2)
        red = images.url_for("bar", height=2, colour="red")
    assert decode(client.get(plain).data).getpixel((0, 0)) == (128, 128, 128)
    assert decode(client.get(red).data).getpixel((0, 0)) == (255, 0, 0)


def test_templates_get_dynamic_image_url(app, client, bar):
    with app.test_request_context():
        html = render_template_string(
            '<img src="{{ dynamic_image_url("bar", height=3, colour="#00f") }}">'
        )
    src = html.split('"')[1].replace("&amp;", "&")
    response = client.get(src)
    assert response.status_code == 200
    assert decode(response.data).size == (4, 3)
    assert decode(response.data).getpixel((0, 0)) == (0, 0, 255)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "missing parameter"),
        ({"height": 1, "width": 2}, "unknown parameter"),
        ({"height": object()}, "not a JSON value"),
        ({"height": float("nan")}, "not a JSON number"),
    ],
)
def test_url_for_refuses_parameters_that_do_not_fit(images, app, bar, params, message):
    with app.test_request_context(), pytest.raises(UrlBuildError, match=message):
        images.url_for("bar", **params)


def test_url_for_an_unknown_generator(images, app):
    with app.test_request_context(), pytest.raises(UrlBuildError, match="no image"):
        images.url_for("nothing")


def test_url_for_a_function_not_registered_names_it(images, app):
    def tile(shade):
        return Image.new("L", (1, 1), shade)

    message = r"functools\.partial\(.*\.tile\) is not registered; look it up by name"
    with app.test_request_context(), pytest.raises(UrlBuildError, match=message):
        images.url_for(functools.partial(tile, 3))


def test_generators_get_keyword_arguments(images, app, client):
    seen = []

    @images.generator()
    def keywords(*, a, b):
        seen.append((a, b))
        return Image.new("L", (1, 1))

    with app.test_request_context():
        response = client.get(images.url_for(keywords, b=[1, 2], a={"x": None}))
    assert response.status_code == 200
    assert seen == [({"x": None}, [1, 2])]


def test_a_partial_is_a_generator_too(images, app, client):
    # A callable object that is no function (a functools.partial, an
    # instance with __call__): with a name, as it has no qualified name to
    # derive one from.
    def tile(shade, size=4):
        return Image.new("L", (size, size), shade)

    images.generator(name="tile")(functools.partial(tile, size=3))
    response = client.get("/image_generator/tile.png?shade=9")
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.data)).size == (3, 3)
    with pytest.raises(RegistrationError, match=r"functools\.partial.*name="):
        images.generator()(functools.partial(tile, size=2))


def test_a_partial_with_a_positional_only_parameter_is_refused(images):
    def tile(shade, /, size=4):
        return Image.new("L", (size, size), shade)

    with pytest.raises(RegistrationError, match=r"positional-only parameters"):
        images.generator(name="tile")(functools.partial(tile, size=3))
