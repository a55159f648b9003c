"""One render worker process: starting it, talking to it, stopping it with
everything it started, and its own life on the other side of the pipe.

A worker is forked by ``multiprocessing``'s ``forkserver``: a small,
single-threaded process that has imported Pillow (and numpy and matplotlib
where installed), never the threaded web server (a fork of a
thread-holding process copies its locks held, such as logging's).

Each worker leads a process group of its own, so that the processes a
generator starts (``subprocess.Popen``, ``os.fork()``) are stopped with it.
It counts the jobs it has taken, in memory shared with the server, before
it runs each: a worker that died while idle (killed from outside) is then
known not to have run the job, which can go to another, at no cost to a
render (no message, no wake-up). The server notices a dead worker by its exit (the
process sentinel), not by the end of its pipe, which a process the
generator forked may hold open.
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import multiprocessing.process
import os
import pickle
import signal
import threading
import time
import typing as t

from werkzeug.exceptions import HTTPException

from .jobs import Job, run_job
from .logs import describe
from .references import Loading, Reference, resolve

if t.TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

__all__ = ["NAME", "WorkerProcess", "in_worker", "serve", "start"]

#: The name of every render worker process (``multiprocessing``'s).
NAME = "dash-images-render"
#: What asks a worker to end.
STOP = b"stop"


def in_worker() -> bool:
    """Whether this process is a render worker (where a render asked for,
    by a module imported there, runs at once: a worker has no workers).
    True from the worker's start on, while ``multiprocessing`` imports the
    main script in it too."""
    return multiprocessing.current_process().name == NAME


class WorkerProcess:
    """The server's side of one render worker.

    :param process: the ``multiprocessing`` process.
    :param conn: the server's end of its pipe.
    """

    __slots__ = ("_taken", "conn", "process", "tasks")

    def __init__(self, process: BaseProcess, conn: Connection, taken: t.Any) -> None:
        self.process = process
        self.conn = conn
        self._taken = taken
        #: Jobs sent to it.
        self.tasks = 0

    @property
    def taken(self) -> int:
        """Jobs it has taken (so far as it got to say, before it died)."""
        return int(self._taken.value)

    @property
    def pid(self) -> int:
        return t.cast(int, self.process.pid)

    def alive(self) -> bool:
        return self.process.is_alive()

    def send(self, payload: bytes) -> bool:
        """Send a job; ``False`` if the worker is gone."""
        try:
            self.conn.send_bytes(payload)
        except (OSError, ValueError):
            return False
        return True

    def receive(self, deadline: float | None) -> bytes | None:
        """The worker's next message, or ``None`` once it has exited.

        :param deadline: ``time.monotonic()`` to give up at (``None``: never).
        :raises TimeoutError: nothing came by ``deadline``.
        """
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready = multiprocessing.connection.wait(
            [self.conn, self.process.sentinel], timeout
        )
        if not ready:
            raise TimeoutError
        if self.conn in ready:
            try:
                return self.conn.recv_bytes()
            except (EOFError, OSError):
                return None
        return None  # it exited, though a process it forked holds the pipe

    def describe_exit(self) -> str:
        self.process.join(1)
        return f"exit code {self.process.exitcode}"

    def stop(self, kill: bool) -> None:
        """Ask it to end (or kill it), wait for it, and kill whatever it
        started and left behind (its process group)."""
        if kill:
            self._kill_group()
            with contextlib.suppress(OSError, ValueError):
                self.process.kill()
        else:
            self.send(STOP)
        self.process.join(1)
        if self.process.is_alive():
            with contextlib.suppress(OSError, ValueError):
                self.process.kill()
            self.process.join(1)
        self._kill_group()
        self.conn.close()

    def _kill_group(self) -> None:
        # The group is the worker's own (it made it at its start); if the
        # worker has not made it yet, no group has its pid and this does
        # nothing.
        if hasattr(os, "killpg"):  # not on Windows
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)


def start(loading: Loading | None) -> WorkerProcess:
    """Start a worker (the first one in a process starts the forkserver,
    which takes a while: it imports Pillow, numpy and matplotlib).

    :param loading: entered around the imports of generators' modules in
        the worker (see :func:`.references.resolve`).
    """
    context = _context()
    ours, theirs = context.Pipe()
    taken = context.RawValue("Q", 0)
    process = context.Process(  # type: ignore[attr-defined]
        target=serve, args=(theirs, taken, loading), name=NAME, daemon=True
    )
    process.start()
    theirs.close()
    return WorkerProcess(process, ours, taken)


_context_made: multiprocessing.context.BaseContext | None = None
_context_lock = threading.Lock()


def _context() -> multiprocessing.context.BaseContext:
    global _context_made
    with _context_lock:
        if _context_made is None:
            _context_made = _make_context()
            if hasattr(os, "register_at_fork"):  # not on Windows
                os.register_at_fork(after_in_child=_forget_forkserver)
        return _context_made


def _make_context() -> multiprocessing.context.BaseContext:
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


def _forget_forkserver() -> None:
    """After a fork: a forkserver this process knows of is its parent's
    (``gunicorn --preload`` after a render at import), which it cannot ask
    for workers (``multiprocessing`` would ``waitpid`` another's child:
    ``ChildProcessError``), so it starts its own when it needs one."""
    global _context_lock
    _context_lock = threading.Lock()
    # The parent's workers: this process must not stop them when it exits
    # (multiprocessing stops every daemonic child it knows of at exit).
    children: set[BaseProcess] = multiprocessing.process._children  # type: ignore[attr-defined]
    for process in [p for p in children if p.name == NAME]:
        children.discard(process)
    server: t.Any = multiprocessing.forkserver._forkserver
    server._lock = threading.Lock()
    if server._forkserver_pid is None:
        return  # none started, or this is the forkserver's own child
    alive = server._forkserver_alive_fd
    server._forkserver_pid = None
    server._forkserver_address = None
    server._forkserver_alive_fd = None
    if hasattr(server, "_forkserver_authkey"):  # Python 3.14
        server._forkserver_authkey = None
    if alive is not None:
        # The parent's forkserver ends when the last holder closes this.
        with contextlib.suppress(OSError):
            os.close(alive)


def _end_with(parent: BaseProcess, own_group: bool) -> None:
    multiprocessing.connection.wait([parent.sentinel])
    if own_group:
        # The server is gone: stop, with every process the job started.
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(1)


def serve(conn: Connection, taken: t.Any, loading: Loading | None) -> None:
    """A worker's life: take jobs until told to stop or the server is gone."""
    own_group = hasattr(os, "setpgid")  # not on Windows
    if own_group:
        try:
            os.setpgid(0, 0)
        except OSError:
            own_group = False
    # Ctrl-C and the server's own shutdown are the server's to handle.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A server killed outright (gunicorn's graceful timeout, out of memory)
    # never stops its workers: end with it, even in the middle of a job.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_end_with, args=(parent, own_group), daemon=True
        ).start()
    functions: dict[Reference, t.Any] = {}
    while True:
        try:
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if payload == STOP:
            return
        taken.value += 1
        reply: tuple[t.Any, ...]
        try:
            job = _job(payload, functions, loading)
            reply = ("ok", *run_job(job))
        except HTTPException as error:
            reply = ("abort", error.code, error.description)
        except BaseException as error:
            reply = ("failed", type(error).__name__, str(error), describe(error))
        try:
            conn.send_bytes(pickle.dumps(reply))
        except (OSError, ValueError):
            return


def _job(
    payload: bytes, functions: dict[Reference, t.Any], loading: Loading | None
) -> Job:
    with loading() if loading is not None else contextlib.nullcontext():
        job: Job = pickle.loads(payload)
    reference = job.function
    if not isinstance(reference, Reference):
        return job
    function = functions.get(reference)
    if function is None:
        function = functions[reference] = resolve(reference, loading)
    return job._replace(function=function)
