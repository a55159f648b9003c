"""Concurrency control for renders in one process: slots and single-flight.

:class:`RenderSlots` caps how many generators run at once, and how long a
request waits for its turn. :class:`SingleFlight` lets identical concurrent
requests share one render. Both use only :mod:`threading`, so they work in
gunicorn's sync and gthread workers alike (and under gevent, which patches it).
"""

from __future__ import annotations

import threading
import time
import typing as t

from ..exceptions import RenderBusy

__all__ = ["RenderSlots", "SingleFlight"]

T = t.TypeVar("T")


class RenderSlots:
    """At most ``size`` renders at once; a request waits ``wait`` seconds.

    A counter under a lock, not a ``threading.Semaphore``: taking a free
    slot, the common case, is then one C-level lock, not a Python method.

    :param size: how many generator calls may run at once.
    :param wait: seconds to wait for a free slot before giving up.
    """

    def __init__(self, size: int, wait: float) -> None:
        self.size = size
        self.wait = wait
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._free = size
        self._waiting = 0

    @property
    def in_use(self) -> int:
        """How many slots are taken now (a gauge for metrics)."""
        return self.size - self._free

    def acquire(self) -> None:
        """Take a slot; give it back with :meth:`release`.

        :raises RenderBusy: no slot came free within :attr:`wait` seconds.
        """
        with self._lock:
            if self._free:
                self._free -= 1
                return
            deadline = time.monotonic() + self.wait
            self._waiting += 1
            try:
                while not self._free:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise RenderBusy(self.wait)
                    self._freed.wait(remaining)
                self._free -= 1
            finally:
                self._waiting -= 1

    def release(self) -> None:
        with self._lock:
            self._free += 1
            if self._waiting:
                self._freed.notify()


class _Flight:
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        # Held by the caller that runs the function until it has finished:
        # a plain lock is a C object, far cheaper than an Event, and every
        # render of a deterministic picture makes one.
        self.done = threading.Lock()
        self.done.acquire()
        self.result: t.Any = None
        self.error: BaseException | None = None

    def wait(self) -> None:
        self.done.acquire()
        self.done.release()


class SingleFlight:
    """Identical concurrent calls run once; the others wait and share it.

    Only calls in flight at the same moment are shared: once the first
    finishes, the next identical call runs again (the cache, not this, keeps
    results). Its exception, if it raises, reaches every waiter too.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}

    def run(self, key: str, function: t.Callable[[], T]) -> tuple[T, bool]:
        """Run ``function`` once for all concurrent callers with ``key``.

        :returns: its result, and whether this call ran it (``False``: the
            result was shared from another caller's run).
        """
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leader:
            flight.wait()
            if flight.error is not None:
                raise flight.error
            return t.cast(T, flight.result), False
        try:
            flight.result = function()
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.release()
        return t.cast(T, flight.result), True
