"""Real servers on loopback for tests: redis-server, gunicorn, werkzeug.

Load the fixtures in a test module with ``pytest_plugins = ["tests.servers"]``:

``redis_server`` (session)
    the ``redis://127.0.0.1:<port>/0`` URL of a redis-server of its own,
    without persistence. Skips when redis-server is not installed, except
    in CI (``CI=true``), where it fails.
``redis_process``
    a :class:`RedisServer` for one test alone, which the test may
    :meth:`~RedisServer.pause`, :meth:`~RedisServer.resume`,
    :meth:`~RedisServer.kill` and :meth:`~RedisServer.restart`; at teardown
    it is resumed and stopped, whatever state the test left it in.
``gunicorn_server``
    ``gunicorn_server("module:app", workers=2, env={...},
    worker_class="sync", threads=1)`` starts gunicorn and returns a
    :class:`GunicornServer` once every worker has loaded the app and the
    server answers (``.url``, ``.restart()``, ``.worker_pids()``). Every
    server is stopped at teardown.

Everything listens on 127.0.0.1 only, and every wait has a deadline. The
HTTP side is in :mod:`tests.http_load`. The helpers do not need pytest, so
``bench/`` uses them too.

Test modules import helpers from here as well as load it as a plugin, so
it is imported before pytest could rewrite its asserts: PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import typing as t
from pathlib import Path

import dash
import pytest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .http_load import LOOPBACK, HttpClient
from .processes import child_pids

if t.TYPE_CHECKING:
    pass

__all__ = [
    "GunicornServer",
    "RedisServer",
    "ServerError",
    "ServerGroup",
    "LiveServer",
    "free_port",
    "gunicorn_server",
    "log_tail",
    "redis_server",
    "redis_process",
    "rss_bytes",
    "stop_with_children",
    "unavailable",
]


REPO = Path(__file__).resolve().parent.parent
#: Seconds a server may take to start (slow CI machines: raise it).
START_TIMEOUT = float(os.environ.get("TEST_SERVERS_START_TIMEOUT", "60"))
#: Seconds a server may take to stop after SIGTERM before it is killed.
STOP_TIMEOUT = 15.0

logger = logging.getLogger(__name__)


class ServerError(RuntimeError):
    """A server did not start or answer in time; the message holds its log."""


# -- fixtures -----------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[str]:
    """The URL of a redis-server on loopback, for the whole session."""
    executable = _redis_executable()
    with RedisServer(executable, tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture
def redis_process(tmp_path: Path) -> t.Iterator[RedisServer]:
    """A redis-server for this test alone, to pause, kill and restart."""
    executable = _redis_executable()
    directory = tmp_path / "redis"
    directory.mkdir()
    with RedisServer(executable, directory) as server:
        yield server


def unavailable(reason: str, what: str) -> t.NoReturn:
    """Skip a test that needs ``what``, which is missing; in CI (``CI=true``)
    fail it instead, since CI installs everything the tests need."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the {what} tests must run)", pytrace=False)
    pytest.skip(reason)


def _redis_executable() -> str:
    executable = shutil.which("redis-server")
    if executable is None:
        unavailable(
            "redis-server is not installed: apt-get install redis-server", "redis"
        )
    return executable


@pytest.fixture
def gunicorn_server(tmp_path: Path) -> t.Iterator[t.Callable[..., GunicornServer]]:
    """Start gunicorn servers for one test; all are stopped after it."""
    with ServerGroup(tmp_path) as group:
        yield group.gunicorn


