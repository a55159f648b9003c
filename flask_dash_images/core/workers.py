"""Where a render runs: in the request's thread, or in a worker process.

A *job* is a generator call and the encoding of its result. Three runners:

- :class:`InThread` (the default): in the request's thread; nothing bounds
  its time.
- :class:`InThreadWithTimeout` (``DASH_IMAGES_RENDER_TIMEOUT`` without
  processes): in a thread of its own, so the request is answered at the
  deadline; Python cannot stop a thread, so the render goes on, holding its
  render slot, until the generator returns.
- :class:`ProcessPool` (``DASH_IMAGES_RENDER_PROCESSES``): in worker
  processes, which can be stopped. A render over the timeout is answered at
  the deadline and its worker killed and replaced; a worker that dies costs
  its request a 500 and nothing more; workers are replaced after
  ``max_tasks`` renders (matplotlib figures are reference cycles, and memory
  a C library took is never given back).

The pool is the standard library's ``multiprocessing`` with the
``forkserver`` start method, driven by hand, one job per worker at a time:
a worker is forked from a small, single-threaded server process, never from
the threaded web server (a fork of a thread-holding process copies its locks
held, such as logging's); a stuck job is stopped by killing exactly its
worker (``concurrent.futures.ProcessPoolExecutor`` cannot: a killed worker
breaks the whole pool), and each request waits on its own worker's pipe,
which says at once when the worker dies.
"""

from __future__ import annotations

import contextvars
import importlib.util
import math
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import threading
import time
import typing as t
import weakref

from werkzeug.exceptions import HTTPException, abort

from ..exceptions import RenderBusy
from . import coordinates, render
from .logs import describe

if t.TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

__all__ = [
    "InThread",
    "InThreadWithTimeout",
    "Job",
    "ProcessPool",
    "RemoteError",
    "Runner",
    "WorkerDied",
    "check_sendable",
    "run_job",
]

#: What a job gives back: the encoded bytes, its coordinate map (JSON, for
#: a job with ``coordinates``), and the seconds the generator and the
#: encoding took.
Result = tuple[bytes, "str | None", float, float]


class Job(t.NamedTuple):
    """One render: ``function(*args, **kwargs)``, encoded as ``fmt``."""

    function: t.Callable[..., t.Any]
    args: tuple[t.Any, ...]
    kwargs: dict[str, t.Any]
    fmt: str
    options: t.Mapping[str, t.Any]
    max_pixels: int
    coordinates: bool = False


class Runner(t.Protocol):
    def run(self, job: Job, release: t.Callable[[], None]) -> Result:
        """Run ``job``; call ``release`` exactly once, when it is over (which
        may be after this returns, for a render that cannot be stopped).

        :raises RenderBusy: it ran over the timeout.
        :raises HTTPException: the generator aborted.
        :raises Exception: the generator's error (or :class:`RemoteError`,
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
    crash in C)."""


def run_job(job: Job) -> Result:
    """Call the generator and encode its result (with its coordinate map, if
    the job asks), timing both."""
    started = time.perf_counter()
    result = job.function(*job.args, **job.kwargs)
    called = time.perf_counter()
    fmt = render.FORMATS[job.fmt]
    found: str | None = None
    if job.coordinates:
        data, found = coordinates.encode_with_map(
            result, fmt, job.options, job.max_pixels
        )
    else:
        data = render.encode(result, fmt, job.options, job.max_pixels)
    return data, found, called - started, time.perf_counter() - called


def check_sendable(function: t.Callable[..., t.Any]) -> str | None:
    """Why ``function`` cannot be sent to a worker process, or ``None``.

    A worker gets a generator by its module and qualified name, as pickle
    sends functions: a lambda or a function defined inside another has none.
    """
    try:
        pickle.dumps(function)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


class InThread:
    """Run in the request's thread."""

    def run(self, job: Job, release: t.Callable[[], None]) -> Result:
        try:
            return run_job(job)
        finally:
            release()


