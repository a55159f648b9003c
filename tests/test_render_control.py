"""Render slots, single-flight and limits checked before the work (in-process)."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time

import pytest
from flask_caching import Cache
from PIL import Image

from flask_dash_images import ConfigurationError, DynamicImages, RenderBusy
from flask_dash_images.core.flight import RenderSlots, SingleFlight

from .conftest import decode

#: Long enough that a test stuck on it fails instead of hanging.
DEADLINE = 10


@pytest.fixture
def gate():
    """Generators wait on it; the test opens it (always, at teardown too)."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def held(images, gate, calls):
    """A generator that records its call and draws only once the gate opens."""
    started = threading.Semaphore(0)

    @images.generator(name="held")
    def held(n):
        calls.append(n)
        started.release()
        assert gate.wait(DEADLINE)
        return Image.new("L", (2, 2), n)

    held.started = started
    return held


def url_for(images, app, name, **params):
    with app.test_request_context():
        return images.url_for(name, **params)


def test_a_request_that_waits_too_long_for_a_slot_gets_503(
    images, app_factory, gate, held, calls
):
    app = app_factory(DASH_IMAGES_MAX_RENDERS=1, DASH_IMAGES_RENDER_WAIT=0.3)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(app.test_client().get, url_for(images, app, "held", n=1))
        assert held.started.acquire(timeout=DEADLINE)
        started = time.monotonic()
        busy = app.test_client().get(url_for(images, app, "held", n=2))
        waited = time.monotonic() - started
        gate.set()
        assert first.result(DEADLINE).status_code == 200
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "1"
    assert busy.mimetype == "text/plain"
    assert 0.3 <= waited < 3
    assert calls == [1]  # the second generator never ran


def test_a_request_gets_a_slot_that_frees_while_it_waits(
    images, app_factory, gate, held, calls
):
    app = app_factory(DASH_IMAGES_MAX_RENDERS=1, DASH_IMAGES_RENDER_WAIT=5)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(app.test_client().get, url_for(images, app, "held", n=1))
        assert held.started.acquire(timeout=DEADLINE)
        second = pool.submit(app.test_client().get, url_for(images, app, "held", n=2))
        time.sleep(0.2)
        assert calls == [1]  # the second waits for the slot...
        gate.set()
        assert first.result(DEADLINE).status_code == 200
        assert second.result(DEADLINE).status_code == 200  # ...and gets it
    assert calls == [1, 2]


def test_no_more_generators_run_at_once_than_there_are_slots(images, app_factory):
    running, most = [0], [0]
    lock = threading.Lock()

    @images.generator(name="busy")
    def busy(n):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return Image.new("L", (1, 1), n)

    app = app_factory(DASH_IMAGES_MAX_RENDERS=3, DASH_IMAGES_RENDER_WAIT=DEADLINE)
    urls = [url_for(images, app, "busy", n=n) for n in range(12)]
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda u: app.test_client().get(u).status_code, urls))
    assert statuses == [200] * 12
    assert most[0] == 3


def test_a_304_and_a_cache_hit_take_no_slot(gate, calls):
    cache = Cache(config={"CACHE_TYPE": "SimpleCache"})
    images = DynamicImages(cache=cache)
    started = threading.Semaphore(0)

    @images.generator(name="tile", deterministic=True)
    def tile(n):
        calls.append(n)
        if n == 0:
            started.release()
            assert gate.wait(DEADLINE)
        return Image.new("L", (2, 2), n)

    from flask import Flask

    app = Flask(__name__)
    app.config.update(DASH_IMAGES_MAX_RENDERS=1, DASH_IMAGES_RENDER_WAIT=0.2)
    images.init_app(app)
    client = app.test_client()
    warm = client.get(url_for(images, app, "tile", n=7))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        blocker = pool.submit(app.test_client().get, url_for(images, app, "tile", n=0))
        assert started.acquire(timeout=DEADLINE)
        # Every slot is taken; these need none.
        hit = client.get(url_for(images, app, "tile", n=7))
        revalidated = client.get(
            url_for(images, app, "tile", n=7),
            headers={"If-None-Match": warm.headers["ETag"]},
        )
        other = client.get(url_for(images, app, "tile", n=8))
        gate.set()
        assert blocker.result(DEADLINE).status_code == 200
    assert hit.status_code == 200 and hit.data == warm.data
    assert 'hit;desc="server cache"' in hit.headers["Server-Timing"]
    assert revalidated.status_code == 304
    assert other.status_code == 503
    assert calls == [7, 0]


