"""nginx on loopback for tests: a caching reverse proxy in front of gunicorn.

Load the fixture in a test module with
``pytest_plugins = ["tests.servers", "tests.nginx"]``:

``nginx_executable`` (session)
    the nginx binary; skips when nginx is not installed, except in CI
    (``CI=true``), where it fails.
``nginx_server``
    ``nginx_server(upstream, ...)`` starts nginx (Debian's package) as a
    caching reverse proxy, round robin over the upstreams (``http://`` URLs
    on 127.0.0.1, or anything with a ``.url`` such as a
    :class:`~tests.servers.GunicornServer`), and returns a started
    :class:`NginxServer` with an empty cache. Every one is stopped at
    teardown.

Each server has a directory of its own (config, cache, temp files, pid file
and logs), is started with ``-p <dir> -c <dir>/nginx.conf -g 'daemon off;'``,
listens on 127.0.0.1 only, and every wait has a deadline. Its ``location /``
is :data:`PROXY_LOCATION`, the settings the README recommends. The helpers do
not need pytest, so ``bench/`` uses them too.

Imported by test modules before pytest could rewrite its asserts:
PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import dataclasses
import grp
import os
import pwd
import shutil
import subprocess
import time
import typing as t
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .http_load import LOOPBACK, HttpClient
from .servers import (
    START_TIMEOUT,
    ServerError,
    free_port,
    log_tail,
    stop_with_children,
    unavailable,
)

__all__ = [
    "PROXY_LOCATION",
    "CacheLogEntry",
    "NginxServer",
    "find_nginx",
    "nginx_executable",
    "nginx_server",
]

#: What the proxy does for the app: the README's recommended settings, as
#: they go inside ``location / { ... }``. ``pictures`` is the keys zone that
#: ``proxy_cache_path`` declares.
PROXY_LOCATION = """\
proxy_pass http://app;
proxy_set_header Host $host;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;

proxy_cache pictures;
proxy_cache_lock on;
proxy_cache_use_stale updating;
proxy_cache_revalidate on;
add_header X-Cache-Status $upstream_cache_status always;
"""

#: Where the answer "started" comes from: nginx itself, no upstream.
READY_PATH = "/.nginx-ready"

_CONFIG = """\
# Written by tests/nginx.py for one test server.
worker_processes 1;
{user}pid {directory}/nginx.pid;
error_log {directory}/nginx.log notice;

events {{
    worker_connections 1024;
}}

http {{
    # Every path nginx would otherwise take from its build (/var/lib/nginx,
    # /var/log/nginx) is in this server's own directory.
    client_body_temp_path {directory}/temp/body;
    proxy_temp_path {directory}/temp/proxy;
    fastcgi_temp_path {directory}/temp/fastcgi;
    uwsgi_temp_path {directory}/temp/uwsgi;
    scgi_temp_path {directory}/temp/scgi;

    log_format cache '$status|$upstream_cache_status|$upstream_addr'
                     '|$upstream_status|$request_uri';
    access_log {directory}/access.log cache;

    proxy_cache_path {directory}/cache levels=1:2 keys_zone=pictures:10m
                     max_size=256m inactive=1h use_temp_path=off;

    upstream app {{
{servers}
    }}

    server {{
        listen {host}:{port};

        location = {ready_path} {{
            access_log off;
            return 204;
        }}

        location / {{
{location}
        }}
    }}
}}
"""


@dataclasses.dataclass(frozen=True)
class CacheLogEntry:
    """One line of the access log: what nginx did with a request.

    Empty strings where nginx logged ``-`` (no cache lookup, no upstream).
    """

    status: int
    #: ``$upstream_cache_status``: ``MISS``, ``HIT``, ``BYPASS``,
    #: ``EXPIRED``, ``STALE``, ``UPDATING``, ``REVALIDATED``, or empty.
    cache: str
    #: ``host:port`` of every upstream asked, or empty when none was.
    upstream: str
    upstream_status: str
    uri: str


# -- fixtures -----------------------------------------------------------------


@pytest.fixture(scope="session")
def nginx_executable() -> str:
    """The nginx binary. Skips when there is none, except in CI
    (``CI=true``), where it fails. A fixture that starts the servers nginx
    proxies to may ask for it first, so as not to start them in vain."""
    executable = find_nginx()
    if executable is None:
        unavailable("nginx is not installed: apt-get install nginx", "nginx")
    return executable


@pytest.fixture
def nginx_server(
    tmp_path: Path, nginx_executable: str
) -> t.Iterator[t.Callable[..., NginxServer]]:
    """Start nginx caching proxies for one test; all are stopped after it."""
    servers: list[NginxServer] = []

    def start(*upstreams: str | t.Any) -> NginxServer:
        server = NginxServer(nginx_executable, tmp_path, upstreams)
        servers.append(server)
        return server.start()

    try:
        yield start
    finally:
        while servers:
            servers.pop().stop()


def find_nginx() -> str | None:
    """The nginx executable, also where ``PATH`` leaves out ``/usr/sbin``."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return shutil.which("nginx", path=path)


