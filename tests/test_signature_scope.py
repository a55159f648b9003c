"""What a signature covers: this generator's path and the whole query, up to a
``_sig`` that comes last. A signed URL cannot be replayed elsewhere."""

from __future__ import annotations

import pytest
from PIL import Image


@pytest.fixture
def drawn():
    return []


@pytest.fixture
def thumb_and_poster(images, drawn):
    """Two generators with the same parameters: a cheap one and a costly one."""

    @images.generator(name="thumb")
    def thumb(size, label="x"):
        drawn.append(("thumb", size, label))
        return Image.new("L", (size, size))

    @images.generator(name="poster")
    def poster(size, label="x"):
        drawn.append(("poster", size, label))
        return Image.new("L", (size * 10, size * 10))


def signed_url(images, app, name="thumb", **params):
    with app.test_request_context():
        return images.url_for(name, **params)


@pytest.fixture
def signing(app_factory):
    return app_factory(SECRET_KEY="one")


def test_a_signed_url_moved_to_another_generator_is_403(
    images, signing, thumb_and_poster, drawn
):
    client = signing.test_client()
    url = signed_url(images, signing, size=4)
    moved = url.replace("/thumb.png?", "/poster.png?")
    assert moved != url
    response = client.get(moved)
    assert response.status_code == 403
    assert response.mimetype == "text/plain"
    assert drawn == []
    assert client.get(url).status_code == 200
    assert drawn == [("thumb", 4, "x")]


def test_each_generator_signs_its_own_urls(images, signing, thumb_and_poster):
    thumb = signed_url(images, signing, "thumb", size=4)
    poster = signed_url(images, signing, "poster", size=4)
    assert thumb.partition("?")[2] != poster.partition("?")[2]
    client = signing.test_client()
    assert client.get(thumb).status_code == client.get(poster).status_code == 200


@pytest.mark.parametrize(
    "after", ["&label=%22y%22", "&size=400", "&_v=2", "&_sig=AAAA", "&"]
)
def test_parameters_after_the_signature_are_403(
    images, signing, thumb_and_poster, drawn, after
):
    url = signed_url(images, signing, size=4)
    response = signing.test_client().get(url + after)
    assert response.status_code == 403
    assert drawn == []


def test_a_signature_moved_to_the_front_is_403(
    images, signing, thumb_and_poster, drawn
):
    url = signed_url(images, signing, size=4)
    path, _, query = url.partition("?")
    values, _, signature = query.rpartition("&")
    response = signing.test_client().get(f"{path}?{signature}&{values}")
    assert response.status_code == 403
    assert drawn == []


@pytest.mark.parametrize(
    "query", ["size=4&_sig=abc&label=%22y%22", "_sig=abc&size=4", "size=4&_sig=&_v=1"]
)
def test_a_sig_that_is_not_last_is_400_on_an_unsigned_app(
    client, thumb_and_poster, drawn, query
):
    response = client.get(f"/image_generator/thumb.png?{query}")
    assert response.status_code == 400
    assert b"'_sig' must be the last parameter" in response.data
    assert drawn == []
