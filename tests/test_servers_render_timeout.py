"""Renders that cannot hold a server: timeouts and render worker processes on
a real gunicorn (gthread, 1 worker x 8 threads).

``DASH_IMAGES_RENDER_TIMEOUT`` answers a render over it with 503 at the
deadline; with ``DASH_IMAGES_RENDER_PROCESSES`` the render runs in a worker
process, which is then killed and replaced. ``DASH_IMAGES_RENDER_WAIT`` bounds
every wait: for a render slot, and for another request's render of the same
deterministic picture. The times asserted are the behaviour itself (a
deadline, a wait); each is given a second or two of slack.

In worker-process mode the generator calls that ``SERVED_APP_CALLS`` records
carry the render workers' pids; render workers are the children of the
forkserver, itself a child of the gunicorn worker.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import signal
import threading
import time
import typing as t
from pathlib import Path

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
from .processes import child_pids, running

pytest_plugins = ["tests.servers"]
pytestmark = [pytest.mark.servers]

APP = "tests.apps.served_app:create_app()"
HIT = 'hit;desc="server cache"'
#: What every test runs: one gthread worker with 8 threads.
GTHREAD = {"workers": 1, "worker_class": "gthread", "threads": 8}


def url(name: str, index: int = 0, env: dict[str, str] | None = None, **extra):
    """The URL of a plain generator's picture, with its params."""
    params = {**params_for(index), **extra}
    [built] = urls_for(create_app(env or {}), name, [params])
    return built, params


def calls(path: Path, generator: str | None = None) -> list[int]:
    """The pids of the generator calls ``SERVED_APP_CALLS`` recorded."""
    pids = []
    for line in path.read_text().splitlines():
        name, pid = line.split()
        if generator is None or name == generator:
            pids.append(int(pid))
    return pids


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def is_render_worker(pid: int) -> bool:
    # Forked from the forkserver, a render worker keeps its command line.
    return "multiprocessing.forkserver" in cmdline(pid)


def render_workers(worker_pid: int) -> list[int]:
    """The live render worker processes of a gunicorn worker: the children
    of its forkserver."""
    for pid in child_pids(worker_pid):
        if is_render_worker(pid):
            return [p for p in child_pids(pid) if running(p)]
    return []


def p99(values: t.Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * len(ordered)))]