def test_identical_concurrent_requests_render_once(images, app, gate, calls):
    started = threading.Event()

    @images.generator(name="slow", deterministic=True)
    def slow(n):
        calls.append(n)
        started.set()
        assert gate.wait(DEADLINE)
        return Image.new("L", (3, 3), n)

    url = url_for(images, app, "slow", n=4)
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        futures = [pool.submit(app.test_client().get, url) for _ in range(12)]
        assert started.wait(DEADLINE)
        time.sleep(0.3)  # let the other eleven arrive and wait
        gate.set()
        responses = [f.result(DEADLINE) for f in futures]
    assert calls == [4]
    assert {r.status_code for r in responses} == {200}
    assert len({r.data for r in responses}) == 1
    assert decode(responses[0].data).getpixel((0, 0)) == 4
    timings = [r.headers["Server-Timing"] for r in responses]
    assert sum("shared" in t for t in timings) == 11
    assert sum("generator;dur=" in t for t in timings) == 12


def test_a_failed_render_fails_every_request_that_shared_it(
    images, app, gate, calls, caplog
):
    started = threading.Event()

    @images.generator(name="broken", deterministic=True)
    def broken(n):
        calls.append(n)
        started.set()
        assert gate.wait(DEADLINE)
        raise ValueError("no")

    url = url_for(images, app, "broken", n=1)
    with (
        caplog.at_level(logging.ERROR),
        concurrent.futures.ThreadPoolExecutor(4) as pool,
    ):
        futures = [pool.submit(app.test_client().get, url) for _ in range(4)]
        assert started.wait(DEADLINE)
        time.sleep(0.2)
        gate.set()
        statuses = [f.result(DEADLINE).status_code for f in futures]
    assert statuses == [500] * 4
    assert calls == [1]
    assert len([r for r in caplog.records if "failed" in r.getMessage()]) == 1
    # Nothing is remembered: the next request renders again.
    gate.set()
    assert app.test_client().get(url).status_code == 500
    assert calls == [1, 1]


def test_a_figure_too_large_is_refused_before_it_is_drawn(images, app_factory, caplog):
    from matplotlib.figure import Figure

    drawn = []

    @images.generator(name="figure")
    def figure(inches):
        fig = Figure(figsize=(inches, inches), dpi=100)
        fig.add_subplot().plot([0, 1], [0, 1])
        fig.canvas.mpl_connect("draw_event", lambda event: drawn.append(inches))
        return fig

    app = app_factory(DASH_IMAGES_MAX_PIXELS=1000 * 1000)
    client = app.test_client()
    assert client.get(url_for(images, app, "figure", inches=10)).status_code == 200
    assert drawn == [10]
    with caplog.at_level(logging.ERROR):
        response = client.get(url_for(images, app, "figure", inches=200))
    assert response.status_code == 500
    assert "20000x20000, more than the 1000000 pixels" in caplog.text
    assert drawn == [10]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DASH_IMAGES_MAX_RENDERS", 0),
        ("DASH_IMAGES_MAX_RENDERS", 2.5),
        ("DASH_IMAGES_RENDER_WAIT", -1),
        ("DASH_IMAGES_RENDER_WAIT", "5"),
        ("DASH_IMAGES_RENDER_WAIT", float("inf")),
        ("DASH_IMAGES_CACHE_RETRY", None),
        ("DASH_IMAGES_URL_MAX_AGE", 0),
        ("DASH_IMAGES_URL_LEEWAY", -1),
        ("DASH_IMAGES_URL_LEEWAY", "10"),
    ],
)
def test_bad_render_settings_fail_at_init_app(app_factory, key, value):
    with pytest.raises(ConfigurationError, match=key):
        app_factory(**{key: value})


# -- every wait bounded, and a Retry-After that means something ----------------


@pytest.fixture
def held_deterministic(images, gate, calls):
    started = threading.Semaphore(0)

    @images.generator(name="slow", deterministic=True)
    def slow(n):
        calls.append(n)
        started.release()
        assert gate.wait(DEADLINE)
        return Image.new("L", (2, 2), n)

    slow.started = started
    return slow


