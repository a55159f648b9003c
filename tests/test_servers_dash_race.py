"""Dash's first-request set-up under threads: no callback may be dispatched
before it has finished (plotly/dash#3971), with serialize_dash_setup."""

from __future__ import annotations

import collections
import concurrent.futures
import threading
import time
import types

import dash
import pytest
from dash import Dash, Input, Output, html
from dash import _hooks as dash_hooks
from flask import Flask, has_request_context
from PIL import Image

from flask_dash_images import DynamicImages
from flask_dash_images.dash_setup import _SetUpOnce, serialize_dash_setup

from .apps.race_app import IMAGES, echo_update, expected_src, image_update

pytest_plugins = ["tests.servers"]

APP = "tests.apps.race_app:create_app()"
STARTS = 3
CONCURRENT = 16
#: Seconds for all of one start's requests; each also has a 30 s socket timeout.
ROUND_TIMEOUT = 60.0


# -- real gunicorn threads -----------------------------------------------------


def first_requests(server, served_by):
    """Send :data:`CONCURRENT` callback requests at once, as the workers'
    first; what is wrong with the answers."""
    jobs = []
    for k in range(CONCURRENT):
        n = k % (IMAGES + 1)
        if n == IMAGES:
            jobs.append((echo_update(k), {"echo": {"children": f"shade {k}"}}))
        else:
            size = 4 + k
            expected = {f"img-{n}": {"src": expected_src(n, k, size)}}
            jobs.append((image_update(n, k, size), expected))
    barrier = threading.Barrier(CONCURRENT, timeout=10)

    def send(job):
        body, expected = job
        with server.client(timeout=30) as client:
            barrier.wait()
            reply = client.post("/_dash-update-component", json=body)
        worker = reply.headers.get("X-Served-By", "?")
        if reply.status_code != 200:
            return worker, f"{body['output']}: {reply.status_code} {reply.data[:120]!r}"
        response = reply.get_json()["response"]
        if response != expected:
            return worker, f"{body['output']}: {response}, expected {expected}"
        return worker, None

    with concurrent.futures.ThreadPoolExecutor(CONCURRENT) as pool:
        futures = [pool.submit(send, job) for job in jobs]
        done, late = concurrent.futures.wait(futures, timeout=ROUND_TIMEOUT)
        problems = [f"{len(late)} requests unanswered"] if late else []
        for future in done:
            error = future.exception()
            if error is not None:
                problems.append(f"{type(error).__name__}: {error}")
                continue
            worker, problem = future.result()
            served_by[worker] += 1
            if problem is not None:
                problems.append(problem)
    return problems


@pytest.mark.servers
def test_the_first_concurrent_callbacks_after_each_start_are_all_answered(
    gunicorn_server,
):
    server = gunicorn_server(
        APP, workers=2, worker_class="gthread", threads=8, ready_path=None
    )
    problems = []
    served_by = collections.Counter()
    for start in range(STARTS):
        if start:
            server.restart()
        problems += [
            f"start {start + 1}: {p}" for p in first_requests(server, served_by)
        ]
    log = server.log_path.read_text(errors="replace")
    not_found = log.count('KeyError: "Callback function not found')
    assert not problems, (
        f"{len(problems)} of {STARTS * CONCURRENT} failed (answers per worker:"
        f" {dict(served_by)}; {not_found} 'Callback function not found' in the"
        " log):\n" + "\n".join(problems)
    )


# -- in one process: the race made certain ------------------------------------


def make_slow_app(serialized=True):
    """A Dash app whose set-up holds its first request in the layout function
    (Dash calls it after setting its flag, before copying the callbacks; and
    once outside any request, when the layout is set), and an event set once
    the request is there. ``serialized=False`` takes the extension's hook
    away again, to show Dash's own behaviour."""
    server = Flask(__name__)
    images = DynamicImages(server)

    @images.callback(
        Output("img", "src"), Input("size", "value"), name="slow", clientside=False
    )
    def draw(size):
        return Image.new("L", (size, size))

    in_setup = threading.Event()

    def layout():
        if has_request_context() and not in_setup.is_set():
            in_setup.set()
            time.sleep(0.5)
        return html.Div([html.Div(id="size"), html.Img(id="img")])

    dash_app = Dash(__name__, server=server)
    dash_app.layout = layout
    if not serialized:
        hooks = server.before_request_funcs[None]
        hooks[:] = [h for h in hooks if not isinstance(h, _SetUpOnce)]
    return dash_app, in_setup


@pytest.fixture
def slow_setup_app():
    return make_slow_app()


@pytest.fixture
def unserialized_app():
    return make_slow_app(serialized=False)


@pytest.fixture
def in_dash_setup_hooks():
    """``serialize_dash_setup`` as a ``dash.hooks.setup`` hook, for this test
    only (Dash keeps its hooks in a global list)."""
    dash.hooks.setup()(serialize_dash_setup)
    yield
    registered = dash_hooks.hooks._ns["setup"]
    registered[:] = [h for h in registered if h.func is not serialize_dash_setup]


