"""Dash's first-request set-up under threads: no callback may be dispatched
before it has finished (plotly/dash#3971): the extension runs it under its
first-request lock."""

from __future__ import annotations

import collections
import concurrent.futures
import threading
import time
import types

import dash
import pytest
from dash import Dash, Input, Output, html
from flask import Flask, has_request_context
from PIL import Image

from flask_dash_images import DynamicImages
from flask_dash_images.dash.setup import dash_apps_on, run_dash_setup
from flask_dash_images.first_request import FirstRequestSetUp

from .apps.race_app import IMAGES, echo_update, expected_answer, image_update
from .dash_browser import Relayed, relay_body

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
            jobs.append((image_update(n, k, size), expected_answer(n, k, size)))
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


def make_slow_app(with_images=True):
    """A Dash app whose set-up holds its first request in the layout function
    (Dash calls it after setting its flag, before copying the callbacks of
    :func:`dash.callback`; and once outside any request, when the layout is
    set), and an event set once the request is there. With the extension,
    the image callback is ``images.callback``'s; without it, the same URL
    from a plain :func:`dash.callback`, to show Dash's own behaviour."""
    server = Flask(__name__)
    if with_images:
        images = DynamicImages(server)
        images.callback(
            Output("img", "src"), Input("size", "value"), name="slow", clientside=False
        )(lambda size: Image.new("L", (size, size)))
        # Dash copies these into the app during its set-up: the race's victims.
        dash.callback(Output("echo", "children"), Input("size", "value"))(
            lambda size: f"size {size}"
        )
    else:
        dash.callback(Output("img", "src"), Input("size", "value"))(
            lambda size: f"/image_generator/slow.png?size={size}"
        )

    in_setup = threading.Event()

    def layout():
        if has_request_context() and not in_setup.is_set():
            in_setup.set()
            time.sleep(0.5)
        return html.Div([html.Div(id="size"), html.Img(id="img"), html.Div(id="echo")])

    dash_app = Dash(__name__, server=server)
    dash_app.layout = layout
    return dash_app, in_setup


def race(dash_app, in_setup, output="img.src", relayed=False):
    """A callback request while the first request is in Dash's set-up; the
    statuses of both, and the answers (``relayed``: to an image callback
    built on the server, read as its relay sets it)."""
    component, _, prop = output.partition(".")
    body = {
        "output": output,
        "outputs": {"id": component, "property": prop},
        "inputs": [{"id": "size", "property": "value", "value": 3}],
        "state": [],
        "changedPropIds": ["size.value"],
    }
    if relayed:
        body = relay_body(body)

    def post():
        client = dash_app.server.test_client()
        reply = client.post("/_dash-update-component", json=body)
        return Relayed(reply) if relayed else reply

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(post)
        assert in_setup.wait(10)
        second = pool.submit(post)
        replies = [f.result(timeout=30) for f in (first, second)]
    return [r.status_code for r in replies], replies


SLOW_ANSWER = {"img": {"src": "/image_generator/slow.png?size=3"}}


@pytest.mark.parametrize(
    ("output", "answer"),
    [("img.src", SLOW_ANSWER), ("echo.children", {"echo": {"children": "size 3"}})],
)
def test_a_callback_waits_for_the_set_up_under_way(output, answer):
    dash_app, in_setup = make_slow_app()
    statuses, replies = race(dash_app, in_setup, output, relayed=output == "img.src")
    assert statuses == [200, 200]
    assert [r.get_json()["response"] for r in replies] == [answer] * 2


def test_without_the_extension_dash_races(caplog):
    # The bug worked around. When this fails, Dash serializes its set-up
    # itself (plotly/dash#3980), and running it under our lock may go.
    dash_app, in_setup = make_slow_app(with_images=False)
    statuses, _ = race(dash_app, in_setup)
    assert statuses == [200, 500]
    assert "Callback function not found for output 'img.src'" in caplog.text


# -- what it does to the app -----------------------------------------------------


def hooks_of(server):
    return list(server.before_request_funcs.get(None, []))


@pytest.mark.parametrize("order", ["images first", "dash first", "server=False"])
def test_one_set_up_hook_first_whatever_the_order(order):
    server = Flask(__name__)
    images = DynamicImages()
    if order == "images first":
        images.init_app(server)
        dash_app = Dash(__name__, server=server)
    elif order == "dash first":
        dash_app = Dash(__name__, server=server)
        images.init_app(server)
    else:
        dash_app = Dash(__name__, server=False)
        images.init_app(server)
        dash_app.init_app(server)
    hooks = hooks_of(server)
    assert [type(h) for h in hooks].count(FirstRequestSetUp) == 1
    assert isinstance(hooks[0], FirstRequestSetUp)
    assert dash_app._setup_server in hooks[1:]
    assert dash_apps_on(server) == [dash_app]


def test_the_dash_apps_of_a_server_are_its_own_in_order():
    server, other = Flask(__name__), Flask(__name__)
    first = Dash(__name__, server=server, url_base_pathname="/one/")
    Dash(__name__, server=other)
    second = Dash(__name__, server=server, url_base_pathname="/two/")
    assert dash_apps_on(server) == [first, second]


@pytest.mark.parametrize(
    "dash_app",
    [
        # A Dash without the private names, or with flags of another shape.
        types.SimpleNamespace(),
        types.SimpleNamespace(_got_first_request={"setup_server": False}),
        types.SimpleNamespace(_setup_server=lambda: None, _got_first_request={}),
        types.SimpleNamespace(_setup_server=lambda: None, _got_first_request=None),
    ],
    ids=["neither", "no-setup", "no-setup-flag", "flags-not-a-dict"],
)
def test_dashs_set_up_is_left_to_dash_where_it_could_run_twice(dash_app):
    run_dash_setup(dash_app)  # nothing to call, nothing raised


def test_dashs_set_up_runs_once_under_the_lock():
    calls = []
    dash_app = types.SimpleNamespace(
        _setup_server=lambda: calls.append(1),
        _got_first_request={"setup_server": False},
    )
    run_dash_setup(dash_app)
    assert calls == [1]


def test_the_set_up_hook_leaves_once_the_set_up_is_done():
    # Flask checks every before_request hook on every request: once its work
    # is done, the hook costs later requests nothing by not being there.
    server = Flask(__name__)
    DynamicImages(server)
    dash_app = Dash(__name__, server=server)
    dash_app.layout = html.Div()
    assert isinstance(hooks_of(server)[0], FirstRequestSetUp)
    assert server.test_client().get("/_dash-layout").status_code == 200
    assert not any(isinstance(h, FirstRequestSetUp) for h in hooks_of(server))
    assert dash_app._setup_server in hooks_of(server)
    assert server.test_client().get("/_dash-dependencies").status_code == 200
