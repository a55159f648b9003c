"""Renders that can be stopped: DASH_IMAGES_RENDER_TIMEOUT, in the request's
thread or in worker processes (DASH_IMAGES_RENDER_PROCESSES)."""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import pathlib
import subprocess
import sys
import threading
import time

import pytest
from dash import Input, Output, dcc, html
from flask import Flask
from flask_caching import Cache
from PIL import Image

from flask_dash_images import ConfigurationError, DynamicImages, RegistrationError

from .apps import render_jobs
from .conftest import decode

#: Long enough that a test stuck on it fails instead of hanging.
DEADLINE = 10


def workers():
    return [
        p for p in multiprocessing.active_children() if p.name == "dash-images-render"
    ]


@pytest.fixture
def pooled(images, app_factory):
    """An app that draws in worker processes, with every generator of
    tests/apps/render_jobs.py at /image_generator/<its name>.png."""
    for name in ("square", "pid_picture", "sleeps", "dies", "fails", "aborts"):
        images.generator(name=name)(getattr(render_jobs, name))
    images.generator(name="not_a_picture")(render_jobs.not_a_picture)
    made = []

    def make(**config):
        app = app_factory(
            DASH_IMAGES_RENDER_PROCESSES=1,
            DASH_IMAGES_RENDER_TIMEOUT=1,
            **config,
        )
        made.append(app)
        return app.test_client()

    yield make
    for app in made:
        app.extensions["dash_images"].service.runner.close()


def width(response):
    assert response.status_code == 200, response.data
    return decode(response.data).size[0]


def test_a_picture_is_drawn_in_a_worker_process(pooled):
    client = pooled()
    assert width(client.get("/image_generator/square.png?n=3")) == 3
    here = multiprocessing.current_process().pid % 4000 + 1
    first = width(client.get("/image_generator/pid_picture.png?n=1"))
    assert first != here
    # The same worker serves the next picture.
    assert width(client.get("/image_generator/pid_picture.png?n=2")) == first
    assert len(workers()) == 1


def test_a_worker_is_replaced_after_max_tasks(pooled):
    client = pooled(DASH_IMAGES_RENDER_MAX_TASKS=2)
    pids = [
        width(client.get(f"/image_generator/pid_picture.png?n={n}")) for n in range(6)
    ]
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4] == pids[5]
    assert len(set(pids)) == 3


def test_a_render_over_the_timeout_is_503_and_its_worker_replaced(pooled):
    client = pooled()
    before = width(client.get("/image_generator/pid_picture.png?n=1"))
    started = time.monotonic()
    response = client.get("/image_generator/sleeps.png?seconds=30")
    took = time.monotonic() - started
    assert response.status_code == 503
    assert response.get_data(as_text=True) == (
        "503 Service Unavailable: the picture took longer than"
        " DASH_IMAGES_RENDER_TIMEOUT (1s) to draw\n"
    )
    assert response.headers["Retry-After"] == "1"
    assert 1 <= took < 2  # the behaviour is a time: within the timeout + 1 s
    # Killed: the next picture is drawn by a new worker.
    assert width(client.get("/image_generator/square.png?n=4")) == 4
    assert width(client.get("/image_generator/pid_picture.png?n=2")) != before
    assert len(workers()) == 1


def test_a_worker_that_dies_costs_its_request_a_500_and_nothing_more(pooled, caplog):
    client = pooled(DASH_IMAGES_MAX_RENDERS=1, DASH_IMAGES_RENDER_WAIT=0)
    response = client.get("/image_generator/dies.png?n=1")
    assert response.status_code == 500
    assert b"Traceback" not in response.data
    assert "the render worker process died (exit code -9)" in caplog.text
    # No slot leaked (one slot, no wait), no worker left dead.
    for n in (2, 3):
        assert width(client.get(f"/image_generator/square.png?n={n}")) == n


