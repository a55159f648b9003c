"""Where a render runs: in the request's thread, or in a worker process.

A *job* (:mod:`.jobs`) is a generator call and the encoding of its result.
Three runners:

- :class:`InThread` (the default): in the request's thread; nothing bounds
  its time.
- :class:`InThreadWithTimeout` (``DASH_IMAGES_RENDER_TIMEOUT`` without
  processes): in a thread of its own, so the request is answered at the
  deadline. Python cannot stop a thread, so the render goes on: it is
  *abandoned* (its lease says what that costs: see
  :meth:`.flight.RenderSlots.abandon`).
- :class:`ProcessPool` (``DASH_IMAGES_RENDER_PROCESSES``): in worker
  processes (:mod:`.worker_process`), which can be stopped. A render over
  the timeout, counted from when it asked for a worker, is answered at the
  deadline and its worker killed with everything it started; a worker that
  dies costs its request a 500 and nothing more, and one that died while
  idle costs nothing (the job goes to another); workers are replaced after
  ``max_tasks`` renders (matplotlib figures are reference cycles, and
  memory a C library took is never given back).

The pool is the standard library's ``multiprocessing``, driven by hand, one
job per worker at a time: a stuck job is stopped by killing exactly its
worker (``concurrent.futures.ProcessPoolExecutor`` cannot: a killed worker
breaks the whole pool). Workers start in a thread of their own, so that a
request is answered at its deadline while a slow start (the forkserver's
first, which imports matplotlib) goes on; a worker that starts late serves
the next job.
"""

from __future__ import annotations

import contextvars
import math
import os
import pickle
import threading
import time
import typing as t
import weakref

from werkzeug.exceptions import abort

from ..exceptions import RenderBusy
from .jobs import Job, Result, run_job
from .references import Loading, by_name, check_sendable, reference_for
from .worker_process import NAME, WorkerProcess, in_worker, start

__all__ = [
    "InThread",
    "InThreadWithTimeout",
    "Job",
    "Lease",
    "ProcessPool",
    "RemoteError",
    "Result",
    "Runner",
    "WorkerDied",
    "check_sendable",
    "run_job",
]


class Lease(t.Protocol):
    """A render's hold on its render slot, as a runner reports on it."""

    def release(self) -> None:
        """The render is over (called exactly once)."""

    def abandon(self) -> None:
        """Its client has been answered (it ran past its timeout), but the
        render cannot be stopped and goes on; :meth:`release` follows when
        it ends."""


class Runner(t.Protocol):
    def run(self, job: Job, lease: Lease) -> Result:
        """Run ``job``; release ``lease`` when it is over (which may be after
        this returns, for a render that cannot be stopped).

        :raises RenderBusy: it ran over the timeout.
        :raises HTTPException: the generator aborted.
        :raises BaseException: the generator's error (or :class:`RemoteError`,
            :class:`WorkerDied` from a worker process).
        """


