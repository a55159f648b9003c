"""Queries as browsers, forms and other clients write them: ``+`` is a space,
``%2B`` a plus, hex escapes in either case."""

from __future__ import annotations

import pytest
from PIL import Image


@pytest.fixture
def heard(images):
    heard = []

    @images.generator(name="echo")
    def echo(text, extra=None):
        heard.append(text)
        return Image.new("L", (1, 1))

    return heard


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("text=%22a+b%22", "a b"),
        ("text=%22+%22", " "),
        ("text=%22a++b+%22", "a  b "),
        ("text=%22a%20b%22", "a b"),
        ("text=%22a%2Bb%22", "a+b"),
        ("text=%22a%2bb%22", "a+b"),
        ("text=%22a+%2B+b%22", "a + b"),
        ("text=+%22a%22+", "a"),
        ("text=%22%c3%a9%22", "é"),
    ],
)
def test_the_generator_gets_what_the_client_meant(client, heard, query, text):
    response = client.get(f"/image_generator/echo.png?{query}")
    assert response.status_code == 200
    assert heard == [text]


def test_a_plus_in_a_parameter_name_is_a_space_too(client, heard):
    response = client.get("/image_generator/echo.png?text=%221%22&ex+tra=1")
    assert response.status_code == 400
    assert b"unexpected parameter 'ex tra'" in response.data
    assert heard == []


def test_urls_the_server_builds_write_a_plus_as_2b(images, app, client, heard):
    with app.test_request_context():
        url = images.url_for("echo", text="1+1 = 2")
    assert "%2B" in url and "+" not in url
    assert client.get(url).status_code == 200
    assert heard == ["1+1 = 2"]