class InThreadWithTimeout:
    """Run in a thread of its own, answering at the deadline.

    The thread carries the request's context (``contextvars``: Flask's
    ``current_app`` and ``request`` work in the generator as usual).
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def run(self, job: Job, release: t.Callable[[], None]) -> Result:
        done = threading.Event()
        outcome: list[t.Any] = []

        def work() -> None:
            try:
                outcome.append(("ok", run_job(job)))
            except BaseException as error:
                outcome.append(("error", error))
            finally:
                release()
                done.set()

        context = contextvars.copy_context()
        threading.Thread(
            target=context.run, args=(work,), name="dash-images-render", daemon=True
        ).start()
        if not done.wait(self.timeout):
            raise timed_out(self.timeout)
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


class _Worker:
    __slots__ = ("conn", "process", "tasks")

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.tasks = 0

    def stop(self, kill: bool) -> None:
        """Ask it to end (or kill it), and wait for it."""
        try:
            if kill:
                self.process.kill()
            else:
                self.conn.send_bytes(pickle.dumps(None))
        except (OSError, ValueError):
            pass  # gone already
        self.process.join(1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1)
        self.conn.close()


class ProcessPool:
    """Up to ``size`` worker processes, one job each at a time.

    The caller holds one of at most ``size`` render slots while it runs a
    job, so a worker is always free or may be started. Workers start when
    first needed, in each process that serves (a pool copied by a fork is
    left to its owner).

    :param size: how many workers.
    :param timeout: seconds a job may take (``None``: no limit); then its
        worker is killed and replaced.
    :param max_tasks: jobs a worker runs before it is replaced.
    """

    def __init__(self, size: int, timeout: float | None, max_tasks: int) -> None:
        self.size = size
        self.timeout = timeout
        self.max_tasks = max_tasks
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._pid = os.getpid()
        # Workers end with the pool (an app thrown away), or at exit.
        weakref.finalize(self, _stop_all, self._idle)

    def run(self, job: Job, release: t.Callable[[], None]) -> Result:
        try:
            payload = pickle.dumps(job)
            worker = self._take()
            try:
                reply = self._ask(worker, payload)
            finally:
                self._give(worker)
        finally:
            release()
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
        _stop_all(idle)

    @property
    def idle(self) -> int:
        """How many workers wait for a job in this process."""
        return len(self._idle)

    def _ask(self, worker: _Worker, payload: bytes) -> tuple[t.Any, ...]:
        worker.tasks += 1
        try:
            worker.conn.send_bytes(payload)
            if not worker.conn.poll(self.timeout):
                worker.stop(kill=True)
                raise timed_out(t.cast(float, self.timeout))
            return t.cast(tuple[t.Any, ...], pickle.loads(worker.conn.recv_bytes()))
        except (EOFError, OSError):
            worker.stop(kill=True)
            raise WorkerDied(
                f"the render worker process died (exit code {worker.process.exitcode})"
            ) from None

    def _take(self) -> _Worker:
        with self._lock:
            if os.getpid() != self._pid:
                # Forked: those workers are the parent's.
                self._idle.clear()
                self._pid = os.getpid()
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.stop(kill=True)  # died while idle
        return _start()

    def _give(self, worker: _Worker) -> None:
        if not worker.process.is_alive():
            return  # killed: the next job starts another
        if worker.tasks >= self.max_tasks:
            worker.stop(kill=False)
            return
        with self._lock:
            self._idle.append(worker)


def _stop_all(workers: list[_Worker]) -> None:
    for worker in list(workers):
        worker.stop(kill=False)
    workers.clear()


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # Imported once in the server that forks the workers, not per worker.
        preload = [__name__]
        preload += [
            name
            for name in (
                "numpy",
                "matplotlib.figure",
                "matplotlib.backends.backend_agg",
            )
            if importlib.util.find_spec(name.partition(".")[0]) is not None
        ]
        context.set_forkserver_preload(preload)
    return context


_CONTEXT: multiprocessing.context.BaseContext | None = None
_CONTEXT_LOCK = threading.Lock()


def _start() -> _Worker:
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            _CONTEXT = _context()
        context = _CONTEXT
    ours, theirs = context.Pipe()
    process = context.Process(  # type: ignore[attr-defined]
        target=_serve, args=(theirs,), name="dash-images-render", daemon=True
    )
    process.start()
    theirs.close()
    return _Worker(process, ours)


def _end_with(parent: BaseProcess) -> None:
    multiprocessing.connection.wait([parent.sentinel])
    os._exit(1)


def _serve(conn: Connection) -> None:
    """A worker's life: run jobs until told to stop or the pool is gone."""
    # Ctrl-C and the server's own shutdown are the parent's to handle.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A server killed outright (gunicorn's graceful timeout, out of memory)
    # never stops its workers: end with it, even in the middle of a job.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    while True:
        try:
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            return
        reply: tuple[t.Any, ...]
        try:
            job = pickle.loads(payload)
            if job is None:
                return
            reply = ("ok", *run_job(job))
        except HTTPException as error:
            reply = ("abort", error.code, error.description)
        except BaseException as error:
            reply = ("failed", type(error).__name__, str(error), describe(error))
        try:
            conn.send_bytes(pickle.dumps(reply))
        except (OSError, ValueError):
            return