def test_a_generators_error_in_a_worker_is_logged_with_its_traceback(pooled, caplog):
    client = pooled()
    with caplog.at_level(logging.ERROR):
        response = client.get("/image_generator/fails.png?n=3")
    assert response.status_code == 500
    assert b"no picture for 3" not in response.data
    assert "ValueError: no picture for 3" in caplog.text
    assert 'render_jobs.py", line' in caplog.text
    response = client.get("/image_generator/not_a_picture.png?n=1")
    assert response.status_code == 500
    assert "RenderError: the generator returned builtins.str" in caplog.text


@pytest.mark.parametrize("status", [403, 404, 410])
def test_a_generator_may_abort_in_a_worker_too(pooled, status):
    assert pooled().get(f"/image_generator/aborts.png?n={status}").status_code == status


def test_a_dash_callback_draws_in_a_worker_with_its_keywords(dash_factory, images):
    dash_app = dash_factory(
        html.Div([dcc.Input(id="n", value=9), html.Img(id="img")]),
        config={"DASH_IMAGES_RENDER_PROCESSES": 1},
    )
    images.callback(
        Output("img", "src"), Input("n", "value"), responsive=True, name="box"
    )(render_jobs.box)
    client = dash_app.server.test_client()
    try:
        response = client.get(
            "/image_generator/box.png?n=9&width=200&height=100&scale=2"
        )
        assert decode(response.data).size == (200, 100)
        assert decode(response.data).getpixel((0, 0)) == 9
    finally:
        dash_app.server.extensions["dash_images"].service.runner.close()


def test_a_cache_hit_and_a_304_start_no_worker():
    images = DynamicImages(cache=Cache(config={"CACHE_TYPE": "SimpleCache"}))
    images.generator(name="square", deterministic=True)(render_jobs.square)
    app = Flask(__name__)
    app.config["DASH_IMAGES_RENDER_PROCESSES"] = 1
    images.init_app(app)
    runner = app.extensions["dash_images"].service.runner
    client = app.test_client()
    try:
        first = client.get("/image_generator/square.png?n=2")
        assert first.status_code == 200
        assert runner.idle == 1
        runner.close()
        assert workers() == []
        hit = client.get("/image_generator/square.png?n=2")
        assert 'hit;desc="server cache"' in hit.headers["Server-Timing"]
        revalidated = client.get(
            "/image_generator/square.png?n=2",
            headers={"If-None-Match": first.headers["ETag"]},
        )
        assert revalidated.status_code == 304
        assert workers() == [] and runner.idle == 0
    finally:
        runner.close()


def test_with_processes_there_is_a_render_slot_per_worker(app_factory):
    app = app_factory(DASH_IMAGES_RENDER_PROCESSES=2, DASH_IMAGES_MAX_RENDERS=8)
    assert app.extensions["dash_images"].service.slots.size == 2
    app = app_factory(DASH_IMAGES_RENDER_PROCESSES=4, DASH_IMAGES_MAX_RENDERS=3)
    assert app.extensions["dash_images"].service.slots.size == 3


# -- what cannot be sent to a worker, refused at set-up ----------------------------


def test_a_lambda_is_refused_where_renders_run_in_processes(images, app_factory):
    images.generator(name="ok")(render_jobs.square)
    images.generator(name="inline")(lambda n: Image.new("L", (n, n)))
    with pytest.raises(RegistrationError, match=r"inline|<lambda>") as error:
        app_factory(DASH_IMAGES_RENDER_PROCESSES=1)
    message = str(error.value)
    assert "draws in worker processes (DASH_IMAGES_RENDER_PROCESSES)" in message
    assert "define it at a module's top level" in message


def test_a_closure_decorated_after_set_up_is_refused_at_decoration(
    images, app_factory, dash_factory
):
    app_factory(DASH_IMAGES_RENDER_PROCESSES=1)

    def inner(n):
        return Image.new("L", (n, n))

    with pytest.raises(RegistrationError, match=r"test_render_processes.+inner"):
        images.generator(name="inner")(inner)
    with pytest.raises(RegistrationError, match="DASH_IMAGES_RENDER_PROCESSES"):
        images.callback(Output("img", "src"), Input("n", "value"))(inner)
    assert len(images.registry) == 0


# -- in the request's thread ---------------------------------------------------------


