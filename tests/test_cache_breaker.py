"""The server cache's circuit breaker, step by step on a clock of the test's
own: a failure opens it, the cache is skipped for DASH_IMAGES_CACHE_RETRY
seconds, then one request tries it again; success closes it, failure opens it
for another retry period.

(Through the route: test_server_cache.py; a real Redis that stalls and dies
under two gunicorn servers: test_servers_redis_faults.py.)
"""

from __future__ import annotations

import logging
import threading

import pytest
from cachelib import SimpleCache

from flask_dash_images.core.cache_guard import GuardedCache

RETRY = 30.0
OPENED = "Image cache get failed (ConnectionError: refused); skipping the cache for 30s"
CLOSED = "Image cache answers again; using it"


class FlakyCache(SimpleCache):
    """A SimpleCache that refuses every call while ``down`` is set, and
    counts the calls that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.calls = 0

    def get(self, key):
        self.calls += 1
        if self.down:
            raise ConnectionError("refused")
        return super().get(key)

    def set(self, key, value, timeout=None):
        self.calls += 1
        if self.down:
            raise ConnectionError("refused")
        return super().set(key, value, timeout=timeout)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def logger(caplog):
    logger = logging.getLogger(f"{__name__}.breaker")
    caplog.set_level(logging.WARNING, logger.name)
    return logger


@pytest.fixture
def backend():
    return FlakyCache()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def guard(backend, clock, logger):
    return GuardedCache(backend, retry=RETRY, logger=logger, clock=clock)


def messages(caplog):
    return [r.getMessage() for r in caplog.records]


def test_a_failure_opens_the_breaker_until_the_retry_period_has_passed(
    guard, backend, clock, caplog
):
    guard.set("k", b"picture", timeout=None)
    assert guard.get("k") == b"picture"
    backend.down = True
    assert guard.get("k") is None
    assert guard.is_open and backend.calls == 3
    for clock.now in (1.0, 10.0, RETRY - 0.1):
        assert guard.get("k") is None
        guard.set("k", b"other", timeout=None)
    # Skipped: neither asked nor stored while the breaker is open.
    assert backend.calls == 3
    assert messages(caplog) == [OPENED]


def test_a_failed_trial_reopens_the_breaker_for_another_retry_period(
    guard, backend, clock, caplog
):
    backend.down = True
    assert guard.get("k") is None
    assert backend.calls == 1

    # The retry period has passed: one request tries the cache, which still
    # refuses...
    clock.now = RETRY + 1
    assert guard.get("k") is None
    assert backend.calls == 2 and guard.is_open
    # ...so it is skipped for another retry period from that trial, not
    # tried by every request that follows.
    for clock.now in (RETRY + 2, RETRY + 10, 2 * RETRY + 0.9):
        assert guard.get("k") is None
        guard.set("k", b"picture", timeout=None)
    assert backend.calls == 2

    # A second trial after that, with the cache back: it closes the breaker.
    backend.down = False
    clock.now = 2 * RETRY + 1.1
    guard.set("k", b"picture", timeout=None)
    assert backend.calls == 3 and not guard.is_open
    assert guard.get("k") == b"picture"
    # One opening and one closing logged, not the failed trial.
    assert messages(caplog) == [OPENED, CLOSED]


def test_only_one_request_at_a_time_tries_an_open_breaker(guard, backend, clock):
    backend.down = True
    assert guard.get("k") is None
    clock.now = RETRY + 1
    trying = threading.Event()
    answer = threading.Event()
    original = FlakyCache.get

    def slow_get(key):
        trying.set()
        assert answer.wait(5)
        return original(backend, key)

    backend.get = slow_get
    backend.down = False
    trial = threading.Thread(target=guard.get, args=("k",))
    trial.start()
    assert trying.wait(5)
    # While the trial is out, other requests skip the cache.
    del backend.get
    calls = backend.calls
    assert guard.get("k") is None
    assert backend.calls == calls
    answer.set()
    trial.join(5)
    assert not guard.is_open


def test_an_answer_from_before_a_failure_does_not_close_the_breaker(caplog):
    """What the servers of test_servers_redis_faults.py sometimes show under
    load (a closing and a second opening logged within milliseconds of the
    kill), step by step."""

    class Backend:
        def __init__(self) -> None:
            self.asked = threading.Event()
            self.answer = threading.Event()

        def get(self, key: str) -> bytes:
            if key == "in flight":
                self.asked.set()
                self.answer.wait(5)
                return b"an answer from before"
            raise ConnectionError("refused")

    backend = Backend()
    logger = logging.getLogger(f"{__name__}.breaker")
    guard = GuardedCache(backend, retry=30, logger=logger, clock=lambda: 0.0)
    caplog.set_level(logging.WARNING, logger.name)
    in_flight = threading.Thread(target=guard.get, args=("in flight",))
    in_flight.start()
    assert backend.asked.wait(5)
    assert guard.get("down") is None  # fails: the breaker opens
    backend.answer.set()
    in_flight.join(5)

    assert guard.is_open  # no retry period has passed
    assert guard.get("down") is None  # skipped, not tried
    assert [r.getMessage() for r in caplog.records] == [
        "Image cache get failed (ConnectionError: refused); skipping the cache for 30s",
    ]