@pytest.fixture
def calls_file(tmp_path: Path) -> t.Iterator[Path]:
    """``SERVED_APP_CALLS``; after the test, any render worker it names that
    still runs is killed (a test that failed may leave a stuck one)."""
    path = tmp_path / "calls.log"
    path.touch()
    yield path
    for pid in set(calls(path)):
        if running(pid) and is_render_worker(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def spans_file(tmp_path: Path) -> Path:
    path = tmp_path / "spans.log"
    path.touch()
    return path


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param({"SERVED_APP_RENDER_TIMEOUT": "1"}, id="threads"),
        pytest.param(
            {"SERVED_APP_RENDER_PROCESSES": "2", "SERVED_APP_RENDER_TIMEOUT": "2"},
            id="processes",
        ),
    ],
)
def test_stuck_and_20s_renders_leave_health_and_cached_pictures_fast(
    gunicorn_server, calls_file, mode
):
    """Three clients keep asking for a picture that never comes and three for
    one that takes 20 s, while one client asks for ``/health`` and a cached
    picture, over a bounded loop: p99 under 1 s.

    In threads, the requests are answered at RENDER_TIMEOUT (1 s) though
    their renders go on, abandoned: as many as there are render slots give
    theirs back, later ones keep them, and then requests wait RENDER_WAIT
    (1 s) for a slot. In processes, two render at once (a worker
    each) and are killed at RENDER_TIMEOUT (2 s), and the clients' next
    requests start others; the rest wait RENDER_WAIT for a slot. Either way
    no more than seven of the eight threads are ever taken.
    """
    env = {
        **mode,
        "SERVED_APP_RENDER_WAIT": "1",
        "SERVED_APP_CACHE": "simple",
        "SERVED_APP_CALLS": str(calls_file),
    }
    server = gunicorn_server(APP, env=env, **GTHREAD)
    [worker] = server.worker_pids()
    cached, cached_params = url("tile", 5)
    # The first render after boot counts the render worker's start, which
    # imports matplotlib and may take longer than the 2 s timeout on a busy
    # machine (a 503 at its deadline); the worker then serves the next one.
    wait_for(lambda: timed_get(server.url, cached).status == 200, "the first picture")
    assert HIT in timed_get(server.url, cached).reply.headers["Server-Timing"]
    stuck, _ = url("stuck", 1)
    slow, _ = url("slow", 2, seconds=20)

    stop = threading.Event()
    bad: list[Timed] = []

    def keep_asking(path: str) -> None:
        while not stop.is_set():
            bad.append(timed_get(server.url, path))

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        # One of each first, so that both draw (two slots in processes).
        futures = []
        for name, path in (("stuck", stuck), ("slow", slow)):
            futures.append(pool.submit(keep_asking, path))
            wait_for(
                lambda name=name: bool(calls(calls_file, name)),
                f"a {name} render running",
            )
        futures += [pool.submit(keep_asking, p) for p in [stuck, stuck, slow, slow]]
        fast: list[Timed] = []
        # Which stuck and slow renders were running, seen between requests.
        in_flight: dict[str, set[int]] = {"stuck": set(), "slow": set()}
        deadline = time.monotonic() + 3.0
        # Bounded: 300 requests, or 3 s.
        while len(fast) < 300 and time.monotonic() < deadline:
            fast.append(timed_get(server.url, "/health"))
            fast.append(timed_get(server.url, cached))
            for name, pids in in_flight.items():
                pids.update(p for p in calls(calls_file, name) if running(p))
            time.sleep(0.02)
        stop.set()
        for future in futures:
            future.result(timeout=30)

    assert all(answer.status == 200 for answer in fast), [
        (a.status, a.text[:80]) for a in fast if a.status != 200
    ]
    health = [a for a in fast if a.text == "ok"]
    pictures = [a for a in fast if a.text != "ok"]
    assert len(health) >= 10 and len(pictures) >= 10
    for answer in pictures:
        assert mismatch(answer.reply.data, cached_params) is None
        assert HIT in answer.reply.headers["Server-Timing"]
    assert p99([a.seconds for a in health]) < 1.0, sorted(a.seconds for a in health)
    assert p99([a.seconds for a in pictures]) < 1.0, sorted(a.seconds for a in pictures)
    # All the while, the stuck and the 20 s renders were drawing ...
    assert in_flight["stuck"] and in_flight["slow"], in_flight
    # ... and their requests were refused, none drawn, all on the one worker.
    assert bad and {a.status for a in bad} == {503}, {a.status for a in bad}
    assert {a.reply.headers["X-Served-By"] for a in bad + fast} == {str(worker)}
    for answer in bad:
        assert int(answer.reply.headers["Retry-After"]) >= 1
        assert answer.seconds < 5.0, answer.seconds
    timeouts = [a for a in bad if "DASH_IMAGES_RENDER_TIMEOUT" in a.text]
    waits = [a for a in bad if "waited 1s for a turn" in a.text]
    assert timeouts and len(timeouts) + len(waits) == len(bad)
    if "SERVED_APP_RENDER_PROCESSES" in mode:
        # Every render ran in a worker process, and each was killed at the
        # timeout: none is left (they were all answered).
        assert worker not in calls(calls_file)
        drew = calls(calls_file, "stuck") + calls(calls_file, "slow")
        wait_for(
            lambda: not any(running(p) for p in drew),
            "every timed-out render worker killed",
        )
        assert len(render_workers(worker)) <= 2
    else:
        # In threads the renders go on after their 503: still running.
        assert set(calls(calls_file)) == {worker}
        assert running(worker)


