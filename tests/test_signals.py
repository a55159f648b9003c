"""image_rendered and image_failed (blinker, Flask's convention)."""

from __future__ import annotations

import concurrent.futures
import threading

import pytest
from flask_caching import Cache
from PIL import Image

from flask_dash_images import (
    DynamicImages,
    RenderBusy,
    image_failed,
    image_rendered,
)


@pytest.fixture
def received():
    events = []

    def rendered(sender, **extra):
        events.append(("rendered", sender, extra))

    def failed(sender, **extra):
        events.append(("failed", sender, extra))

    image_rendered.connect(rendered)
    image_failed.connect(failed)
    yield events
    image_rendered.disconnect(rendered)
    image_failed.disconnect(failed)


def url_for(images, app, name, **params):
    with app.test_request_context():
        return images.url_for(name, **params)


def test_a_render_is_signalled_with_what_a_metric_needs(images, app, client, received):
    images.generator(name="tile", format="webp")(
        lambda n: Image.new("RGB", (8, 8), (n, 0, 0))
    )
    response = client.get(url_for(images, app, "tile", n=3))
    ((kind, sender, extra),) = received
    assert kind == "rendered" and sender is app
    assert extra["name"] == "tile" and extra["format"] == "webp"
    assert extra["size"] == len(response.data)
    assert 0 < extra["seconds"] < 10
    assert extra["cached"] is False and extra["shared"] is False


def test_a_cache_hit_says_so_and_a_304_is_no_render(received):
    images = DynamicImages(cache=Cache(config={"CACHE_TYPE": "SimpleCache"}))
    images.generator(name="tile", deterministic=True)(
        lambda n: Image.new("L", (2, 2), n)
    )
    from flask import Flask

    app = Flask(__name__)
    images.init_app(app)
    client = app.test_client()
    url = url_for(images, app, "tile", n=1)
    first = client.get(url)
    client.get(url)
    assert (
        client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code
        == 304
    )
    assert [e[2]["cached"] for e in received] == [False, True]


def test_a_failing_generator_is_signalled_with_its_exception(
    images, app, client, received
):
    @images.generator(name="broken")
    def broken():
        raise ZeroDivisionError("nope")

    assert client.get(url_for(images, app, "broken")).status_code == 500
    ((kind, sender, extra),) = received
    assert kind == "failed" and sender is app and extra["name"] == "broken"
    assert isinstance(extra["exception"], ZeroDivisionError)


def test_a_503_is_signalled_as_a_failure_with_render_busy(
    images, app_factory, received
):
    gate, started = threading.Event(), threading.Event()

    @images.generator(name="held")
    def held(n):
        started.set()
        gate.wait(10)
        return Image.new("L", (1, 1))

    app = app_factory(DASH_IMAGES_MAX_RENDERS=1, DASH_IMAGES_RENDER_WAIT=0)
    state = app.extensions["dash_images"]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        first = pool.submit(app.test_client().get, url_for(images, app, "held", n=1))
        assert started.wait(10)
        assert state.service.slots.in_use == 1
        busy = app.test_client().get(url_for(images, app, "held", n=2))
        gate.set()
        assert first.result(10).status_code == 200
    assert busy.status_code == 503
    assert state.service.slots.in_use == 0
    failed = [e for e in received if e[0] == "failed"]
    assert len(failed) == 1 and isinstance(failed[0][2]["exception"], RenderBusy)


def test_receivers_for_one_app_hear_only_that_app(images, app_factory):
    images.generator(name="dot")(lambda: Image.new("L", (1, 1)))
    one, two = app_factory(), app_factory()
    heard = []
    receiver = lambda sender, **extra: heard.append(sender)  # noqa: E731
    image_rendered.connect(receiver, one)
    try:
        for app in (one, two):
            assert app.test_client().get("/image_generator/dot.png").status_code == 200
    finally:
        image_rendered.disconnect(receiver, one)
    assert heard == [one]
