"""A server cache behind a circuit breaker: a cache that fails costs speed,
never a request, and a stalled one costs one short timeout, not one per
request.

When a cache call raises (a refused connection, a socket timeout), the
breaker opens: the cache is skipped for ``retry`` seconds. Then one request
tries it again (half-open); success closes the breaker, failure opens it for
another ``retry`` seconds. Each opening is logged once, and so is the
closing, never every request.
"""

from __future__ import annotations

import logging
import threading
import time
import typing as t

__all__ = ["GuardedCache", "check_timeouts"]


class _Backend(t.Protocol):
    def get(self, key: str) -> t.Any: ...

    def set(self, key: str, value: t.Any, timeout: int | None = None) -> t.Any: ...


#: What the cache keeps of a picture: its bytes, or its bytes and its
#: coordinate map.
Kept: t.TypeAlias = bytes | tuple[bytes, str]


class GuardedCache:
    """``get``/``set`` on a cachelib-style backend that never raise.

    :param backend: the Flask-Caching backend (``SimpleCache``, ``RedisCache``...).
    :param retry: seconds the cache is skipped after a failure.
    :param logger: where openings and closings are logged.
    :param clock: ``time.monotonic``; tests may pass another.
    """

    def __init__(
        self,
        backend: _Backend,
        retry: float,
        logger: logging.Logger,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.retry = retry
        self.logger = logger
        self._clock = clock
        self._lock = threading.Lock()
        # The breaker is closed while _open_until is 0.0.
        self._open_until = 0.0
        self._trying = False

    @property
    def is_open(self) -> bool:
        """Whether the cache is being skipped after a failure."""
        return self._open_until != 0.0

    def get(self, key: str) -> Kept | None:
        """The cached bytes (with a coordinate map, for a picture that has
        one), or ``None`` when missing or the cache is down."""
        value = self._call("get", key)
        if isinstance(value, bytes):
            return value
        if (
            isinstance(value, tuple)
            and len(value) == 2
            and isinstance(value[0], bytes)
            and isinstance(value[1], str)
        ):
            return value
        return None

    def set(self, key: str, data: Kept, timeout: int | None) -> None:
        """Keep ``data``; does nothing when the cache is down."""
        self._call("set", key, data, timeout=timeout)

    def _call(self, method: str, *args: t.Any, **kwargs: t.Any) -> t.Any:
        trial = False
        if self._open_until:
            if not self._may_try():
                return None
            trial = True
        try:
            result = getattr(self.backend, method)(*args, **kwargs)
        except Exception as error:
            self._failed(method, error, trial)
            return None
        # Only the half-open trial closes the breaker: a call sent before a
        # failure and answered after it proves nothing about now.
        if trial:
            self._closed()
        return result

    def _may_try(self) -> bool:
        # Open: only one request at a time tries again, once retry has passed.
        with self._lock:
            if self._trying or self._clock() < self._open_until:
                return False
            self._trying = True
            return True

    def _failed(self, method: str, error: Exception, trial: bool) -> None:
        with self._lock:
            was_closed = not self._open_until
            if was_closed or trial:
                self._open_until = self._clock() + self.retry
            if trial:
                self._trying = False
        if was_closed:
            self.logger.warning(
                "Image cache %s failed (%s: %s); skipping the cache for %gs",
                method,
                type(error).__name__,
                error,
                self.retry,
            )

    def _closed(self) -> None:
        with self._lock:
            self._open_until = 0.0
            self._trying = False
        self.logger.warning("Image cache answers again; using it")


def check_timeouts(backend: object) -> str | None:
    """What is wrong with a cache client that could wait forever, if anything.

    A Redis client without ``socket_timeout`` waits for good on a server that
    stopped answering (its socket still open): every request would hang.
    """
    for name in ("_read_client", "_write_client"):
        client = getattr(backend, name, None)
        pool = getattr(client, "connection_pool", None)
        kwargs = getattr(pool, "connection_kwargs", None)
        if kwargs is None:
            continue
        missing = [
            key
            for key in ("socket_timeout", "socket_connect_timeout")
            if kwargs.get(key) is None
        ]
        if missing:
            return (
                f"the Redis cache client has no {' or '.join(missing)}, so a"
                " stalled Redis would hang every image request; set"
                " CACHE_OPTIONS = {'socket_timeout': 0.5,"
                " 'socket_connect_timeout': 0.5} (seconds)"
            )
    return None