def test_followers_and_waiters_get_503_after_the_render_wait(
    gunicorn_server, calls_file, spans_file
):
    """RENDER_WAIT=2 bounds both waits: three requests identical to one that
    is drawing a deterministic picture (followers), and three for other
    pictures while both render slots are taken (waiters), are all answered
    503 with a Retry-After after about 2 s; the two renders themselves (5 s)
    succeed."""
    env = {
        "SERVED_APP_MAX_RENDERS": "2",
        "SERVED_APP_RENDER_WAIT": "2",
        "SERVED_APP_CALLS": str(calls_file),
        "SERVED_APP_SPANS": str(spans_file),
    }
    server = gunicorn_server(APP, env=env, **GTHREAD)
    leader, leader_params = url("slow_deterministic", 1, seconds=5)
    holder, holder_params = url("slow", 2, seconds=5)
    others = [url("slow", 10 + k, seconds=0.1)[0] for k in range(3)]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        lead = pool.submit(timed_get, server.url, leader)
        hold = pool.submit(timed_get, server.url, holder)
        wait_for(lambda: len(calls(calls_file)) == 2, "both slots taken")
        followers = [pool.submit(timed_get, server.url, leader) for _ in range(3)]
        waiters = [pool.submit(timed_get, server.url, path) for path in others]
        followers = [f.result(timeout=15) for f in followers]
        waiters = [f.result(timeout=15) for f in waiters]
        led, held = lead.result(timeout=15), hold.result(timeout=15)

    assert led.status == held.status == 200
    assert mismatch(led.reply.data, leader_params) is None
    assert mismatch(held.reply.data, holder_params) is None
    assert 4.9 <= led.seconds < 8.0 and 4.9 <= held.seconds < 8.0
    for answer in followers:
        assert answer.status == 503, answer.text
        assert "still being drawn for another request" in answer.text
        assert 1.9 <= answer.seconds < 4.0, answer.seconds
        # No render has finished yet: come back after as long again as the
        # leader has run (2 s and a little, whole seconds rounded up).
        assert 2 <= int(answer.reply.headers["Retry-After"]) <= 4
    for answer in waiters:
        assert answer.status == 503, answer.text
        assert "waited 2s for a turn" in answer.text
        assert 1.9 <= answer.seconds < 4.0, answer.seconds
        # Likewise: the renders holding the slots have run 2 s and more.
        assert 2 <= int(answer.reply.headers["Retry-After"]) <= 4
    # The followers drew nothing; the waiters never got a slot.
    spans = read_spans(spans_file)
    assert sorted(s.generator for s in spans) == ["slow", "slow_deterministic"]
    assert most_at_once(spans) == 2


def test_processes_kill_a_stuck_render_and_survive_a_dying_one(
    gunicorn_server, calls_file, spans_file
):
    """RENDER_PROCESSES=2, RENDER_TIMEOUT=2: a stuck render is answered 503
    within the timeout + 1 s and its worker process killed; a generator that
    kills its own process costs its request a 500; after both, the gunicorn
    worker is the same, pictures draw, and both render slots still work at
    once."""
    env = {
        "SERVED_APP_RENDER_PROCESSES": "2",
        "SERVED_APP_RENDER_TIMEOUT": "2",
        # Short: a leaked slot would turn the last concurrent pair into a 503.
        "SERVED_APP_RENDER_WAIT": "0.5",
        "SERVED_APP_CALLS": str(calls_file),
        "SERVED_APP_SPANS": str(spans_file),
    }
    server = gunicorn_server(APP, env=env, **GTHREAD)
    [worker] = server.worker_pids()
    tile, tile_params = url("tile", 3)
    stuck, _ = url("stuck", 4)
    dies, _ = url("dies", 5, env)
    plot_params = {**params_for(6, plot=True)}
    [plot] = urls_for(create_app({}), "plot", [plot_params])

    first = timed_get(server.url, tile)
    assert first.status == 200
    assert mismatch(first.reply.data, tile_params) is None
    [drew] = calls(calls_file, "tile")
    assert drew != worker and drew in render_workers(worker)

    timed_out = timed_get(server.url, stuck)
    assert timed_out.status == 503
    assert timed_out.text == (
        "503 Service Unavailable: the picture took longer than"
        " DASH_IMAGES_RENDER_TIMEOUT (2s) to draw\n"
    )
    assert timed_out.reply.headers["Retry-After"] == "2"
    assert 1.9 <= timed_out.seconds < 3.0, timed_out.seconds
    [stuck_pid] = calls(calls_file, "stuck")
    assert stuck_pid != worker
    wait_for(lambda: not running(stuck_pid), "the stuck render's worker killed")
    assert stuck_pid not in render_workers(worker)

    drawn = timed_get(server.url, plot)
    assert drawn.status == 200
    assert mismatch(drawn.reply.data, plot_params) is None

    died = timed_get(server.url, dies)
    assert died.status == 500
    assert b"Traceback" not in died.reply.data
    [dies_pid] = calls(calls_file, "dies")
    wait_for(lambda: not running(dies_pid), "the dying worker gone")
    assert "the render worker process died (exit code -9)" in server.log()
    again = timed_get(server.url, tile)
    assert again.status == 200
    assert mismatch(again.reply.data, tile_params) is None

    # No slot leaked: two renders at once both get a slot (a wait of 0.5 s
    # would turn one into a 503), each in a worker process of its own.
    pair = [url("slow", 20 + k, seconds=1) for k in range(2)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda job: timed_get(server.url, job[0]), pair))
    for answer, (_, params) in zip(answers, pair, strict=True):
        assert answer.status == 200, answer.text
        assert mismatch(answer.reply.data, params) is None
    slow_spans = [s for s in read_spans(spans_file) if s.generator == "slow"]
    assert most_at_once(slow_spans) == 2
    assert len({s.pid for s in slow_spans}) == 2

    # One gunicorn worker served it all, and at most two render workers live.
    answered = [first, timed_out, drawn, died, again, *answers]
    assert {a.reply.headers["X-Served-By"] for a in answered} == {str(worker)}
    assert server.worker_pids() == [worker]
    assert len(render_workers(worker)) <= 2
    assert worker not in calls(calls_file)


