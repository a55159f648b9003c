"""ETags, 304s without the generator, Cache-Control, versions in URLs."""

from __future__ import annotations

import pytest

from flask_dash_images import RegistrationError


def get_url(images, app, name="tile", **params):
    with app.test_request_context():
        return images.url_for(name, **params)


def test_deterministic_revalidation_is_304_without_the_generator(
    images, app, client, register_tile, calls
):
    register_tile(deterministic=True)
    url = get_url(images, app, shade=10)
    first = client.get(url)
    assert first.status_code == 200 and calls == [10]

    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert calls == [10]
    assert again.headers["ETag"] == first.headers["ETag"]


def test_the_deterministic_etag_comes_from_the_url(images, app, client, register_tile):
    register_tile(deterministic=True)
    a = client.get(get_url(images, app, shade=10)).headers["ETag"]
    b = client.get(get_url(images, app, shade=11)).headers["ETag"]
    assert a != b
    # The same value written differently: the same canonical URL and ETag.
    assert client.get("/image_generator/tile.png?shade=%2010%20").headers["ETag"] == a


def test_without_deterministic_a_revalidation_renders_and_compares(
    images, app, client, register_tile, calls
):
    register_tile()
    url = get_url(images, app, shade=3)
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert calls == [3, 3]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {"private", "no-cache"}),
        ({"max_age": 60}, {"private", "max-age=60"}),
        ({"max_age": 0, "public": True}, {"public", "max-age=0"}),
        ({"public": True}, {"public", "no-cache"}),
    ],
)
def test_cache_control(images, app, client, register_tile, options, expected):
    register_tile(**options)
    response = client.get(get_url(images, app, shade=1))
    assert set(response.headers["Cache-Control"].replace(" ", "").split(",")) == (
        expected
    )


def test_a_304_carries_the_same_cache_control(images, app, client, register_tile):
    register_tile(deterministic=True, max_age=30)
    url = get_url(images, app, shade=1)
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert "max-age=30" in again.headers["Cache-Control"]


def test_version_goes_into_the_url_and_the_etag(images, app_factory, register_tile):
    register_tile(deterministic=True, version="v2")
    app = app_factory(DASH_IMAGES_VERSION="build7")
    client = app.test_client()
    url = get_url(images, app, shade=5)
    assert url.endswith("shade=5&_v=build7.v2")
    assert client.get(url).status_code == 200
    old = client.get("/image_generator/tile.png?shade=5&_v=build6.v2")
    assert old.status_code == 200
    assert old.headers["ETag"] != client.get(url).headers["ETag"]


@pytest.mark.parametrize(
    "query",
    ["shade=5&_v=build8.v2", "shade=5&_v=made-up", "shade=5"],
    ids=["newer", "made up", "none"],
)
def test_a_url_of_another_version_is_served_uncacheable(
    images, app_factory, register_tile, calls, query
):
    register_tile(deterministic=True, version="v2", max_age=3600, public=True)
    app = app_factory(DASH_IMAGES_VERSION="build7")
    client = app.test_client()
    current = client.get(get_url(images, app, shade=5))
    # A rolling deploy: the new page's URL reaches a server of the old code.
    response = client.get(f"/image_generator/tile.png?{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["ETag"] != current.headers["ETag"]
    # Its ETag is the bytes', never the URL's: no revalidation without drawing.
    again = client.get(
        f"/image_generator/tile.png?{query}",
        headers={"If-None-Match": current.headers["ETag"]},
    )
    assert again.status_code == 200
    assert calls == [5, 5, 5]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_age": -1}, "max_age"),
        ({"max_age": "60"}, "max_age"),
        ({"version": "a b"}, "version"),
        ({"cache_timeout": "x"}, "cache_timeout"),
    ],
)
def test_bad_options_fail_at_registration(register_tile, options, message):
    with pytest.raises(RegistrationError, match=message):
        register_tile(**options)


@pytest.mark.parametrize(
    "matching",
    [
        lambda etag: f'"x", {etag}',
        lambda etag: f"W/{etag}",
        lambda etag: "*",
    ],
    ids=["a list of etags", "a weak etag", "any"],
)
@pytest.mark.parametrize(
    "deterministic", [True, False], ids=["deterministic", "not deterministic"]
)
def test_every_form_of_a_matching_if_none_match_is_304(
    images, app, client, register_tile, calls, deterministic, matching
):
    # What browsers and caches send: a cache holding several copies lists
    # their ETags, a proxy may weaken one, and "*" matches any picture.
    register_tile(deterministic=deterministic)
    url = get_url(images, app, shade=10)
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": matching(etag)})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    # A deterministic picture is revalidated from its URL alone.
    assert calls == ([10] if deterministic else [10, 10])
    # An ETag that matches none of them is a 200 with the picture.
    other = client.get(url, headers={"If-None-Match": '"x", W/"y"'})
    assert other.status_code == 200 and other.headers["ETag"] == etag
