"""DASH_IMAGES_MAX_URL_LENGTH at its edge: a query of exactly the limit is
served, one byte more is 414, on the route and in url_for alike."""

from __future__ import annotations

import pytest
from PIL import Image

from flask_dash_images import UrlBuildError

# text=%22 ... %22: the query's bytes around the text's letters.
FRAME = len("text=%22%22")


@pytest.fixture
def heard(images):
    heard = []

    @images.generator(name="echo")
    def echo(text):
        heard.append(text)
        return Image.new("L", (1, 1))

    return heard


def query_of(length):
    return "text=%22" + "a" * (length - FRAME) + "%22"


@pytest.mark.parametrize("limit", [None, 64, FRAME + 1])
def test_a_query_of_exactly_the_limit_is_served_one_byte_more_is_414(
    app_factory, heard, limit
):
    app = app_factory(
        **({} if limit is None else {"DASH_IMAGES_MAX_URL_LENGTH": limit})
    )
    limit = app.config["DASH_IMAGES_MAX_URL_LENGTH"]
    client = app.test_client()
    at_limit = query_of(limit)
    assert len(at_limit) == limit
    response = client.get(f"/image_generator/echo.png?{at_limit}")
    assert response.status_code == 200
    assert heard == ["a" * (limit - FRAME)]
    response = client.get(f"/image_generator/echo.png?{query_of(limit + 1)}")
    assert response.status_code == 414
    assert response.mimetype == "text/plain"
    assert str(limit).encode() in response.data
    assert len(heard) == 1


def test_the_limit_counts_query_bytes_as_sent(app_factory, heard):
    app = app_factory(DASH_IMAGES_MAX_URL_LENGTH=FRAME + 6)
    client = app.test_client()
    # One "é" is six bytes as sent (%C3%A9), one letter when decoded.
    assert client.get("/image_generator/echo.png?text=%22%C3%A9%22").status_code == 200
    response = client.get("/image_generator/echo.png?text=%22%C3%A9a%22")
    assert response.status_code == 414
    assert heard == ["é"]


@pytest.mark.parametrize("config", [{}, {"SECRET_KEY": "k"}])
def test_url_for_builds_exactly_the_limit_and_refuses_one_byte_more(
    images, app_factory, heard, config
):
    app = app_factory(DASH_IMAGES_MAX_URL_LENGTH=200, **config)
    with app.test_request_context():
        signature = len(images.url_for("echo", text="")) - len(
            "/image_generator/echo.png?" + query_of(FRAME)
        )
        letters = 200 - FRAME - signature
        url = images.url_for("echo", text="a" * letters)
        assert len(url.partition("?")[2]) == 200
        with pytest.raises(UrlBuildError, match="DASH_IMAGES_MAX_URL_LENGTH"):
            images.url_for("echo", text="a" * (letters + 1))
    assert app.test_client().get(url).status_code == 200
    assert heard == ["a" * letters]
