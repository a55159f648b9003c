"""Renders that can be stopped: DASH_IMAGES_RENDER_TIMEOUT, in the request's
thread or in worker processes (DASH_IMAGES_RENDER_PROCESSES)."""

from __future__ import annotations

import concurrent.futures
import functools
import json
import logging
import multiprocessing
import os
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
from .processes import running
from .render_workers import render_workers, wait_until, warm_up

#: Long enough that a test stuck on it fails instead of hanging.
DEADLINE = 10


@pytest.fixture(scope="module", autouse=True)
def forkserver_started():
    warm_up()


workers = render_workers


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
    assert wait_until(lambda: not workers()), workers()


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
    assert str(error.value) == (
        "tests.test_render_processes.test_a_lambda_is_refused_where_renders_run_in"
        "_processes.<locals>.<lambda>: the app 'tests.conftest' draws in worker"
        " processes (DASH_IMAGES_RENDER_PROCESSES), which cannot get this"
        " generator: a lambda has no name to import it by; define it with def"
        " at a module's top level"
    )


def test_a_closure_decorated_after_set_up_is_refused_at_decoration(
    images, app_factory, dash_factory
):
    # Kept: an app thrown away is no longer set up, and checks nothing.
    app = app_factory(DASH_IMAGES_RENDER_PROCESSES=1)

    def inner(n):
        return Image.new("L", (n, n))

    with pytest.raises(
        RegistrationError,
        match=r"test_render_processes.+inner: .+ a function defined inside another"
        r" function has no name to import it by; define it at a module's top level",
    ):
        images.generator(name="inner")(inner)
    with pytest.raises(RegistrationError, match="DASH_IMAGES_RENDER_PROCESSES"):
        images.callback(Output("img", "src"), Input("n", "value"))(inner)
    assert len(images.registry) == 0
    assert app.extensions["dash_images"].processes == 1


TOP_LEVEL = """
import functools, os
from dash import Dash, Input, Output, dcc, html
from flask import Flask
from PIL import Image
from flask_dash_images import DynamicImages, image_callback

server = Flask(__name__)
server.config["DASH_IMAGES_RENDER_PROCESSES"] = 1
images = DynamicImages(server)
dash_app = Dash(__name__, server=server)
dash_app.layout = html.Div(
    [dcc.Input(id="n", value=3), html.Img(id="a"), html.Img(id="b")]
)


def picture(n):
    # The drawing process's pid as the width.
    return Image.new("L", (os.getpid() % 4000 + 1, n))


@images.generator(name="plain")
def plain(n):
    return picture(n)


@images.callback(Output("a", "src"), Input("n", "value"), name="callback")
def callback(n):
    return picture(n)


@image_callback(dash_app, Output("b", "src"), Input("n", "value"), name="oneliner")
def oneliner(n):
    return picture(n)


def outer(function):
    @functools.wraps(function)
    def wrapper(n):
        return Image.new("L", (1, 1))
    return wrapper


@outer
@images.generator(name="wrapped")
def wrapped(n):
    return picture(n)


@images.generator(name="first")
def draw(n):
    return picture(n)


@images.generator(name="second")
def draw(n):
    return picture(n + 1)
"""


@pytest.fixture
def top_level(tmp_path, monkeypatch):
    """A module that sets the app up for worker processes, then decorates
    generators at its top level: imported, its server's test client."""
    (tmp_path / "generators_at_top_level.py").write_text(TOP_LEVEL)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__("generators_at_top_level")
    try:
        client = module.server.test_client()
        assert client.get("/").status_code == 200  # the Dash app sets up
        yield client
    finally:
        module.server.extensions["dash_images"].service.runner.close()
        del sys.modules["generators_at_top_level"]
    assert wait_until(lambda: not workers()), workers()


def drawn_by(response, height):
    """The pid (mod 4000) of the process that drew ``response``."""
    assert response.status_code == 200, response.data
    picture = decode(response.data)
    assert picture.size[1] == height
    return picture.size[0] - 1