class RemoteError(Exception):
    """A generator's error in a worker process, with the worker's traceback.

    :param kind: the error's type name.
    :param trace: the traceback, as :func:`.logs.describe` wrote it.
    """

    def __init__(self, kind: str, message: str, trace: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.trace = trace


class WorkerDied(Exception):
    """The worker process died during the render (killed, out of memory, a
    crash in C), or could not be started."""


class InThread:
    """Run in the request's thread."""

    def run(self, job: Job, lease: Lease) -> Result:
        try:
            return run_job(job)
        finally:
            lease.release()


class InThreadWithTimeout:
    """Run in a thread of its own, answering at the deadline; a render past
    it goes on, abandoned.

    The thread carries the request's context (``contextvars``: Flask's
    ``current_app`` and ``request`` work in the generator as usual).
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def run(self, job: Job, lease: Lease) -> Result:
        done = threading.Event()
        lock = threading.Lock()
        ended = False
        outcome: list[t.Any] = []

        def work() -> None:
            nonlocal ended
            try:
                outcome.append(("ok", run_job(job)))
            except BaseException as error:
                outcome.append(("error", error))
            finally:
                with lock:
                    ended = True
                lease.release()
                done.set()

        context = contextvars.copy_context()
        threading.Thread(
            target=context.run, args=(work,), name="dash-images-render", daemon=True
        ).start()
        if not done.wait(self.timeout):
            with lock:
                # Abandoned before its end, never after: the lease then
                # sees abandon() before release().
                abandoned = not ended
                if abandoned:
                    lease.abandon()
            if abandoned:
                raise timed_out(self.timeout)
            done.wait()
        kind, value = outcome[0]
        if kind == "error":
            raise value
        return t.cast(Result, value)


def timed_out(timeout: float) -> RenderBusy:
    return RenderBusy(
        timeout,
        math.ceil(timeout),
        f"the picture took longer than DASH_IMAGES_RENDER_TIMEOUT ({timeout:g}s)"
        " to draw",
        waited=False,
    )


class _NotTaken(Exception):
    """The worker died before it took the job."""


class ProcessPool:
    """Up to ``size`` worker processes, one job each at a time.

    The caller holds one of at most ``size`` render slots while it runs a
    job, so a worker is always free, starting, or may be started. Workers
    start when first needed, in each process that serves: a process forked
    from one that had workers (``gunicorn --preload`` after a render at
    import) starts its own, and its own forkserver.

    :param size: how many workers.
    :param timeout: seconds a job may take, from when it asks for a worker
        (``None``: no limit); then its worker is killed and replaced.
    :param max_tasks: jobs a worker runs before it is replaced.
    :param loading: entered around the import of a generator's module in a
        worker (see :func:`.references.resolve`).
    """

    def __init__(
        self,
        size: int,
        timeout: float | None,
        max_tasks: int,
        *,
        loading: Loading | None = None,
    ) -> None:
        self.size = size
        self.timeout = timeout
        self.max_tasks = max_tasks
        self.loading = loading
        self._references: dict[t.Any, t.Any] = {}
        self._reset()
        self._idle: list[WorkerProcess] = []
        # Workers end with the pool (an app thrown away), or at exit.
        weakref.finalize(self, _stop_all, self._idle)
        _watch_forks(self)

    def _reset(self) -> None:
        #: Goes up at each close(): a worker started before it is not kept.
        self._generation = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        #: Workers started or starting, not stopped.
        self._workers = 0
        self._starting = 0
        #: Callers waiting for a worker.
        self._wanting = 0
        self._failures: list[BaseException] = []

    def run(self, job: Job, lease: Lease) -> Result:
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        try:
            if in_worker():
                # A module imported in a worker renders (a warm-up at import):
                # a worker has no workers of its own.
                return run_job(job)
            function = job.function
            if by_name(function):
                function = self._references.get(function) or reference_for(function)
                self._references[job.function] = function
            reply = self._run(pickle.dumps(job._replace(function=function)), deadline)
        finally:
            lease.release()
        kind = reply[0]
        if kind == "ok":
            return t.cast(Result, reply[1:])
        if kind == "abort":
            abort(reply[1], reply[2])
        raise RemoteError(*reply[1:])

    def close(self) -> None:
        """Stop the idle workers (a busy one stops when its job is over)."""
        with self._lock:
            idle, self._idle[:] = list(self._idle), []
            self._workers -= len(idle)
            self._generation += 1
        _stop_all(idle)

    @property
    def idle(self) -> int:
        """How many workers wait for a job in this process."""
        return len(self._idle)

    def _run(self, payload: bytes, deadline: float | None) -> tuple[t.Any, ...]:
        # A worker killed while idle looks alive until its exit is known:
        # the job then goes to the next one, in the end a new one.
        for _ in range(self.size + 1):
            worker = self._take(deadline)
            try:
                return self._ask(worker, payload, deadline)
            except _NotTaken as error:
                if worker.tasks == 1:
                    raise WorkerDied(
                        f"the render worker process ended before it took its"
                        f" first job ({error})"
                    ) from None
        raise WorkerDied("every render worker process died before it took the job")

    def _ask(
        self, worker: WorkerProcess, payload: bytes, deadline: float | None
    ) -> tuple[t.Any, ...]:
        worker.tasks += 1
        try:
            if worker.send(payload):
                message = worker.receive(deadline)
                if message is not None:
                    self._give(worker)
                    return t.cast(tuple[t.Any, ...], pickle.loads(message))
        except TimeoutError:
            self._discard(worker, kill=True)
            raise timed_out(t.cast(float, self.timeout)) from None
        except BaseException:
            self._discard(worker, kill=True)
            raise
        how = worker.describe_exit()
        self._discard(worker, kill=True)
        if worker.taken < worker.tasks:
            raise _NotTaken(how)
        raise WorkerDied(f"the render worker process died ({how})")

    def _take(self, deadline: float | None) -> WorkerProcess:
        dead: list[WorkerProcess] = []
        try:
            with self._lock:
                self._wanting += 1
                try:
                    return self._wait_for_worker(deadline, dead)
                finally:
                    self._wanting -= 1
        finally:
            _stop_all(dead, kill=True)

    def _wait_for_worker(
        self, deadline: float | None, dead: list[WorkerProcess]
    ) -> WorkerProcess:
        while True:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                self._workers -= 1
                dead.append(worker)
            if self._failures:
                raise WorkerDied(
                    f"a render worker process could not start: {self._failures.pop()!r}"
                )
            if self._starting < self._wanting and self._workers < self.size:
                self._starting += 1
                self._workers += 1
                threading.Thread(
                    target=self._start,
                    args=(self._generation,),
                    name=f"{NAME}-start",
                    daemon=True,
                ).start()
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise timed_out(t.cast(float, self.timeout))
            self._changed.wait(left)

    def _start(self, generation: int) -> None:
        try:
            worker = start(self.loading)
        except BaseException as error:
            with self._lock:
                self._starting -= 1
                self._workers -= 1
                if self._wanting:
                    self._failures.append(error)
                self._changed.notify_all()
            return
        with self._lock:
            self._starting -= 1
            keep = generation == self._generation
            if keep:
                self._idle.append(worker)
            else:
                self._workers -= 1
            self._changed.notify_all()
        if not keep:
            worker.stop(kill=False)  # the pool was closed meanwhile

    def _give(self, worker: WorkerProcess) -> None:
        # Alive a moment ago (it answered): a death meanwhile is found when
        # the worker is next taken, or costs nothing (a job not taken goes on).
        if worker.tasks >= self.max_tasks:
            self._discard(worker, kill=False)
            return
        with self._lock:
            self._idle.append(worker)
            self._changed.notify_all()

    def _discard(self, worker: WorkerProcess, kill: bool) -> None:
        with self._lock:
            self._workers -= 1
            self._changed.notify_all()
        worker.stop(kill)

    def _forget(self) -> None:
        # In a forked child: the workers are the parent's, and so may be the
        # locks (held by a thread that did not come along).
        self._reset()
        self._idle.clear()


def _stop_all(workers: list[WorkerProcess], kill: bool = False) -> None:
    for worker in list(workers):
        worker.stop(kill)
    workers.clear()


_pools: weakref.WeakSet[ProcessPool] = weakref.WeakSet()
_watching = False


def _watch_forks(pool: ProcessPool) -> None:
    global _watching
    if not _watching and hasattr(os, "register_at_fork"):  # not on Windows
        os.register_at_fork(after_in_child=_forget_pools)
        _watching = True
    _pools.add(pool)


def _forget_pools() -> None:
    for pool in list(_pools):
        pool._forget()