def test_a_request_for_a_picture_being_drawn_waits_at_most_the_render_wait(
    images, app_factory, gate, held_deterministic, calls
):
    # Identical requests share one render, but never wait longer for it than
    # for a slot: a generator that never returns holds nobody else.
    app = app_factory(DASH_IMAGES_MAX_RENDERS=4, DASH_IMAGES_RENDER_WAIT=0.3)
    url = url_for(images, app, "slow", n=1)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        leader = pool.submit(app.test_client().get, url)
        assert held_deterministic.started.acquire(timeout=DEADLINE)
        started = time.monotonic()
        follower = app.test_client().get(url)
        waited = time.monotonic() - started
        assert follower.status_code == 503
        assert follower.get_data(as_text=True) == (
            "503 Service Unavailable: this picture is still being drawn for"
            " another request; waited 0.3s for a turn\n"
        )
        assert int(follower.headers["Retry-After"]) >= 1
        assert 0.3 <= waited < 3
        gate.set()
        assert leader.result(DEADLINE).status_code == 200
    assert calls == [1]
    # Once the render is done, the next request renders (no cache here).
    assert app.test_client().get(url).status_code == 200
    assert calls == [1, 1]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_retry_after_is_when_a_slot_should_be_free():
    clock = Clock()
    slots = RenderSlots(1, 0, clock=clock)

    def turned_away():
        with pytest.raises(RenderBusy) as busy:
            slots.acquire()
        return busy.value.retry_after_seconds

    ticket = slots.acquire()
    clock.now += 3.2
    # No render done yet: the one running should take about as long again.
    assert turned_away() == 4
    clock.now += 16.8
    slots.release(ticket)  # it took 20 s: the typical render now
    ticket = slots.acquire()
    clock.now += 4
    assert turned_away() == 16  # the rest of a typical render
    clock.now += 21
    assert turned_away() == 25  # past its time: about as long again
    slots.release(ticket)
    assert slots.acquire() is not None  # free again


def test_retry_after_of_a_shared_render_is_when_it_should_be_done():
    clock = Clock()
    slots = RenderSlots(2, 0, clock=clock)
    ticket = slots.acquire()
    clock.now += 10
    slots.release(ticket)
    assert slots.retry_after(started=clock.now - 2.5) == 8
    assert slots.retry_after(started=clock.now - 0.2) == 10
    assert slots.retry_after(started=clock.now) == 10


def test_a_slot_held_past_the_render_timeout_never_says_come_back_in_a_second():
    clock = Clock()
    slots = RenderSlots(1, 0, clock=clock, timeout=0.5)
    ticket = slots.acquire()
    clock.now += 1.0
    slots.release(ticket)  # it took 1 s (an abandoned render's slot, kept)
    ticket = slots.acquire()
    clock.now += 0.6
    # A typical render would end in 0.4 s, but this one is past its timeout:
    # stuck, and every client told 1 s would be back at once.
    with pytest.raises(RenderBusy) as busy:
        slots.acquire()
    assert busy.value.retry_after_seconds == 2
    clock.now += 5
    with pytest.raises(RenderBusy) as busy:
        slots.acquire()
    assert busy.value.retry_after_seconds == 6  # as long again as it has run
    slots.release(ticket)


def test_a_follower_comes_back_when_the_leaders_render_should_be_done():
    clock = Clock()
    # No render holds a slot: only the leader's start says when to come back.
    slots = RenderSlots(4, 0.05, clock=clock)
    flight = SingleFlight(slots)
    started, gate = threading.Event(), threading.Event()

    def lead():
        started.set()
        assert gate.wait(DEADLINE)
        return "picture"

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        leader = pool.submit(flight.run, "key", lead)
        assert started.wait(DEADLINE)
        clock.now += 30  # it has drawn for 30 s, and none has finished before
        with pytest.raises(RenderBusy) as busy:
            flight.run("key", lambda: "not drawn")
        gate.set()
        assert leader.result(DEADLINE) == ("picture", True)
    assert busy.value.retry_after_seconds == 30
    assert "still being drawn for another request" in busy.value.description
