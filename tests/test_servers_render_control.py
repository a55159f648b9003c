"""Render slots and single-flight on a real gunicorn.

``DASH_IMAGES_MAX_RENDERS`` caps the generator calls running at once in a
process, and a request waits ``DASH_IMAGES_RENDER_WAIT`` seconds for its turn,
else 503 with ``Retry-After``; identical concurrent requests for a
deterministic picture share one call. Slots work between the threads of one
process: they matter with gthread workers. A sync worker serves one request
at a time, so its slot is never contended (the last test says what that
means). Generator calls are timed by the app itself (``SERVED_APP_SPANS``).
"""

from __future__ import annotations

import concurrent.futures
import math
import time
import typing as t

import pytest

from .apps.served_app import (
    create_app,
    mismatch,
    most_at_once,
    params_for,
    read_spans,
    urls_for,
)
from .http_load import Timed, timed_get, wait_for

pytest_plugins = ["tests.servers"]
pytestmark = [pytest.mark.servers]

APP = "tests.apps.served_app:create_app()"
HIT = 'hit;desc="server cache"'
SHARED = "shared;"


def send_at_once(
    pool: concurrent.futures.Executor, base_url: str, paths: t.Sequence[str]
) -> list[concurrent.futures.Future[Timed]]:
    """GET every path at once, each on a new connection, from ``pool``."""
    return [pool.submit(timed_get, base_url, path) for path in paths]


def slow_jobs(
    name: str, count: int, seconds: float, *, same: bool = False
) -> list[tuple[str, dict[str, t.Any]]]:
    """URLs of the app's ``slow`` or ``slow_deterministic`` pictures, each of
    its own (or ``same``: one picture ``count`` times), with their params."""
    params = [
        {**params_for(0 if same else index), "seconds": seconds}
        for index in range(count)
    ]
    urls = urls_for(create_app({}), name, params)
    return list(zip(urls, params, strict=True))


@pytest.fixture
def spans_file(tmp_path):
    path = tmp_path / "spans.log"
    path.touch()
    return path


def test_gthread_two_slots_render_two_and_refuse_the_rest_after_the_wait(
    gunicorn_server, spans_file
):
    env = {
        "SERVED_APP_MAX_RENDERS": "2",
        "SERVED_APP_RENDER_WAIT": "1",
        "SERVED_APP_CACHE": "simple",
        "SERVED_APP_SPANS": str(spans_file),
    }
    server = gunicorn_server(APP, workers=1, worker_class="gthread", threads=8, env=env)
    tile_params = params_for(7)
    [tile] = urls_for(create_app({}), "tile", [tile_params])
    assert timed_get(server.url, tile).status == 200
    assert HIT in timed_get(server.url, tile).reply.headers["Server-Timing"]

    jobs = slow_jobs("slow", 8, seconds=2.0)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = send_at_once(pool, server.url, [url for url, _ in jobs])
        wait_for(lambda: sum(f.done() for f in futures) >= 6, "six answers within 10 s")
        # Both slots are still taken (2 s renders); six threads are free.
        fast = timed_get(server.url, "/pid")
        cached = timed_get(server.url, tile)
        answers = [f.result(timeout=10) for f in futures]

    statuses = sorted(a.status for a in answers)
    assert statuses == [200] * 2 + [503] * 6
    spans = [s for s in read_spans(spans_file) if s.generator == "slow"]
    assert len(spans) == 2
    assert most_at_once(spans) == 2
    for answer, (_, params) in zip(answers, jobs, strict=True):
        if answer.status == 200:
            assert mismatch(answer.reply.data, params) is None
            assert 1.9 <= answer.seconds <= 5.0, answer.seconds
        else:
            # Refused once the wait (1 s) is over, not at once, not late,
            # told to come back when a render should be done: none has
            # finished yet, so about as long again as the renders have run
            # (more than the 1 s waited, at most this answer's time), up.
            assert 0.9 <= answer.seconds <= 3.0, answer.seconds
            retry_after = int(answer.reply.headers["Retry-After"])
            assert 2 <= retry_after <= math.ceil(answer.seconds) + 1
            assert answer.reply.headers["Content-Type"].startswith("text/plain")

    rendering_until = min(s.end for s in spans)
    # A route without a generator, and a picture from the server cache,
    # answer at once while every slot is taken.
    assert fast.status == 200 and fast.seconds < 0.5, fast.seconds
    assert fast.end < rendering_until
    assert cached.status == 200 and cached.seconds < 0.5, cached.seconds
    assert cached.end < rendering_until
    assert HIT in cached.reply.headers["Server-Timing"]
    assert mismatch(cached.reply.data, tile_params) is None


