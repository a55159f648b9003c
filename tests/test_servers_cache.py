"""A Redis cache shared by gunicorn workers: one URL, one generator call.

(The single-process SimpleCache is covered in test_server_cache.py.)
"""

from __future__ import annotations

import collections
import uuid

import pytest

from .apps.served_app import mismatch
from .dash_browser import DashBrowser
from .http_load import get_many

pytest_plugins = ["tests.servers"]
pytestmark = [pytest.mark.servers, pytest.mark.redis]

APP = "tests.apps.served_app:create_app()"
PARAMS = {"colour": "#3366cc", "width": 48, "height": 32}


@pytest.fixture
def calls_file(tmp_path):
    path = tmp_path / "calls.log"
    path.touch()
    return path


def generator_calls(calls_file):
    """``(generator, pid)`` of every generator call, in any worker."""
    return [tuple(line.split()) for line in calls_file.read_text().splitlines()]


def fetch_spread(server, url, count):
    """GET ``url`` ``count`` times on new connections, 4 at a time; each
    request holds its worker 0.1 s, so that every worker serves some."""
    return get_many(server.url, url, count, headers={"X-Test-Delay": "0.1"})


def test_workers_sharing_redis_run_the_generator_once_per_url(
    gunicorn_server, redis_server, calls_file
):
    env = {
        "SERVED_APP_SECRET_KEY": "shared-cache",
        "SERVED_APP_CACHE": redis_server,
        "SERVED_APP_CACHE_PREFIX": f"{uuid.uuid4().hex}:",
        "SERVED_APP_CALLS": str(calls_file),
    }
    server = gunicorn_server(APP, workers=2, env=env)
    workers = server.worker_pids()
    assert len(workers) == 2

    # The URL comes from the Dash callback, as the browser gets it.
    browser = DashBrowser(None, client=server.client())
    url = browser.update(
        "swatch.src", [PARAMS["colour"], PARAMS["width"]], [PARAMS["height"]]
    )
    with server.client() as client:
        first = client.get(url)
    assert first.status_code == 200
    assert mismatch(first.data, PARAMS) is None
    assert generator_calls(calls_file) == [("swatch", first.headers["X-Served-By"])]

    replies = fetch_spread(server, url, 20)
    assert [r.status_code for r in replies] == [200] * 20
    assert {r.data for r in replies} == {first.data}
    served_by = collections.Counter(r.headers["X-Served-By"] for r in replies)
    assert set(served_by) == {str(pid) for pid in workers}, served_by
    assert len(generator_calls(calls_file)) == 1

    # The cache outlives the workers: after a restart, still no new call.
    server.restart()
    with server.client() as client:
        again = client.get(url)
    assert again.status_code == 200 and again.data == first.data
    assert len(generator_calls(calls_file)) == 1


def test_each_distinct_url_is_rendered_once_across_workers(
    gunicorn_server, redis_server, calls_file
):
    env = {
        "SERVED_APP_CACHE": redis_server,
        "SERVED_APP_CACHE_PREFIX": f"{uuid.uuid4().hex}:",
        "SERVED_APP_CALLS": str(calls_file),
    }
    server = gunicorn_server(APP, workers=2, env=env)
    tiles = [
        f"/image_generator/tile.png?colour=%22%23{shade:02x}0000%22&width=8&height=8"
        for shade in range(5)
    ]
    # Warm each once, then ask for every one again from both workers.
    with server.client() as client:
        assert [client.get(url).status_code for url in tiles] == [200] * 5
    assert len(generator_calls(calls_file)) == 5
    for url in tiles:
        replies = fetch_spread(server, url, 4)
        assert [r.status_code for r in replies] == [200] * 4
    assert len(generator_calls(calls_file)) == 5
    # The plot generator is not deterministic: never cached, rendered each time.
    plot = "/image_generator/plot.png?colour=%22white%22&width=60&height=40"
    for _ in range(2):
        with server.client() as client:
            assert client.get(plot).status_code == 200
    assert [name for name, _ in generator_calls(calls_file)].count("plot") == 2