@pytest.mark.parametrize("name", ["plain", "callback", "oneliner", "wrapped"])
def test_a_generator_decorated_at_a_modules_top_level_after_set_up_draws_in_a_worker(
    top_level, name
):
    # The decorator runs before the module binds the name: nothing can be
    # looked up then; the worker imports the module once it serves.
    drew = drawn_by(top_level.get(f"/image_generator/{name}.png?n=3"), 3)
    assert drew != os.getpid() % 4000
    assert drew in {p.pid % 4000 for p in workers()}


def test_a_name_that_now_means_another_function_draws_nothing_in_a_worker(
    top_level, caplog
):
    # "draw" is the second function now: a worker importing it by name would
    # draw the second picture at the first's URL.
    with caplog.at_level(logging.ERROR):
        response = top_level.get("/image_generator/first.png?n=3")
    assert response.status_code == 500
    assert (
        "generators_at_top_level.draw names another function in this process"
        " (defined twice, or replaced after it was registered)" in caplog.text
    )
    assert drawn_by(top_level.get("/image_generator/second.png?n=3"), 4)


def timed(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)

    return wrapper


@pytest.mark.skipif(sys.version_info < (3, 11), reason="code.co_qualname")
def test_a_decorators_wrapper_under_the_image_decorator_is_refused(images, app_factory):
    # Kept: an app thrown away is no longer set up, and checks nothing.
    app = app_factory(DASH_IMAGES_RENDER_PROCESSES=1)
    with pytest.raises(RegistrationError) as error:
        images.generator(name="timed")(timed(render_jobs.square))
    assert str(error.value).endswith(
        "which cannot get this generator: it is timed.<locals>.wrapper, a wrapper"
        " that a decorator made inside a function, which has no name to import"
        " it by; apply that decorator above the image decorator, or define the"
        " generator at a module's top level"
    )
    assert app.extensions["dash_images"].processes == 1


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
        DASH_IMAGES_MAX_ABANDONED=0,
    )
    client = app.test_client()
    try:
        started = time.monotonic()
        response = client.get("/image_generator/held.png?n=2")
        took = time.monotonic() - started
        assert response.status_code == 503
        assert b"longer than DASH_IMAGES_RENDER_TIMEOUT (0.5s)" in response.data
        assert 0.5 <= took < 1.5
        # Python cannot stop the thread, and no abandoned render may go on
        # without its slot: the slot stays taken until the generator returns.
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
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(worker)


SLOW_FORKSERVER = """
import sys, time
if any("multiprocessing.forkserver" in arg for arg in getattr(sys, "orig_argv", [])):
    time.sleep(2)
"""

FIRST_RENDER = """
import json, time
from flask import Flask
from flask_dash_images import DynamicImages
from tests.apps import render_jobs

images = DynamicImages()
images.generator(name="square")(render_jobs.square)
images.generator(name="pid_picture")(render_jobs.pid_picture)
app = Flask(__name__)
app.config.update(DASH_IMAGES_RENDER_PROCESSES=1, DASH_IMAGES_RENDER_TIMEOUT=1)
images.init_app(app)
runner = app.extensions["dash_images"].service.runner
client = app.test_client()
started = time.monotonic()
first = client.get("/image_generator/square.png?n=2")
took = time.monotonic() - started
while not runner.idle:
    time.sleep(0.05)
second = client.get("/image_generator/pid_picture.png?n=1")
import multiprocessing
pids = [p.pid for p in multiprocessing.active_children()]
answers = [first.status_code, took, second.status_code, second.data.hex()]
print(json.dumps([*answers, pids]))
"""


def test_the_first_render_is_answered_at_its_deadline_while_the_forkserver_starts(
    tmp_path,
):
    # The forkserver's start (it imports matplotlib) may take longer than the
    # timeout on a busy machine; this one takes 2 s more.
    (tmp_path / "sitecustomize.py").write_text(SLOW_FORKSERVER)
    repo = pathlib.Path(__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-c", FIRST_RENDER],
        capture_output=True,
        text=True,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(repo)])},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    first, took, second, data, pids = json.loads(done.stdout)
    assert first == 503
    assert 1 <= took < 2  # the timeout and a second, the worker's start included
    # The worker that came up late drew the next picture, and no other started.
    assert second == 200
    [pid] = pids
    assert decode(bytes.fromhex(data)).size[0] == pid % 4000 + 1
