"""A Flask-Caching cache keeps deterministic pictures; a hit skips the generator."""

from __future__ import annotations

import logging
import time

import pytest
from flask import Flask
from flask_caching import Cache
from PIL import Image

from flask_dash_images import ConfigurationError, DynamicImages

from .conftest import decode


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
    backend = app.extensions["cache"][cache]
    original = backend.set
    monkeypatch.setattr(
        backend,
        "set",
        lambda k, v, timeout=None: (
            timeouts.append(timeout),
            original(k, v, timeout=timeout),
        )[1],
    )
    get(images, app, client, shade=4)
    assert timeouts == [17]


def redis_cache(url: str, **options: float) -> Cache:
    return Cache(
        config={
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": url,
            "CACHE_OPTIONS": options,
        }
    )


def failing_app(calls, **config):
    # Nothing listens on port 1: every cache call fails at once.
    cache = redis_cache(
        "redis://127.0.0.1:1/0", socket_timeout=0.5, socket_connect_timeout=0.5
    )
    images = DynamicImages(cache=cache)

    @images.generator(name="tile", deterministic=True)
    def tile(shade):
        calls.append(shade)
        return Image.new("L", (2, 2), shade)

    app = Flask(__name__)
    app.config.update(config)
    images.init_app(app)
    return images, app


def test_a_cache_that_fails_costs_speed_not_the_request(calls, caplog):
    images, app = failing_app(calls)
    with caplog.at_level(logging.WARNING):
        response = get(images, app, app.test_client(), shade=3)
    assert response.status_code == 200
    assert calls == [3]
    assert "Image cache get failed (ConnectionError" in caplog.text


def test_a_failing_cache_is_skipped_and_logged_once_per_opening(calls, caplog):
    images, app = failing_app(calls, DASH_IMAGES_CACHE_RETRY=60)
    backend = app.extensions["cache"][images.cache]
    tries = []
    original = backend.get
    backend.get = lambda key: (tries.append(key), original(key))[1]
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        statuses = [get(images, app, client, shade=s).status_code for s in range(10)]
    assert statuses == [200] * 10
    assert len(tries) == 1
    warnings = [r for r in caplog.records if "Image cache" in r.getMessage()]
    assert len(warnings) == 1
    assert "skipping the cache for 60s" in warnings[0].getMessage()


def test_the_cache_is_tried_again_after_the_retry_interval(calls, caplog):
    images, app = failing_app(calls, DASH_IMAGES_CACHE_RETRY=0.2)
    backend = app.extensions["cache"][images.cache]
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        get(images, app, client, shade=1)
        time.sleep(0.3)
        # The cache answers again: the next request uses it, and says so once.
        store = {}
        backend.get = store.get
        backend.set = lambda key, value, timeout=None: store.__setitem__(key, value)
        get(images, app, client, shade=2)
        get(images, app, client, shade=2)
    assert calls == [1, 2]
    messages = [r.getMessage() for r in caplog.records]
    assert sum("skipping the cache" in m for m in messages) == 1
    assert sum("answers again" in m for m in messages) == 1


def test_a_redis_client_that_could_wait_forever_is_refused_at_init_app():
    images = DynamicImages(cache=redis_cache("redis://127.0.0.1:1/0"))
    with pytest.raises(ConfigurationError) as error:
        images.init_app(Flask(__name__))
    message = str(error.value)
    assert "socket_timeout" in message and "CACHE_OPTIONS" in message


def test_a_url_of_another_version_is_never_stored(
    images, app_factory, register_tile, calls, cache
):
    register_tile(deterministic=True, max_age=60)
    app = app_factory(DASH_IMAGES_VERSION="2")
    client = app.test_client()
    with app.test_request_context():
        url = images.url_for("tile", shade=5)
    assert "_v=2" in url
    old = url.replace("_v=2", "_v=1")
    for _ in range(2):
        response = client.get(old)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    assert calls == [5, 5]
    current = client.get(url)
    assert current.headers["Cache-Control"] == "private, max-age=60"
    assert current.headers["ETag"] != response.headers["ETag"]
    assert client.get(url).status_code == 200
    assert calls == [5, 5, 5]


def test_cache_keys_are_short_and_pinned(images, app, client, register_tile, cache):
    # memcached allows 250 bytes; the key is pinned so that entries written
    # before a deploy stay valid after it. It covers the app's name
    # ("tests.conftest"), the same in every worker and host of one app.
    register_tile(deterministic=True)
    get(images, app, client, shade=7)
    keys = list(app.extensions["cache"][cache]._cache)
    assert keys == ["dash_images:e0f483e533c6ee88df0add30ee3cf0f9dd67c5a4"]


def test_apps_sharing_one_cache_keep_their_own_pictures(tmp_path):
    # A cache all the apps' processes share (FileSystemCache in one folder
    # here, Redis in production): two apps with a generator of the same name
    # and different drawings never see each other's; two processes of one
    # app (same name) share.
    config = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path)}

    def process(app_name, shade):
        images = DynamicImages(cache=Cache(config=config))
        images.generator(name="badge", deterministic=True)(
            lambda: Image.new("L", (2, 2), shade)
        )
        app = Flask(app_name)
        images.init_app(app)
        response = app.test_client().get("/image_generator/badge.png")
        assert response.status_code == 200
        shades = decode(response.data).getcolors()
        return shades, "server cache" in response.headers["Server-Timing"]

    assert process("shop", 10) == ([(4, 10)], False)
    assert process("admin", 200) == ([(4, 200)], False)
    assert process("shop", 99) == ([(4, 10)], True)


def test_two_versions_sharing_one_cache_keep_their_own_pictures(tmp_path):
    # Two deploys of one app (the same name) during a rolling deploy, with
    # new drawing code and a new DASH_IMAGES_VERSION, share one cache: each
    # serves its own version's picture, under its own ETag.
    config = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path)}

    def deploy(version, shade):
        images = DynamicImages(cache=Cache(config=config))
        images.generator(name="badge", deterministic=True)(
            lambda: Image.new("L", (2, 2), shade)
        )
        app = Flask("shop")
        app.config.update(DASH_IMAGES_VERSION=version)
        images.init_app(app)
        with app.test_request_context():
            url = images.url_for("badge")
        assert url.endswith(f"?_v={version}")
        response = app.test_client().get(url)
        assert response.status_code == 200
        hit = "server cache" in response.headers["Server-Timing"]
        return decode(response.data).getcolors(), response.headers["ETag"], hit

    old_colors, old_etag, old_hit = deploy("1", 10)
    new_colors, new_etag, new_hit = deploy("2", 200)
    assert (old_colors, old_hit) == ([(4, 10)], False)
    assert (new_colors, new_hit) == ([(4, 200)], False)
    assert old_etag != new_etag
    # Each version's picture is kept: another process of either deploy hits it.
    assert deploy("1", 99) == ([(4, 10)], old_etag, True)
    assert deploy("2", 99) == ([(4, 200)], new_etag, True)