# -- processes ----------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def rss_bytes(pid: int) -> int:
    """A process's resident memory (``VmRSS``), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError(f"no VmRSS for process {pid}")


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM, wait; SIGKILL when it will not end."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def stop_with_children(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process`` (see :func:`_stop_process`) and make sure none of its
    children (a master's workers) outlives it: SIGKILL after
    :data:`STOP_TIMEOUT`."""
    children = child_pids(process.pid)
    _stop_process(process, STOP_TIMEOUT)
    deadline = time.monotonic() + STOP_TIMEOUT
    while any(map(_alive, children)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in filter(_alive, children):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def log_tail(path: Path, limit: int = 8000) -> str:
    """The end of a server's log file, for an error message."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return text[-limit:]


_GUNICORN_CONFIG = """\
import os


def post_worker_init(worker):
    # The worker has loaded the app: tell the test, which waits for all.
    path = os.path.join(os.environ["TEST_GUNICORN_READY_DIR"], str(os.getpid()))
    open(path, "w").close()
"""


class GunicornServer:
    """gunicorn serving one app on 127.0.0.1, as a subprocess.

    :param app: what gunicorn loads, ``"module:attr"`` or
        ``"module:factory()"``.
    :param directory: where its log and settings go.
    :param env: added to this process's environment for the server.
    :param ready_path: a path that must answer (any status below 500)
        before the server counts as started; ``None``: no request, the
        workers' own word that they have loaded the app is enough (so the
        test's requests are the first each worker sees).
    """

    def __init__(
        self,
        app: str,
        directory: Path,
        *,
        workers: int = 2,
        worker_class: str = "sync",
        threads: int = 1,
        env: t.Mapping[str, str] | None = None,
        ready_path: str | None = "/",
        timeout: int = 60,
    ) -> None:
        self.app = app
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.env = dict(env or {})
        self.ready_path = ready_path
        self.timeout = timeout
        self.port = free_port()
        self.directory = directory / f"gunicorn-{self.port}"
        self.directory.mkdir(parents=True)
        self.log_path = self.directory / "gunicorn.log"
        self._ready_dir = self.directory / "ready"
        self._config = self.directory / "gunicorn_conf.py"
        self._config.write_text(_GUNICORN_CONFIG)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; it stays the same across restarts."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def master_pid(self) -> int:
        if self._process is None:
            raise ServerError("the server is not running")
        return self._process.pid

    def worker_pids(self) -> list[int]:
        """The workers now running, which have loaded the app."""
        ready = {int(p.name) for p in self._ready_dir.iterdir()}
        return [pid for pid in child_pids(self.master_pid) if pid in ready]

    def log(self) -> str:
        """The end of gunicorn's log (every start appends to it)."""
        return log_tail(self.log_path)

    def client(self, **options: t.Any) -> HttpClient:
        return HttpClient(self.url, **options)

    def start(self) -> GunicornServer:
        """Start, and return once every worker has loaded the app and the
        server answers ``ready_path``.

        :raises ServerError: it exited or did not answer in time (with its log).
        """
        if self._process is not None:
            raise ServerError("the server is already running")
        shutil.rmtree(self._ready_dir, ignore_errors=True)
        self._ready_dir.mkdir()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY")
        }
        env.update(self.env)
        env["TEST_GUNICORN_READY_DIR"] = str(self._ready_dir)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(REPO), os.environ.get("PYTHONPATH")])
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{LOOPBACK}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--config",
            str(self._config),
            "--chdir",
            str(REPO),
            "--timeout",
            str(self.timeout),
            "--graceful-timeout",
            "5",
            "--error-logfile",
            "-",
            # gunicorn's default control socket is one path in $HOME for
            # every instance: servers running side by side would share it.
            "--no-control-socket",
            self.app,
        ]
        with open(self.log_path, "ab") as log:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                command,
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            code = self._process.poll()
            if code is not None:
                raise ServerError(
                    f"gunicorn {self.app} exited with {code} while starting;"
                    f" its log ({self.log_path}):\n{self.log()}"
                )
            if len(self.worker_pids()) >= self.workers and self._answers():
                return
            if time.monotonic() > deadline:
                raise ServerError(
                    f"gunicorn {self.app} did not start within {START_TIMEOUT}s"
                    f" ({len(self.worker_pids())} of {self.workers} workers ready);"
                    f" its log ({self.log_path}):\n{self.log()}"
                )
            time.sleep(0.05)

    def _answers(self) -> bool:
        if self.ready_path is None:
            return True
        try:
            with self.client(timeout=5) as client:
                return client.get(self.ready_path).status_code < 500
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM, wait (SIGKILL after :data:`STOP_TIMEOUT`); also makes
        sure no worker outlives its master."""
        process, self._process = self._process, None
        if process is not None:
            stop_with_children(process)

    def restart(self) -> GunicornServer:
        """Stop, then start again on the same port."""
        self.stop()
        return self.start()

    def __enter__(self) -> GunicornServer:
        return self.start() if self._process is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ServerGroup:
    """Servers started together and stopped together (last first)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._servers: list[GunicornServer] = []

    def gunicorn(self, app: str, **options: t.Any) -> GunicornServer:
        """Start a :class:`GunicornServer`; see its parameters."""
        server = GunicornServer(app, self.directory, **options)
        self._servers.append(server)
        return server.start()

    def close(self) -> None:
        while self._servers:
            self._servers.pop().stop()

    def __enter__(self) -> ServerGroup:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class RedisServer:
    """A redis-server on 127.0.0.1 without persistence, as a subprocess.

    Faults for tests: :meth:`pause` (SIGSTOP: connections stay open, nothing
    answers), :meth:`resume`, :meth:`kill` (SIGKILL: connections refused)
    and :meth:`restart` (empty, on the same port). :meth:`stop` resumes a
    paused server first, so it never waits on a process that cannot run.
    """

    def __init__(self, executable: str, directory: Path) -> None:
        self.executable = executable
        self.directory = directory
        self.port = free_port()
        self.log_path = directory / "redis.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> RedisServer:
        """Start, and return once it answers PING (the same port every time).

        :raises ServerError: it exited or did not answer in time (with its log).
        """
        if self._process is not None:
            raise ServerError("redis-server is already running")
        command = [
            self.executable,
            "--port",
            str(self.port),
            "--bind",
            LOOPBACK,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
        ]
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ping():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = log_tail(self.log_path)
                raise ServerError(f"redis-server did not answer PING; its log:\n{log}")
            time.sleep(0.05)
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection((LOOPBACK, self.port), timeout=2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def pause(self) -> None:
        """SIGSTOP: its sockets stay open and take requests; none is answered."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT: it answers again, the requests that waited first."""
        self._signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL, and wait for it: connections are refused (data is lost)."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait(STOP_TIMEOUT)

    def restart(self) -> RedisServer:
        """Start again on the same port (stopping it first if it runs)."""
        self.stop()
        return self.start()

    def stop(self) -> None:
        """Resume (if paused), SIGTERM, wait; SIGKILL when it will not end."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                # A stopped process keeps SIGTERM pending until it runs again.
                process.send_signal(signal.SIGCONT)
            _stop_process(process, STOP_TIMEOUT)

    def _signal(self, signum: int) -> None:
        if self._process is None or self._process.poll() is not None:
            raise ServerError("redis-server is not running")
        self._process.send_signal(signum)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class LiveServer:
    """Serves a WSGI app (or a Dash app's Flask server) on ``127.0.0.1``.

    Threaded, on a free port, from a background thread. :meth:`close` stops
    accepting, hangs up on connections the browser opened but left idle, and
    waits for every request thread, so no socket or thread outlives it.

    :param app: a WSGI app, or a :class:`dash.Dash` app (its ``server``).
    """

    def __init__(self, app: t.Any) -> None:
        if isinstance(app, dash.Dash):
            app = app.server
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._closing = False
        handler = type("LiveRequestHandler", (_RequestHandler,), {"live_server": self})
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=handler
        )
        # Track the request threads, so that server_close() waits for them.
        self._server.daemon_threads = False  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"live-server-{self._server.port}",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving; returns once every request thread has ended."""
        with self._lock:
            self._closing = True
            connections = list(self._connections)
        for connection in connections:
            _hang_up(connection)
        self._server.shutdown()
        self._thread.join()
        # Closes the listening socket and joins the request threads (werkzeug's
        # serve_forever has done so already; a second call is harmless).
        self._server.server_close()

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _opened(self, connection: socket.socket) -> None:
        with self._lock:
            if not self._closing:
                self._connections.add(connection)
                return
        _hang_up(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)


def _hang_up(connection: socket.socket) -> None:
    # Browsers open connections ahead of need; a request thread waiting for
    # the first line on one ends when its read returns end-of-file.
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class _RequestHandler(WSGIRequestHandler):
    live_server: LiveServer

    def setup(self) -> None:
        super().setup()
        self.live_server._opened(self.connection)

    def finish(self) -> None:
        self.live_server._closed(self.connection)
        super().finish()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug("%s %s", self.requestline, code)

    def log(self, type: str, message: str, *args: t.Any) -> None:
        # Not werkzeug's logger: it installs a stderr handler of its own when
        # it finds none, outliving pytest's capture.
        level = logging.WARNING if type == "error" else logging.DEBUG
        logger.log(level, "%s - " + message, self.address_string(), *args)
