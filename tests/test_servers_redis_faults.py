"""A shared Redis cache that stalls, dies and comes back while two gunicorn
servers are under load: no request fails or waits long, the cache breaker
opens and closes once each time, and the cache serves again afterwards.

(The cache shared by workers when all is well: test_servers_cache.py; the
breaker step by step, without servers: test_cache_breaker.py.)
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
import typing as t
import uuid

import pytest

from flask_dash_images.exceptions import ConfigurationError

from .apps.served_app import create_app, mismatch, params_for, urls_for
from .http_load import HttpClient
from .servers import ServerError

if t.TYPE_CHECKING:
    from .servers import GunicornServer

pytest_plugins = ["tests.servers"]
pytestmark = [pytest.mark.servers, pytest.mark.redis]

APP = "tests.apps.served_app:create_app()"
#: The Redis client's socket_timeout and socket_connect_timeout (seconds).
SOCKET_TIMEOUT = 0.5
#: DASH_IMAGES_CACHE_RETRY: seconds the cache is skipped after a failure.
CACHE_RETRY = 1.0
#: How long Redis stays SIGSTOPped.
PAUSE = 2.0
#: Client threads per server, each sending one request at a time.
THREADS = 3
#: The longest any answer may take. A request meets a stalled cache at most
#: twice (its lookup, or a store after a lookup that came just before the
#: stall; once either fails the breaker skips the other), each costing one
#: socket timeout; the tile generator takes milliseconds; 0.5 s is slack for
#: a loaded 2-core machine. Without the breaker's bound, a request would wait
#: for redis-py's 5 s default or, with no timeout, for good.
LONGEST = 2 * SOCKET_TIMEOUT + 0.5
#: How long to wait for something the servers do within about a second.
DEADLINE = 10.0

OPENED = re.compile(r"Image cache (?:get|set) failed \((\w+):")
CLOSED = "Image cache answers again; using it"
HIT = 'hit;desc="server cache"'
#: What each server's breaker logs for the stall, then for the death.
STALL = ["opened TimeoutError", "closed"]
DEATH = ["opened ConnectionError", "closed"]


@dataclasses.dataclass(frozen=True)
class Answer:
    server: int
    url: str
    start: float
    end: float
    problem: str | None
    timing: str

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def lookup(self) -> float:
        """Seconds the server's cache lookup took (0 when skipped)."""
        found = re.search(r"\bcache;dur=([0-9.]+)", self.timing)
        return float(found.group(1)) / 1000 if found else 0.0


class Load:
    """:data:`THREADS` client threads per server, each GETting its share of
    ``urls`` in turn with a keep-alive connection until :meth:`stop`, a
    pause of 20 ms between requests; every answer is checked: 200 and the
    picture's pixels those its URL asks for."""

    def __init__(self, servers: t.Sequence[GunicornServer], jobs: list[Job]) -> None:
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(
                target=self._run,
                args=(index, server.url, jobs[k::THREADS]),
                name=f"load-{index}-{k}",
            )
            for index, server in enumerate(servers)
            for k in range(THREADS)
        ]

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            # Each request ends within its client's timeout (10 s).
            thread.join(15)
            assert not thread.is_alive(), f"{thread.name} is stuck"

    def served(self, server: int, since: float = 0.0) -> list[Answer]:
        return [a for a in self.answers if a.server == server and a.start >= since]

    def _run(self, server: int, base_url: str, jobs: list[Job]) -> None:
        with HttpClient(base_url, keep_alive=True, timeout=10) as client:
            for n in range(10**9):
                if self._stop.is_set():
                    return
                url, params = jobs[n % len(jobs)]
                start = time.monotonic()
                timing = ""
                try:
                    reply = client.get(url)
                except Exception as error:  # every failure is an answer too
                    problem: str | None = f"{type(error).__name__}: {error}"
                else:
                    timing = reply.headers.get("Server-Timing", "")
                    if reply.status_code != 200:
                        problem = f"{reply.status_code} {reply.data[:200]!r}"
                    else:
                        problem = mismatch(reply.data, params)
                self.answers.append(
                    Answer(server, url, start, time.monotonic(), problem, timing)
                )
                self._stop.wait(0.02)


Job = tuple[str, dict[str, t.Any]]


def breaker_events(server: GunicornServer) -> list[str]:
    """The breaker's log lines, in order: ``"opened <error class>"`` and
    ``"closed"`` (one worker per server, so one breaker)."""
    events = []
    for line in server.log_path.read_text(errors="replace").splitlines():
        opened = OPENED.search(line)
        if opened:
            events.append(f"opened {opened.group(1)}")
        elif CLOSED in line:
            events.append("closed")
    return events


