"""The deployments people run, pairwise: the README's three patterns (the
Quick start, the app factory, the multi-page recipe; each with ``events=``
and a 16-axes figure, :mod:`tests.apps.deployment`) under the Werkzeug dev
server, gunicorn gthread, gunicorn gthread ``--preload`` with a picture
drawn at import, and gunicorn sync; with renders in threads and in worker
processes; directly and behind nginx with its default proxy configuration.

Every pair of (app, server, mode, proxy) is in at least one cell
(:data:`CELLS`, checked by a test). In each cell the page and the picture
are 200, the picture's headers are small, a click on it gives matplotlib's
own event (in Chromium in a few cells, through the page script's maths on
the map the server sends in the others), and no process is left behind.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
import typing as t
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg

from ..apps.deployment import figure
from ..events_page import EventsPage
from ..nginx import NginxServer
from ..processes import child_pids, descendants, running
from ..servers import (
    REPO,
    START_TIMEOUT,
    GunicornServer,
    ServerError,
    free_port,
    log_tail,
    stop_with_children,
)
from .helpers import allow_console_errors, wait_for_image

pytest_plugins = ["tests.servers", "tests.nginx"]
pytestmark = [pytest.mark.browser, pytest.mark.servers, pytest.mark.nginx]

APPS = ("quickstart", "factory", "pages")
SERVERS = ("werkzeug", "gthread", "preload", "sync")
MODES = ("threads", "processes")
PROXIES = ("direct", "nginx")


class Cell(t.NamedTuple):
    server: str
    app: str
    mode: str
    proxy: str
    #: Click in Chromium (else: the page script's maths in V8, on the map
    #: the server sends).
    browser: bool = False


CELLS = [
    Cell("werkzeug", "quickstart", "processes", "direct", browser=True),
    Cell("werkzeug", "factory", "threads", "direct"),
    Cell("werkzeug", "pages", "processes", "nginx"),
    Cell("gthread", "quickstart", "threads", "nginx", browser=True),
    Cell("gthread", "factory", "threads", "nginx"),
    Cell("gthread", "pages", "processes", "direct"),
    Cell("preload", "quickstart", "threads", "direct"),
    Cell("preload", "factory", "processes", "direct", browser=True),
    Cell("preload", "pages", "threads", "nginx"),
    Cell("sync", "quickstart", "threads", "direct"),
    Cell("sync", "factory", "processes", "nginx"),
    Cell("sync", "pages", "processes", "nginx", browser=True),
]

#: What gunicorn loads, and where the Dash page with the picture is.
TARGETS = {
    "quickstart": ("tests.apps.deployment.quickstart:server", "/"),
    "factory": ("tests.apps.deployment.factory:create_app()", "/dash/"),
    "pages": ("tests.apps.deployment.pages_app.app:create_app()", "/plot"),
}

#: nginx's default proxy configuration: nothing but where to send requests
#: (proxy_buffer_size 4k or 8k, as built).
DEFAULT_PROXY = "proxy_pass http://app;\n"

#: (row, column) of the subplots clicked in each cell.
CLICKS = [(1, 2), (3, 0)]


def test_every_pair_is_in_a_cell():
    factors = [SERVERS, APPS, MODES, PROXIES]
    for (i, first), (j, second) in itertools.combinations(enumerate(factors), 2):
        for pair in itertools.product(first, second):
            assert any((cell[i], cell[j]) == pair for cell in CELLS), pair
    assert {cell.browser for cell in CELLS} == {True, False}


# -- servers --------------------------------------------------------------------


class DevServer:
    """The Werkzeug development server in a process of its own: the Quick
    start as ``python app.py`` (``app.run(debug=True)``: the reloader and
    the debugger), the factories through ``flask run``."""

    def __init__(self, app: str, directory: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / f"dev-{self.port}.log"
        module, _, target = TARGETS[app][0].partition(":")
        if app == "quickstart":
            command = [sys.executable, "-m", module]
        else:
            command = [sys.executable, "-m", "flask", "--app", f"{module}:{target}"]
            command += ["run", "--host", "127.0.0.1", "--port", str(self.port)]
        environment = {
            **os.environ,
            **env,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "PYTHONPATH": str(REPO),
        }
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=environment, stdout=log, stderr=log
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(self.url + "/_does-not-exist"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ServerError(f"the dev server did not start:\n{self.log()}")
            time.sleep(0.1)

    @property
    def master_pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return log_tail(self.log_path)

    def stop(self) -> None:
        stop_with_children(self.process)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def start(cell: Cell, directory: Path) -> DevServer | GunicornServer:
    env = {"TEST_CELL": repr(cell)}
    if cell.mode == "processes":
        env["FLASK_DASH_IMAGES_RENDER_PROCESSES"] = "2"
    if cell.server == "preload":
        env.update(DEPLOY_WARM_UP="1", GUNICORN_CMD_ARGS="--preload")
    if cell.server == "werkzeug":
        return DevServer(cell.app, directory, env)
    server = GunicornServer(
        TARGETS[cell.app][0],
        directory,
        workers=2,
        worker_class="sync" if cell.server == "sync" else "gthread",
        threads=1 if cell.server == "sync" else 4,
        env=env,
        ready_path=None,
    )
    return server.start()


# -- the cells ------------------------------------------------------------------


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def expected_event(row: int, col: int) -> tuple[tuple[int, int], dict[str, t.Any]]:
    """A pixel inside subplot (row, col), and matplotlib's event there."""
    fig = figure.grid(16)
    FigureCanvasAgg(fig).draw()
    index = row * figure.COLUMNS + col
    x, y = index + 0.3, 10 * (index + 1) * 0.7
    px, py = fig.axes[index].transData.transform((x, y))
    pixel = round(px), round(fig.bbox.height - py)
    event = MouseEvent(
        "button_press_event", fig.canvas, pixel[0], fig.bbox.height - pixel[1]
    )
    assert fig.axes.index(event.inaxes) == index
    return pixel, {
        "axes": index,
        "row": row,
        "col": col,
        "x": event.xdata,
        "y": event.ydata,
    }


