"""Concurrency control for renders in one process: slots and single-flight.

:class:`RenderSlots` caps how many generators run at once, and how long a
request waits for its turn. :class:`SingleFlight` lets identical concurrent
requests share one render. Both use only :mod:`threading`, so they work in
gunicorn's sync and gthread workers alike (and under gevent, which patches it).
"""

from __future__ import annotations

import itertools
import math
import threading
import time
import typing as t

from ..exceptions import RenderBusy

__all__ = ["STUCK_RETRY", "RenderSlots", "SingleFlight"]

T = t.TypeVar("T")

#: The least ``Retry-After`` (seconds) while a render past its timeout holds
#: the slot a client waits for.
STUCK_RETRY = 2.0


class RenderSlots:
    """At most ``size`` renders at once; a request waits ``wait`` seconds.

    A counter under a lock, not a ``threading.Semaphore``: taking a free
    slot, the common case, is then one C-level lock, not a Python method.
    It also keeps when each running render began and how long renders
    typically take, to tell a client turned away when to come back.

    A render that ran past its timeout and cannot be stopped (in a thread)
    is *abandoned* (:meth:`abandon`): its client has had its answer, and up
    to ``max_abandoned`` such renders give their slot back at once, so that
    a few stuck generators cannot make every picture unavailable. Past that
    cap they keep their slots until they end, and :attr:`healthy` is false:
    the process should be replaced.

    :param size: how many generator calls may run at once.
    :param wait: seconds to wait for a free slot before giving up.
    :param clock: seconds from a fixed point (``time.monotonic``).
    :param timeout: seconds a render may take (``None``: no limit); a render
        past it is not expected to end soon.
    :param max_abandoned: how many abandoned renders may run on without a
        slot (``None``: ``size``).
    """

    def __init__(
        self,
        size: int,
        wait: float,
        clock: t.Callable[[], float] = time.monotonic,
        *,
        timeout: float | None = None,
        max_abandoned: int | None = None,
    ) -> None:
        self.size = size
        self.wait = wait
        self.clock = clock
        self.timeout = timeout
        self.max_abandoned = size if max_abandoned is None else max_abandoned
        #: Renders abandoned since the start (a counter for metrics).
        self.abandoned_total = 0
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._free = size
        self._waiting = 0
        self._tickets = itertools.count()
        #: ticket -> when its render began (time.monotonic()), for the
        #: renders that hold a slot.
        self._running: dict[int, float] = {}
        #: The tickets of abandoned renders still running.
        self._abandoned: set[int] = set()
        #: A moving average of how long renders took, once one has finished.
        self._typical: float | None = None

    @property
    def in_use(self) -> int:
        """How many slots are taken now (a gauge for metrics)."""
        return self.size - self._free

    @property
    def abandoned(self) -> int:
        """How many abandoned renders are still running (a gauge)."""
        return len(self._abandoned)

    @property
    def healthy(self) -> bool:
        """No more abandoned renders run than ``max_abandoned``."""
        return len(self._abandoned) <= self.max_abandoned

    def acquire(self) -> int:
        """Take a slot; give it back with :meth:`release`.

        :returns: the ticket to give back.
        :raises RenderBusy: no slot came free within :attr:`wait` seconds.
        """
        with self._lock:
            if not self._free:
                deadline = self.clock() + self.wait
                self._waiting += 1
                try:
                    while not self._free:
                        remaining = deadline - self.clock()
                        if remaining <= 0:
                            raise RenderBusy(self.wait, self._retry_after())
                        self._freed.wait(remaining)
                finally:
                    self._waiting -= 1
            self._free -= 1
            ticket = next(self._tickets)
            self._running[ticket] = self.clock()
            return ticket

    def release(self, ticket: int) -> None:
        """The render of ``ticket`` is over: its slot is free (if it still
        held one)."""
        with self._lock:
            started = self._running.pop(ticket, None)
            if ticket in self._abandoned:
                # Stuck, not typical: its time says nothing of the others'.
                self._abandoned.discard(ticket)
            elif started is not None:
                took = self.clock() - started
                typical = self._typical
                self._typical = took if typical is None else 0.8 * typical + 0.2 * took
            if started is not None:
                self._give_back()

    def abandon(self, ticket: int) -> bool:
        """The render of ``ticket`` ran past its timeout, its client has been
        answered, and it goes on; :meth:`release` still follows at its end.

        :returns: whether it gave its slot back (``False``: more abandoned
            renders run than ``max_abandoned``, so it keeps it).
        """
        with self._lock:
            self._abandoned.add(ticket)
            self.abandoned_total += 1
            if len(self._abandoned) > self.max_abandoned:
                return False
            del self._running[ticket]
            self._give_back()
            return True

    def _give_back(self) -> None:
        self._free += 1
        if self._waiting:
            self._freed.notify()

    def retry_after(self, started: float | None = None) -> int:
        """Whole seconds until a turned-away client may find a free slot (or,
        with ``started``, a render that began then done): at least 1."""
        with self._lock:
            if started is None:
                return self._retry_after()
            return _whole(self._left(started, self.clock()))

    def _retry_after(self) -> int:
        now = self.clock()
        if not self._running:
            return _whole(self.wait)
        return _whole(min(self._left(s, now) for s in self._running.values()))

    def _left(self, started: float, now: float) -> float:
        # How much longer a render that began at ``started`` should take: the
        # rest of a typical render, or, past that (or with none finished yet),
        # about as long again as it has run.
        elapsed = now - started
        if self.timeout is not None and elapsed >= self.timeout:
            # Past its timeout it is stuck, whatever renders typically take:
            # a client told 1 s would be back at once, with every other one.
            return max(elapsed, STUCK_RETRY)
        typical = self._typical
        if typical is not None and typical > elapsed:
            return typical - elapsed
        return elapsed


def _whole(seconds: float) -> int:
    return max(1, math.ceil(seconds))


class _Flight:
    __slots__ = ("done", "error", "result", "started")

    def __init__(self, started: float) -> None:
        self.started = started
        # Held by the caller that runs the function until it has finished:
        # a plain lock is a C object, far cheaper than an Event, and every
        # render of a deterministic picture makes one.
        self.done = threading.Lock()
        self.done.acquire()
        self.result: t.Any = None
        self.error: BaseException | None = None

    def wait(self, seconds: float) -> bool:
        """Wait for the leader; ``False`` if it is not done in time."""
        if not self.done.acquire(timeout=seconds):
            return False
        self.done.release()
        return True


class SingleFlight:
    """Identical concurrent calls run once; the others wait and share it.

    Only calls in flight at the same moment are shared: once the first
    finishes, the next identical call runs again (the cache, not this, keeps
    results). Its exception, if it raises, reaches every waiter too. A
    waiter waits at most as long as a request waits for a render slot.

    :param slots: the render slots whose wait bounds a waiter's, and which
        say when to come back.
    """

    def __init__(self, slots: RenderSlots) -> None:
        self._slots = slots
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}

    def run(self, key: str, function: t.Callable[[], T]) -> tuple[T, bool]:
        """Run ``function`` once for all concurrent callers with ``key``.

        :returns: its result, and whether this call ran it (``False``: the
            result was shared from another caller's run).
        :raises RenderBusy: another caller's run was not done within the
            slots' wait.
        """
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight(self._slots.clock())
        if not leader:
            if not flight.wait(self._slots.wait):
                raise RenderBusy(
                    self._slots.wait,
                    self._slots.retry_after(flight.started),
                    "this picture is still being drawn for another request",
                )
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
