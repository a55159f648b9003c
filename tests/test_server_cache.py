"""A Flask-Caching cache keeps deterministic pictures; a hit skips the generator."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask_caching import Cache
from PIL import Image

from flask_dash_images import DynamicImages


@pytest.fixture
def cache():
    return Cache(config={"CACHE_TYPE": "SimpleCache"})


@pytest.fixture
def images(cache):
    return DynamicImages(cache=cache)


def get(images, app, client, name="tile", headers=None, **params):
    with app.test_request_context():
        url = images.url_for(name, **params)
    return client.get(url, headers=headers or {})


def test_init_app_sets_the_cache_up_on_the_app(images, cache, app):
    assert cache in app.extensions["cache"]


def test_a_cache_hit_never_calls_the_generator(
    images, app, client, register_tile, calls
):
    register_tile(deterministic=True)
    first = get(images, app, client, shade=9)
    second = get(images, app, client, shade=9)
    assert calls == [9]
    assert second.status_code == 200
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    get(images, app, client, shade=10)
    assert calls == [9, 10]


def test_each_app_keeps_its_own_simplecache_storage(
    images, app_factory, calls, register_tile, cache
):
    register_tile(deterministic=True)
    one, two = app_factory(), app_factory()
    get(images, one, one.test_client(), shade=1)
    # A second app with its own SimpleCache instance: its own storage.
    assert get(images, two, two.test_client(), shade=1).status_code == 200
    assert calls == [1, 1]
    get(images, one, one.test_client(), shade=1)
    assert calls == [1, 1]


def test_the_key_follows_the_negotiated_format(
    images, app, client, register_tile, calls
):
    register_tile(deterministic=True, format="auto")
    webp = get(images, app, client, headers={"Accept": "image/webp"}, shade=2)
    png = get(images, app, client, headers={"Accept": "image/png"}, shade=2)
    again = get(images, app, client, headers={"Accept": "image/webp"}, shade=2)
    assert (webp.mimetype, png.mimetype, again.mimetype) == (
        "image/webp",
        "image/png",
        "image/webp",
    )
    assert calls == [2, 2]
    assert again.data == webp.data


@pytest.mark.parametrize(
    ("options", "expected_calls"),
    [
        ({}, [4, 4]),  # not deterministic: never cached
        ({"deterministic": True, "cache_timeout": False}, [4, 4]),  # opted out
        ({"deterministic": True, "cache_timeout": 60}, [4]),
    ],
)
def test_which_generators_are_cached(
    images, app, client, register_tile, calls, options, expected_calls
):
    register_tile(**options)
    get(images, app, client, shade=4)
    get(images, app, client, shade=4)
    assert calls == expected_calls


def test_cache_timeout_reaches_the_cache(
    images, app, client, register_tile, cache, monkeypatch
):
    register_tile(deterministic=True, cache_timeout=17)
    timeouts = []
    original = cache.set
    monkeypatch.setattr(
        cache,
        "set",
        lambda k, v, timeout=None: (
            timeouts.append(timeout),
            original(k, v, timeout=timeout),
        )[1],
    )
    get(images, app, client, shade=4)
    assert timeouts == [17]


def test_a_cache_that_fails_costs_speed_not_the_request(register_tile, calls, caplog):
    # Nothing listens on port 1: every cache call fails.
    cache = Cache(
        config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    images = DynamicImages(cache=cache)
    images.generator(name="tile", deterministic=True)(
        lambda shade: Image.new("L", (2, 2), shade)
    )
    app = Flask(__name__)
    images.init_app(app)
    with caplog.at_level(logging.WARNING):
        response = get(images, app, app.test_client(), shade=3)
    assert response.status_code == 200
    assert "Image cache get failed" in caplog.text
