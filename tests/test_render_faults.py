"""Generators that misbehave cost their own request and nothing more:
``sys.exit()``, processes a generator starts, a worker that dies, workers
killed from outside while idle. Worker processes are real, and so are the
signals that kill them."""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import signal
import threading
import time

import pytest

from flask_dash_images.core import urls

from .apps import render_jobs
from .conftest import decode
from .processes import running
from .render_workers import render_workers, wait_until, warm_up

#: Long enough that a test stuck on it fails instead of hanging.
DEADLINE = 10

MODES = {
    "threads": {},
    "threads-with-timeout": {"DASH_IMAGES_RENDER_TIMEOUT": 5},
    "processes": {"DASH_IMAGES_RENDER_PROCESSES": 1, "DASH_IMAGES_RENDER_TIMEOUT": 5},
}


@pytest.fixture(scope="module", autouse=True)
def forkserver_started():
    warm_up()


def url(name, **params):
    query = urls.encode_query(list(params), list(params.values()))
    return f"/image_generator/{name}.png?{query}"


@pytest.fixture
def make(images, app_factory):
    """Apps with every generator of tests/apps/render_jobs.py at
    /image_generator/<its name>.png; their workers stop at teardown."""
    for name in (
        "square",
        "sleeps",
        "exits",
        "interrupted",
        "spawns",
        "forks_and_dies",
    ):
        images.generator(name=name)(getattr(render_jobs, name))
    made = []

    def make(**config):
        app = app_factory(**config)
        made.append(app)
        return app.test_client()

    yield make
    for app in made:
        runner = app.extensions["dash_images"].service.runner
        if hasattr(runner, "close"):
            runner.close()
    assert wait_until(lambda: not render_workers()), render_workers()


def width(response):
    assert response.status_code == 200, response.data
    return decode(response.data).size[0]


@pytest.mark.parametrize("mode", MODES)
def test_a_generator_that_calls_sys_exit_is_a_500_and_the_app_goes_on(
    make, caplog, mode
):
    client = make(**MODES[mode])
    with caplog.at_level(logging.ERROR):
        response = client.get(url("exits", n=3))
    assert response.status_code == 500
    assert b"SystemExit" not in response.data
    assert "Image generator tests.apps.render_jobs.exits failed" in caplog.text
    assert "SystemExit: 3" in caplog.text
    assert width(client.get(url("square", n=2))) == 2


def test_ctrl_c_during_a_render_in_the_main_thread_still_stops_the_server(make):
    # A development server run without threads renders in its main thread,
    # where Ctrl-C raises KeyboardInterrupt.
    client = make()
    with pytest.raises(KeyboardInterrupt):
        client.get(url("interrupted", n=1))


def test_a_keyboard_interrupt_in_a_request_thread_is_the_generators_500(make):
    client = make()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        response = pool.submit(client.get, url("interrupted", n=1)).result(DEADLINE)
    assert response.status_code == 500


def test_a_timed_out_renders_retry_after_is_its_timeout_rounded_up(make):
    client = make(DASH_IMAGES_RENDER_TIMEOUT=1.2)
    response = client.get(url("sleeps", seconds=1.6))
    assert response.status_code == 503
    assert b"longer than DASH_IMAGES_RENDER_TIMEOUT (1.2s)" in response.data
    assert response.headers["Retry-After"] == "2"


def test_a_killed_render_takes_the_processes_its_generator_started_along(
    make, tmp_path
):
    client = make(DASH_IMAGES_RENDER_PROCESSES=1, DASH_IMAGES_RENDER_TIMEOUT=1)
    path = tmp_path / "child"
    response = client.get(url("spawns", path=str(path)))
    assert response.status_code == 503
    child = int(path.read_text())
    try:
        # Not orphaned to live on for its 25 s: killed with its worker.
        assert wait_until(lambda: not running(child), 3), "the generator's child lives"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    assert width(client.get(url("square", n=3))) == 3


def test_a_dead_worker_is_noticed_at_once_though_a_forked_child_holds_its_pipe(
    make, tmp_path, caplog
):
    client = make(DASH_IMAGES_RENDER_PROCESSES=1, DASH_IMAGES_RENDER_TIMEOUT=10)
    path = tmp_path / "forked"
    started = time.monotonic()
    response = client.get(url("forks_and_dies", path=str(path)))
    took = time.monotonic() - started
    forked = int(path.read_text())
    try:
        assert response.status_code == 500
        assert took < 3, took  # not the 10 s timeout, nor the child's 20 s
        assert "the render worker process died (exit code -9)" in caplog.text
        assert wait_until(lambda: not running(forked), 3), "the forked child lives"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(forked, signal.SIGKILL)
    assert width(client.get(url("square", n=4))) == 4


def test_idle_workers_killed_from_outside_cost_no_request_anything(make):
    client = make(
        DASH_IMAGES_RENDER_PROCESSES=2,
        DASH_IMAGES_MAX_RENDERS=2,
        DASH_IMAGES_RENDER_WAIT=DEADLINE,
    )
    barrier = threading.Barrier(2)

    def draw(n):
        barrier.wait(DEADLINE)
        return client.get(url("sleeps", seconds=0.2))

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        assert [r.status_code for r in pool.map(draw, [1, 2])] == [200, 200]
        idle = [p.pid for p in render_workers()]
        assert len(idle) == 2
        for pid in idle:
            os.kill(pid, signal.SIGKILL)
        answers = list(pool.map(client.get, [url("square", n=n) for n in range(1, 21)]))
    assert [a.status_code for a in answers] == [200] * 20
    assert [decode(a.data).size[0] for a in answers] == list(range(1, 21))
    assert not set(idle) & {p.pid for p in render_workers()}