def assert_event(found: dict[str, t.Any], expected: dict[str, t.Any]) -> None:
    assert (found["axes"], found["row"], found["col"]) == (
        expected["axes"],
        expected["row"],
        expected["col"],
    )
    assert found["x"] == pytest.approx(expected["x"], rel=1e-9)
    assert found["y"] == pytest.approx(expected["y"], rel=1e-9)


def check_over_http(base: str, prefix: str) -> None:
    """The picture, its small headers, and a click through the page
    script's maths on the map the server sends for it."""
    root = prefix.rpartition("/")[0] + "/"
    status, headers, data = get(f"{base}{root}{figure.PICTURE}")
    assert status == 200, data[:300]
    assert headers["Content-Type"] == "image/png"
    assert sum(len(k) + len(v) + 4 for k, v in headers.items()) < 1500, headers
    said = headers["X-Dash-Images-Map"]
    if said.startswith("{"):
        found_map = json.loads(said)
    else:
        # A 16-axes map is named, and fetched at the map URL.
        query = figure.PICTURE.partition("?")[2]
        url = f"{base}{root}image_generator/grid.map?{query}&_map={said}"
        status, _, body = get(url)
        assert status == 200, body[:300]
        found_map = json.loads(body)
    maths = EventsPage()
    for row, col in CLICKS:
        pixel, expected = expected_event(row, col)
        assert_event(maths.locate(found_map, *pixel), expected)


def check_in_chromium(context: t.Any, base: str, prefix: str) -> None:
    page = context.new_page()
    # The Quick start runs with debug=True: Dash's dev tools ask plotly's
    # server for its latest version, which this closed network cannot reach.
    allow_console_errors(page, r"dash-version\.plotly\.com")
    page.goto(base + prefix)
    wait_for_image(page, "#picture")
    box = page.locator("#picture").bounding_box()
    for row, col in CLICKS:
        pixel, expected = expected_event(row, col)
        page.mouse.click(box["x"] + pixel[0], box["y"] + pixel[1])
        page.wait_for_function(
            "(i) => document.querySelector('#clicked').textContent"
            ".includes('\"axes\": ' + i + ',')",
            arg=expected["axes"],
        )
        found = json.loads(page.inner_text("#clicked"))
        assert_event(found, expected)
    # Before the server stops: a page left open would go on asking it (the
    # Quick start's dev tools poll for hot reload), and log the refusal.
    page.close()


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: "-".join(c[:4]))
def test_a_deployment(cell, tmp_path, nginx_executable, context):
    server = start(cell, tmp_path)
    proxy = None
    try:
        base = server.url
        if cell.proxy == "nginx":
            proxy = NginxServer(
                nginx_executable, tmp_path, [server.url], location=DEFAULT_PROXY
            ).start()
            base = proxy.url
        prefix = TARGETS[cell.app][1]
        status, _, page_html = get(base + prefix)
        assert status == 200 and b"_dash-config" in page_html
        if cell.browser:
            check_in_chromium(context, base, prefix)
        else:
            check_over_http(base, prefix)
        before_stop = descendants(server.master_pid)
        if cell.mode == "processes":
            # Render workers of its own: the server did draw in them.
            assert len(before_stop) > len(child_pids(server.master_pid))
    except BaseException:
        print(server.log())
        raise
    finally:
        if proxy is not None:
            proxy.stop()
        everything = {server.master_pid, *descendants(server.master_pid)}
        server.stop()
    deadline = time.monotonic() + 10
    while any(map(running, everything)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in everything if running(pid)], "processes left behind"