def test_in_thread_the_client_is_answered_at_the_deadline(images, app_factory):
    gate = threading.Event()
    calls = []

    @images.generator(name="held")
    def held(n):
        calls.append(n)
        assert gate.wait(DEADLINE)
        return Image.new("L", (n, n))

    app = app_factory(
        DASH_IMAGES_RENDER_TIMEOUT=0.5,
        DASH_IMAGES_MAX_RENDERS=1,
        DASH_IMAGES_RENDER_WAIT=0,
    )
    client = app.test_client()
    try:
        started = time.monotonic()
        response = client.get("/image_generator/held.png?n=2")
        took = time.monotonic() - started
        assert response.status_code == 503
        assert b"longer than DASH_IMAGES_RENDER_TIMEOUT (0.5s)" in response.data
        assert 0.5 <= took < 1.5
        # Python cannot stop the thread: its slot stays taken until it returns.
        busy = client.get("/image_generator/held.png?n=3")
        assert busy.status_code == 503
        assert b"too many pictures are being drawn" in busy.data
        assert calls == [2]
    finally:
        gate.set()
    slots = app.extensions["dash_images"].service.slots
    deadline = time.monotonic() + DEADLINE
    while slots.in_use and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.get("/image_generator/held.png?n=4").status_code == 200


def test_in_thread_with_a_timeout_the_generator_has_flasks_context(images, app_factory):
    images.generator(name="app_name")(render_jobs.app_name)
    app = app_factory(DASH_IMAGES_RENDER_TIMEOUT=5)
    response = app.test_client().get("/image_generator/app_name.png?n=1")
    assert width(response) == len(app.name)


def test_without_a_timeout_a_slow_render_is_answered_when_done(images, app_factory):
    images.generator(name="sleeps")(render_jobs.sleeps)
    app = app_factory()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        answer = pool.submit(
            app.test_client().get, "/image_generator/sleeps.png?seconds=0.3"
        )
        assert answer.result(DEADLINE).status_code == 200


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DASH_IMAGES_RENDER_TIMEOUT", 0),
        ("DASH_IMAGES_RENDER_TIMEOUT", -1),
        ("DASH_IMAGES_RENDER_TIMEOUT", "5"),
        ("DASH_IMAGES_RENDER_PROCESSES", -1),
        ("DASH_IMAGES_RENDER_PROCESSES", 1.5),
        ("DASH_IMAGES_RENDER_PROCESSES", True),
        ("DASH_IMAGES_RENDER_MAX_TASKS", 0),
        ("DASH_IMAGES_RENDER_MAX_TASKS", None),
    ],
)
def test_bad_render_process_settings_fail_at_init_app(app_factory, key, value):
    with pytest.raises(ConfigurationError, match=key):
        app_factory(**{key: value})


SERVER_KILLED_MID_RENDER = """
import multiprocessing, threading, time
from flask import Flask
from flask_dash_images import DynamicImages
from tests.apps import render_jobs

images = DynamicImages()
images.generator(name="sleeps")(render_jobs.sleeps)
app = Flask(__name__)
app.config.update(DASH_IMAGES_RENDER_PROCESSES=1, DASH_IMAGES_RENDER_TIMEOUT=3600)
images.init_app(app)
threading.Thread(
    target=app.test_client().get,
    args=("/image_generator/sleeps.png?seconds=3600",),
    daemon=True,
).start()
while not multiprocessing.active_children():
    time.sleep(0.05)
time.sleep(0.5)
print(multiprocessing.active_children()[0].pid, flush=True)
time.sleep(3600)
"""


def test_a_worker_ends_with_its_server_even_in_the_middle_of_a_render():
    # gunicorn's graceful timeout, or the kernel out of memory, kills a
    # server outright: its render workers must not draw on for nobody.
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER_KILLED_MID_RENDER],
        stdout=subprocess.PIPE,
        cwd=pathlib.Path(__file__).parent.parent,
    )
    with server:
        try:
            worker = int(server.stdout.readline())
        finally:
            server.kill()
    deadline = time.monotonic() + DEADLINE
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(worker)


def alive(pid):
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"
