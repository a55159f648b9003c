"""A worker's memory stays flat over many distinct renders (matplotlib
figures included). bench/load.py runs the larger version."""

from __future__ import annotations

import pytest

from .apps.served_app import create_app, mismatch, params_for, urls_for
from .servers import rss_bytes

pytest_plugins = ["tests.servers"]
pytestmark = pytest.mark.servers

APP = "tests.apps.served_app:create_app()"
ENV = {"SERVED_APP_SECRET_KEY": "memory"}
WARM_UP = 40
RENDERS = 300
MAX_GROWTH = 15 * 2**20


def render_all(server, urls, params):
    with server.client(keep_alive=True) as client:
        for url, expected in zip(urls, params, strict=True):
            reply = client.get(url)
            assert reply.status_code == 200, reply.data[:200]
            assert mismatch(reply.data, expected) is None


def test_worker_memory_stays_flat_over_distinct_figures(gunicorn_server):
    server = gunicorn_server(APP, workers=1, env=ENV)
    (worker,) = server.worker_pids()
    app = create_app(ENV)
    # Distinct pictures: a figure, every size and data set its own.
    params = [params_for(i, plot=True) for i in range(WARM_UP + RENDERS)]
    urls = urls_for(app, "plot", params)

    # The first figures load matplotlib, its fonts and caches.
    render_all(server, urls[:WARM_UP], params[:WARM_UP])
    before = rss_bytes(worker)
    render_all(server, urls[WARM_UP:], params[WARM_UP:])
    after = rss_bytes(worker)

    assert server.worker_pids() == [worker]
    growth = after - before
    assert growth < MAX_GROWTH, (
        f"the worker grew {growth / 2**20:.1f} MiB over {RENDERS} renders"
        f" ({before / 2**20:.1f} -> {after / 2**20:.1f} MiB)"
    )