def wait_until(
    check: t.Callable[[], bool], what: str, servers: t.Sequence[GunicornServer]
) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        if time.monotonic() > deadline:
            logs = "\n".join(f"{s.url}:\n{s.log()}" for s in servers)
            pytest.fail(f"not within {DEADLINE}s: {what}\n{logs}")
        time.sleep(0.05)


def test_two_servers_ride_out_a_stalled_then_killed_redis(
    gunicorn_server, redis_process
):
    env = {
        "SERVED_APP_CACHE": redis_process.url,
        "SERVED_APP_CACHE_PREFIX": f"{uuid.uuid4().hex}:",
        "SERVED_APP_CACHE_TIMEOUT": str(SOCKET_TIMEOUT),
        "SERVED_APP_CACHE_RETRY": str(CACHE_RETRY),
    }
    servers = [
        gunicorn_server(APP, workers=1, worker_class="gthread", threads=4, env=env)
        for _ in range(2)
    ]
    params = [params_for(index) for index in range(24)]
    jobs = list(zip(urls_for(create_app({}), "tile", params), params, strict=True))

    def events_are(expected: list[str]) -> bool:
        return all(breaker_events(s) == expected for s in servers)

    def both_hit(since: float) -> bool:
        return all(
            any(HIT in a.timing for a in load.served(k, since)) for k in range(2)
        )

    load = Load(servers, jobs).start()
    try:
        wait_until(lambda: both_hit(0.0), "a cache hit on each server", servers)

        # Stalled: connections stay open and nothing answers.
        redis_process.pause()
        paused = time.monotonic()
        time.sleep(PAUSE)
        redis_process.resume()
        resumed = time.monotonic()
        wait_until(
            lambda: events_are(STALL),
            "the breaker opened on the stall and closed after it",
            servers,
        )

        # Dead: connections refused; then an empty Redis on the same port.
        redis_process.kill()
        wait_until(
            lambda: events_are(STALL + DEATH[:1]),
            "the breaker opened on the dead Redis",
            servers,
        )
        time.sleep(CACHE_RETRY)
        redis_process.restart()
        wait_until(
            lambda: events_are(STALL + DEATH),
            "the breaker closed after the restart",
            servers,
        )
        closed = time.monotonic()
        wait_until(lambda: both_hit(closed), "a cache hit after the restart", servers)
    finally:
        load.stop()

    problems = [f"{a.url}: {a.problem}" for a in load.answers if a.problem]
    assert problems == []
    slowest = max(load.answers, key=lambda a: a.seconds)
    assert slowest.seconds <= LONGEST, slowest
    for k, server in enumerate(servers):
        # Logged once per opening and closing, however many requests failed.
        assert breaker_events(server) == STALL + DEATH
        answers = load.served(k)
        # While Redis was stalled, the breaker kept requests from waiting:
        # only the lookups in flight when it opened, and then one per retry,
        # paid the socket timeout (without it: every lookup, ~4 per thread).
        # The server's own timing of each lookup, which a busy machine's
        # scheduling delays hardly touch.
        stalled = [a for a in answers if a.lookup >= 0.8 * SOCKET_TIMEOUT]
        assert len(stalled) <= THREADS + PAUSE / CACHE_RETRY + 1, stalled
        assert stalled, "no lookup met the stalled Redis"
        during_pause = [a for a in answers if paused <= a.start and a.end <= resumed]
        assert len(during_pause) >= 5
        assert len(answers) > 100


def test_a_redis_cache_without_socket_timeouts_is_refused_at_start(gunicorn_server):
    # redis-py's default from a URL: no timeouts (port 9: nothing is asked).
    env = {
        "SERVED_APP_CACHE": "redis://127.0.0.1:9/0",
        "SERVED_APP_CACHE_TIMEOUT": "none",
    }
    with pytest.raises(ConfigurationError) as refused:
        create_app(env)
    message = str(refused.value)
    assert "socket_timeout" in message and "CACHE_OPTIONS" in message

    # gunicorn's worker does not boot; the log says why.
    with pytest.raises(ServerError, match=r"CACHE_OPTIONS = \{'socket_timeout'"):
        gunicorn_server(APP, workers=1, env=env, ready_path=None)

    # The boundary: with both timeouts set, the same app starts.
    assert create_app({**env, "SERVED_APP_CACHE_TIMEOUT": str(SOCKET_TIMEOUT)})
