"""Renders past DASH_IMAGES_RENDER_TIMEOUT in the request's thread mode,
which Python cannot stop: abandoned, they give their render slots back up
to DASH_IMAGES_MAX_ABANDONED, are counted, logged and signalled; past the
cap they keep their slots and ``images.healthy()`` says the process should
be replaced."""

from __future__ import annotations

import logging
import threading

import pytest
from PIL import Image

from flask_dash_images import ConfigurationError, DynamicImages, render_abandoned

from .apps import render_jobs
from .render_workers import render_workers, wait_until, warm_up

#: Long enough that a test stuck on it fails instead of hanging.
DEADLINE = 10
STUCK = "/image_generator/stuck.png?n={}"
TILE = "/image_generator/tile.png?n=2"


@pytest.fixture
def gate(images):
    """``stuck`` draws once the gate opens (always, at teardown too);
    ``tile`` at once."""
    event = threading.Event()

    @images.generator(name="stuck")
    def stuck(n):
        assert event.wait(DEADLINE)
        return Image.new("L", (n, n))

    @images.generator(name="tile")
    def tile(n):
        return Image.new("L", (n, n))

    yield event
    event.set()


@pytest.fixture
def abandoned():
    """What ``render_abandoned`` sent, for every app."""
    received = []

    def receive(sender, **extra):
        received.append((sender, extra))

    render_abandoned.connect(receive)
    yield received
    render_abandoned.disconnect(receive)


def test_abandoned_renders_give_their_slots_back_up_to_the_cap(
    images, app_factory, gate, abandoned, caplog
):
    # The cap is MAX_RENDERS by default: 2.
    app = app_factory(
        DASH_IMAGES_RENDER_TIMEOUT=0.2,
        DASH_IMAGES_MAX_RENDERS=2,
        DASH_IMAGES_RENDER_WAIT=0.1,
    )
    slots = app.extensions["dash_images"].service.slots
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        for n in (1, 2):
            response = client.get(STUCK.format(n))
            assert response.status_code == 503
            assert b"longer than DASH_IMAGES_RENDER_TIMEOUT (0.2s)" in response.data
            # Its client has had its answer: its slot is free for others.
            assert client.get(TILE).status_code == 200
        assert (slots.abandoned, slots.abandoned_total, slots.in_use) == (2, 2, 0)
        assert images.healthy()

        # Past the cap, an abandoned render keeps its slot ...
        assert client.get(STUCK.format(3)).status_code == 503
        assert (slots.abandoned, slots.in_use) == (3, 1)
        assert not images.healthy()
        assert client.get(TILE).status_code == 200
        assert client.get(STUCK.format(4)).status_code == 503
        # ... until every slot is held by a render past its timeout: no
        # client is told to come back in a second to find the same.
        busy = client.get(TILE)
        assert busy.status_code == 503
        assert b"waited 0.1s for a turn" in busy.data
        assert int(busy.headers["Retry-After"]) >= 2

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 4
    label = "tests.test_abandoned_renders.gate.<locals>.stuck"
    assert all(w.startswith(f"Image generator {label} ran past") for w in warnings)
    assert "past the cap it keeps its render slot" in warnings[2]
    assert [(sender, extra) for sender, extra in abandoned] == [
        (app, {"name": "stuck", "format": "png", "running": n, "healthy": n <= 2})
        for n in (1, 2, 3, 4)
    ]

    # An abandoned render that returns at last no longer counts.
    gate.set()
    assert wait_until(lambda: slots.abandoned == 0)
    assert (slots.abandoned_total, slots.in_use) == (4, 0)
    assert images.healthy()
    assert client.get(TILE).status_code == 200


def test_max_abandoned_0_keeps_every_slot_and_is_unhealthy_at_once(
    images, app_factory, gate
):
    app = app_factory(
        DASH_IMAGES_RENDER_TIMEOUT=0.2,
        DASH_IMAGES_MAX_RENDERS=1,
        DASH_IMAGES_RENDER_WAIT=0,
        DASH_IMAGES_MAX_ABANDONED=0,
    )
    client = app.test_client()
    assert client.get(STUCK.format(1)).status_code == 503
    assert not images.healthy()
    assert b"waited 0s for a turn" in client.get(TILE).data
    gate.set()
    assert wait_until(images.healthy)


def test_healthy_is_false_if_any_app_of_the_instance_is_past_its_cap(
    images, app_factory, gate
):
    stuck_app = app_factory(DASH_IMAGES_RENDER_TIMEOUT=0.2, DASH_IMAGES_MAX_ABANDONED=1)
    other = app_factory(DASH_IMAGES_RENDER_TIMEOUT=0.2)
    elsewhere = DynamicImages()
    assert images.healthy() and elsewhere.healthy()
    for n in (1, 2):
        assert stuck_app.test_client().get(STUCK.format(n)).status_code == 503
    assert not images.healthy()
    assert elsewhere.healthy()
    assert other.extensions["dash_images"].service.healthy
    assert other.test_client().get(TILE).status_code == 200


def test_with_processes_a_stuck_render_is_killed_not_abandoned(
    images, app_factory, abandoned
):
    warm_up()
    images.generator(name="sleeps")(render_jobs.sleeps)
    app = app_factory(
        DASH_IMAGES_RENDER_PROCESSES=1,
        DASH_IMAGES_RENDER_TIMEOUT=0.5,
        DASH_IMAGES_MAX_ABANDONED=0,
    )
    service = app.extensions["dash_images"].service
    try:
        response = app.test_client().get("/image_generator/sleeps.png?seconds=30")
        assert response.status_code == 503
        assert (service.slots.abandoned, service.slots.abandoned_total) == (0, 0)
        assert images.healthy()
        assert abandoned == []
    finally:
        service.runner.close()
    assert wait_until(lambda: not render_workers())


@pytest.mark.parametrize("value", [-1, 1.5, True, "2"])
def test_a_bad_max_abandoned_fails_at_init_app(app_factory, value):
    with pytest.raises(ConfigurationError, match="DASH_IMAGES_MAX_ABANDONED"):
        app_factory(DASH_IMAGES_MAX_ABANDONED=value)


def test_max_abandoned_is_max_renders_unless_set(app_factory):
    default = app_factory(DASH_IMAGES_MAX_RENDERS=3)
    assert default.config["DASH_IMAGES_MAX_ABANDONED"] is None
    assert default.extensions["dash_images"].service.slots.max_abandoned == 3
    set_ = app_factory(DASH_IMAGES_MAX_RENDERS=3, DASH_IMAGES_MAX_ABANDONED=7)
    assert set_.extensions["dash_images"].service.slots.max_abandoned == 7