def race(dash_app, in_setup):
    """A callback request while the first request is in Dash's set-up; the
    statuses of both, and the answers."""
    body = {
        "output": "img.src",
        "outputs": {"id": "img", "property": "src"},
        "inputs": [{"id": "size", "property": "value", "value": 3}],
        "state": [],
        "changedPropIds": ["size.value"],
    }

    def post():
        client = dash_app.server.test_client()
        return client.post("/_dash-update-component", json=body)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(post)
        assert in_setup.wait(10)
        second = pool.submit(post)
        replies = [f.result(timeout=30) for f in (first, second)]
    return [r.status_code for r in replies], replies


SLOW_ANSWER = {"img": {"src": "/image_generator/slow.png?size=3"}}


def test_a_callback_waits_for_the_set_up_under_way(slow_setup_app):
    dash_app, in_setup = slow_setup_app
    serialize_dash_setup(dash_app)
    statuses, replies = race(dash_app, in_setup)
    assert statuses == [200, 200]
    assert [r.get_json()["response"] for r in replies] == [SLOW_ANSWER] * 2


def test_from_a_dash_setup_hook_too(in_dash_setup_hooks):
    # Dash runs setup hooks in Dash.__init__, before it has its flags or its
    # own before_request hook.
    dash_app, in_setup = make_slow_app()
    statuses, replies = race(dash_app, in_setup)
    assert statuses == [200, 200]
    assert [r.get_json()["response"] for r in replies] == [SLOW_ANSWER] * 2


def test_without_it_dash_races(unserialized_app, caplog):
    # The bug worked around. When this fails, Dash serializes its set-up
    # itself (plotly/dash#3980), and serialize_dash_setup may go.
    dash_app, in_setup = unserialized_app
    statuses, _ = race(dash_app, in_setup)
    assert statuses == [200, 500]
    assert "Callback function not found for output 'img.src'" in caplog.text


# -- what it does to the app -----------------------------------------------------


def before_request(dash_app):
    return list(dash_app.server.before_request_funcs.get(None, []))


def test_the_extension_puts_one_hook_first_however_often_it_is_called(
    unserialized_app,
):
    dash_app, _ = unserialized_app
    dash_hooks = before_request(dash_app)
    for _ in range(3):
        serialize_dash_setup(dash_app)
    hooks = before_request(dash_app)
    assert len(hooks) == len(dash_hooks) + 1
    assert isinstance(hooks[0], _SetUpOnce) and hooks[0].dash_app is dash_app
    assert hooks[1:] == dash_hooks
    assert dash_hooks[0] == dash_app._setup_server


@pytest.mark.parametrize("order", ["images first", "dash first"])
def test_the_extension_serializes_each_dash_app_it_serves(order):
    server = Flask(__name__)
    images = DynamicImages()
    if order == "images first":
        images.init_app(server)
    dash_app = Dash(__name__, server=server)
    if order == "dash first":
        images.init_app(server)
    hooks = before_request(dash_app)
    assert [type(h) for h in hooks].count(_SetUpOnce) == 1
    assert isinstance(hooks[0], _SetUpOnce) and hooks[0].dash_app is dash_app


def test_nothing_once_the_server_has_answered_a_request(slow_setup_app):
    dash_app, _ = slow_setup_app
    dash_app.server.test_client().get("/_dash-dependencies")
    hooks = before_request(dash_app)
    serialize_dash_setup(dash_app)
    assert before_request(dash_app) == hooks


def test_nothing_once_dash_has_begun_its_set_up(slow_setup_app):
    dash_app, _ = slow_setup_app
    dash_app._got_first_request["setup_server"] = True
    hooks = before_request(dash_app)
    serialize_dash_setup(dash_app)
    assert before_request(dash_app) == hooks


@pytest.mark.parametrize(
    "dash_app",
    [
        # Another backend: FastAPI, Quart.
        types.SimpleNamespace(
            server=object(),
            _setup_server=lambda: None,
            _got_first_request={"setup_server": False},
        ),
        # A Dash without the private names, or with flags of another shape.
        types.SimpleNamespace(server=Flask(__name__)),
        types.SimpleNamespace(
            server=Flask(__name__), _got_first_request={"setup_server": False}
        ),
        types.SimpleNamespace(
            server=Flask(__name__), _setup_server=lambda: None, _got_first_request={}
        ),
    ],
    ids=["not-flask", "neither", "no-setup", "no-setup-flag"],
)
def test_nothing_where_it_cannot_apply(dash_app):
    serialize_dash_setup(dash_app)
    if isinstance(dash_app.server, Flask):
        assert before_request(dash_app) == []


def test_a_dash_that_never_gets_its_flags_is_left_alone():
    # Flags missing when it is called may come later (Dash.__init__ sets them
    # after the setup hooks); if they never do, the hook only steps aside.
    calls = []
    server = Flask(__name__)
    dash_app = types.SimpleNamespace(
        server=server, _setup_server=lambda: calls.append(1)
    )
    serialize_dash_setup(dash_app)
    assert len(before_request(dash_app)) == 1
    assert [server.test_client().get("/").status_code for _ in range(2)] == [404, 404]
    assert calls == []