def test_in_thread_a_render_past_its_timeout_gives_its_slot_back_up_to_the_cap(
    gunicorn_server, calls_file
):
    """RENDER_TIMEOUT=1 without processes, one render slot: a 3 s render is
    answered 503 at about 1 s; Python cannot stop its thread, so it goes on,
    abandoned, and gives its slot back (DASH_IMAGES_MAX_ABANDONED is
    MAX_RENDERS, 1): a picture asked for meanwhile is drawn. A second one
    abandoned is past the cap and keeps the slot: a request then waits
    RENDER_WAIT and gets 503, told to come back in more than a second, and
    is drawn once the generators have returned."""
    env = {
        "SERVED_APP_RENDER_TIMEOUT": "1",
        "SERVED_APP_MAX_RENDERS": "1",
        "SERVED_APP_RENDER_WAIT": "0.5",
        "SERVED_APP_CALLS": str(calls_file),
    }
    server = gunicorn_server(APP, env=env, **GTHREAD)
    slow, _ = url("slow", 1, seconds=3)
    tile, tile_params = url("tile", 2)

    answer = timed_get(server.url, slow)
    assert answer.status == 503
    assert answer.text == (
        "503 Service Unavailable: the picture took longer than"
        " DASH_IMAGES_RENDER_TIMEOUT (1s) to draw\n"
    )
    assert answer.reply.headers["Retry-After"] == "1"
    assert 0.9 <= answer.seconds < 2.0, answer.seconds
    drawn = timed_get(server.url, tile)
    assert drawn.status == 200
    assert mismatch(drawn.reply.data, tile_params) is None

    again = timed_get(server.url, slow)
    assert again.status == 503
    waited = timed_get(server.url, tile)
    assert waited.status == 503
    assert "waited 0.5s for a turn" in waited.text
    assert int(waited.reply.headers["Retry-After"]) >= 2
    assert timed_get(server.url, "/health").text == "ok"

    # The slow renders end about 3 s after each began; then the slot is free.
    wait_for(
        lambda: timed_get(server.url, tile).status == 200,
        "the slot free again once the generators returned",
        timeout=5.0,
    )
    assert again.start + 2.9 <= time.monotonic()
    assert calls(calls_file, "slow") == server.worker_pids() * 2
    log = server.log()
    assert log.count("ran past DASH_IMAGES_RENDER_TIMEOUT (1s)") == 2
    assert log.count("past the cap it keeps its render slot") == 1