def test_identical_concurrent_requests_for_a_deterministic_picture_render_once(
    gunicorn_server, spans_file
):
    env = {"SERVED_APP_SPANS": str(spans_file)}
    # More threads than requests: all twelve are in the worker at once.
    server = gunicorn_server(
        APP, workers=1, worker_class="gthread", threads=16, env=env
    )
    jobs = slow_jobs("slow_deterministic", 12, seconds=1.0, same=True)
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        futures = send_at_once(pool, server.url, [url for url, _ in jobs])
        answers = [f.result(timeout=10) for f in futures]

    assert [a.status for a in answers] == [200] * 12
    assert len({a.reply.data for a in answers}) == 1
    assert mismatch(answers[0].reply.data, jobs[0][1]) is None
    assert [s.generator for s in read_spans(spans_file)] == ["slow_deterministic"]
    timings = [a.reply.headers["Server-Timing"] for a in answers]
    assert sum(SHARED in timing for timing in timings) == 11, timings
    assert all("generator;dur=" in timing for timing in timings)
    assert not any(HIT in timing for timing in timings)
    # One render's time, not twelve.
    assert max(a.end for a in answers) - started < 3.0


def test_sync_workers_render_one_at_a_time_so_slots_never_refuse_nor_keep_them_free(
    gunicorn_server, spans_file
):
    """A sync worker takes one request at a time: its slot is never waited
    for (no 503, however long requests queue in the listen backlog, which is
    longer than RENDER_WAIT here), and the slots cannot keep a worker free
    for other routes: ``/pid`` waits for a render to end. The README
    recommends gthread workers for this."""
    calls_file = spans_file.with_name("calls.log")
    calls_file.touch()
    env = {
        "SERVED_APP_MAX_RENDERS": "2",
        "SERVED_APP_RENDER_WAIT": "0.5",
        "SERVED_APP_SPANS": str(spans_file),
        "SERVED_APP_CALLS": str(calls_file),
    }
    server = gunicorn_server(APP, workers=2, worker_class="sync", env=env)
    jobs = slow_jobs("slow", 4, seconds=1.5)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = send_at_once(pool, server.url, [url for url, _ in jobs])
        # Both workers are drawing; two more requests wait for them.
        wait_for(
            lambda: len(calls_file.read_text().splitlines()) >= 2,
            "two renders started",
        )
        fast = timed_get(server.url, "/pid")
        answers = [f.result(timeout=15) for f in futures]

    assert [a.status for a in answers] == [200] * 4
    for answer, (_, params) in zip(answers, jobs, strict=True):
        assert mismatch(answer.reply.data, params) is None
    # Two rounds of two renders: the last answers after about 3 s.
    assert max(a.seconds for a in answers) >= 2.8
    spans = read_spans(spans_file)
    pids = {s.pid for s in spans}
    assert len(spans) == 4 and len(pids) == 2
    assert [most_at_once(s for s in spans if s.pid == pid) for pid in pids] == [1, 1]
    assert most_at_once(spans) == 2
    assert fast.status == 200
    assert fast.end >= min(s.end for s in spans)
    assert fast.seconds >= 0.8