# -- the server ---------------------------------------------------------------


class NginxServer:
    """nginx as a caching reverse proxy on 127.0.0.1, as a subprocess.

    :param executable: the nginx binary.
    :param directory: where its own directory goes.
    :param upstreams: ``http://127.0.0.1:<port>`` URLs, or objects with a
        ``.url`` (a :class:`~tests.servers.GunicornServer`); round robin.
    :param location: the directives of ``location /``.
    """

    def __init__(
        self,
        executable: str,
        directory: Path,
        upstreams: t.Iterable[str | t.Any],
        *,
        location: str = PROXY_LOCATION,
    ) -> None:
        self.executable = executable
        self.upstreams = [
            _address(u if isinstance(u, str) else u.url) for u in upstreams
        ]
        if not self.upstreams:
            raise ValueError("nginx needs at least one upstream")
        self.port = free_port()
        self.directory = directory / f"nginx-{self.port}"
        self.directory.mkdir(parents=True)
        self.config_path = self.directory / "nginx.conf"
        self.log_path = self.directory / "nginx.log"
        self.access_log_path = self.directory / "access.log"
        self.cache_path = self.directory / "cache"
        self.config_path.write_text(self._config(location))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def client(self, **options: t.Any) -> HttpClient:
        return HttpClient(self.url, **options)

    def log(self) -> str:
        """The end of nginx's error log (and its stderr)."""
        return log_tail(self.log_path)

    def access_log(self) -> list[CacheLogEntry]:
        """Every request logged so far, oldest first."""
        try:
            text = self.access_log_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [_entry(line) for line in text.splitlines()]

    def wait_for_log(
        self, count: int, uri: str | None = None, timeout: float = 5.0
    ) -> list[CacheLogEntry]:
        """The access log's requests (for ``uri`` only, if given) once there
        are at least ``count``: nginx writes a line after it has sent the
        response, so the client may read it first.

        :raises ServerError: fewer after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            entries = [e for e in self.access_log() if uri is None or e.uri == uri]
            if len(entries) >= count:
                return entries
            if time.monotonic() > deadline:
                raise ServerError(
                    f"nginx logged {len(entries)} requests for {uri or 'any URI'},"
                    f" expected {count}, within {timeout}s: {entries}"
                )
            time.sleep(0.02)

    def start(self) -> NginxServer:
        """Start, and return once nginx answers on its port.

        :raises ServerError: it exited or did not answer in time (with its log).
        """
        if self._process is not None:
            raise ServerError("nginx is already running")
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.directory / "temp" / name).mkdir(parents=True, exist_ok=True)
        command = [
            self.executable,
            "-p",
            f"{self.directory}/",
            "-c",
            str(self.config_path),
            # Start-up messages, before the config names its error log.
            "-e",
            str(self.log_path),
            "-g",
            "daemon off;",
        ]
        with open(self.log_path, "ab") as log:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            code = self._process.poll()
            if code is not None or time.monotonic() > deadline:
                self.stop()
                state = f"exited with {code}" if code is not None else "did not answer"
                raise ServerError(
                    f"nginx {state} within {START_TIMEOUT}s; its config"
                    f" {self.config_path}, its log:\n{self.log()}"
                )
            time.sleep(0.05)
        return self

    def _answers(self) -> bool:
        try:
            with self.client(timeout=2) as client:
                return client.get(READY_PATH).status_code == 204
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM (nginx's fast shutdown), wait (SIGKILL after
        :data:`~tests.servers.STOP_TIMEOUT`); no worker outlives it."""
        process, self._process = self._process, None
        if process is not None:
            stop_with_children(process)

    def __enter__(self) -> NginxServer:
        return self.start() if self._process is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _config(self, location: str) -> str:
        user = ""
        if os.geteuid() == 0:
            # Workers would switch to "nobody", who cannot enter this
            # directory (pytest's are 0700): keep them as the test's user.
            owner = pwd.getpwuid(os.geteuid()).pw_name
            group = grp.getgrgid(os.getegid()).gr_name
            user = f"user {owner} {group};\n"
        return _CONFIG.format(
            user=user,
            directory=self.directory,
            host=LOOPBACK,
            port=self.port,
            ready_path=READY_PATH,
            servers="\n".join(f"        server {a};" for a in self.upstreams),
            location=_indent(location, 12),
        )


def _address(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != LOOPBACK or not parts.port:
        raise ValueError(f"only http://{LOOPBACK}:<port> upstreams: {url!r}")
    return f"{LOOPBACK}:{parts.port}"


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line if line else "" for line in text.splitlines())


def _entry(line: str) -> CacheLogEntry:
    # The request's URI last: whatever it holds stays in it.
    status, cache, upstream, upstream_status, uri = line.split("|", 4)

    def value(field: str) -> str:
        return "" if field == "-" else field

    return CacheLogEntry(
        int(status), value(cache), value(upstream), value(upstream_status), uri
    )
