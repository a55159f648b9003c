"""Render worker processes and failing generators on a real gunicorn with
``--preload`` (two sync workers), whose app draws a picture in a worker
process at import, in the master (:mod:`tests.apps.render_modes`).

The workers gunicorn forks from that master must start render processes
of their own (the master's forkserver is not their child), and a generator
that calls ``sys.exit()`` is a 500 in every mode, never the end of a
worker. A worker with more abandoned renders than its cap says so
(``images.healthy()``), and gunicorn replaces it (the recipe's
``post_request`` hook). When the server stops, no process it or its renders
started is left.
"""

from __future__ import annotations

import concurrent.futures
import io

import pytest
from PIL import Image

from .http_load import timed_get
from .processes import descendants, running
from .render_workers import wait_until
from .servers import GunicornServer

pytest_plugins = ["tests.servers"]
pytestmark = [pytest.mark.servers]

APP = "tests.apps.render_modes:application"


#: The health check recipe of ``DynamicImages.healthy``, for gunicorn.
RECYCLE = """

def post_request(worker, req, environ, resp):
    from tests.apps.render_modes import images

    if not images.healthy():
        worker.alive = False
"""


@pytest.fixture(scope="module")
def preloaded(tmp_path_factory):
    """gunicorn --preload, 2 sync workers, replaced when unhealthy; at the
    end, stopped, with every process under it."""
    server = GunicornServer(
        APP,
        tmp_path_factory.mktemp("preload"),
        workers=2,
        worker_class="sync",
        env={"GUNICORN_CMD_ARGS": "--preload"},
        ready_path="/pid",
    )
    config = server._config
    config.write_text(config.read_text() + RECYCLE)
    family: set[int] = set()
    try:
        server.start()
        yield server
        family = descendants(server.master_pid)
    finally:
        server.stop()
    assert wait_until(lambda: not any(map(running, family)), 10), [
        pid for pid in family if running(pid)
    ]


def drawn_by(reply) -> int:
    """The pid (mod 4000) of the process that drew a ``here`` picture."""
    assert reply.status == 200, reply.text
    return Image.open(io.BytesIO(reply.reply.data)).size[0] - 1


def test_after_a_render_in_the_master_each_worker_renders_in_its_own_processes(
    preloaded,
):
    workers = preloaded.worker_pids()
    assert len(workers) == 2
    master_renders = {p % 4000 for p in descendants(preloaded.master_pid)} - {
        p % 4000 for w in workers for p in {w, *descendants(w)}
    }
    for _ in range(2):
        # Two at once, each held 0.5 s: each sync worker takes one.
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            replies = list(
                pool.map(
                    lambda n: timed_get(
                        preloaded.url,
                        f"/processes/image_generator/here.png?n={n}&seconds=0.5",
                    ),
                    [1, 2],
                )
            )
        served = [int(r.reply.headers["X-Served-By"]) for r in replies]
        assert sorted(served) == sorted(workers), served
        for reply, worker in zip(replies, served, strict=True):
            # Drawn by a render worker of that gunicorn worker's own.
            drew = drawn_by(reply)
            assert drew in {p % 4000 for p in descendants(worker)} - {worker % 4000}
            assert drew not in master_renders


@pytest.mark.parametrize("mode", ["threads", "timeout", "processes"])
def test_sys_exit_in_a_generator_is_a_500_and_the_worker_goes_on(preloaded, mode):
    workers = preloaded.worker_pids()
    answers = [
        timed_get(preloaded.url, f"/{mode}/image_generator/exits.png?n=3")
        for _ in range(3)
    ]
    assert [a.status for a in answers] == [500] * 3
    assert all(b"SystemExit" not in a.reply.data for a in answers)
    assert {int(a.reply.headers["X-Served-By"]) for a in answers} <= set(workers)
    assert (
        timed_get(preloaded.url, f"/{mode}/image_generator/square.png?n=2").status
        == 200
    )
    assert preloaded.worker_pids() == workers
    assert "SystemExit: 3" in preloaded.log()


def test_a_worker_past_its_cap_of_abandoned_renders_is_replaced(preloaded):
    # Last: it replaces a worker. Renders of 3 s, answered 503 at 0.5 s:
    # a worker's second one is past its cap of one, and the worker that
    # served it is replaced after that request (gunicorn's post_request).
    before = set(preloaded.worker_pids())
    served: list[int] = []
    while len(set(served)) == len(served):
        answer = timed_get(preloaded.url, "/stuck/image_generator/sleeps.png?seconds=3")
        assert answer.status == 503, answer.text
        served.append(int(answer.reply.headers["X-Served-By"]))
    [stuck] = {pid for pid in served if served.count(pid) == 2}
    wait_until(lambda: stuck not in preloaded.worker_pids(), 10)
    assert stuck not in preloaded.worker_pids()
    wait_until(lambda: len(preloaded.worker_pids()) == 2, 10)
    after = set(preloaded.worker_pids())
    assert len(after) == 2 and after - before and stuck not in after
    assert "past the cap it keeps its render slot" in preloaded.log()
    assert timed_get(preloaded.url, "/health").text == "ok"
