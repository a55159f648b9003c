"""HTTP for loopback servers with the standard library: one client, many
requests from several threads. No pytest needed, so ``bench/`` uses it too.

Imported by test modules before pytest could rewrite asserts:
PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import http.client
import json as jsonlib
import threading
import time
import typing as t
from urllib.parse import urlsplit

import pytest

if t.TYPE_CHECKING:
    from email.message import Message

__all__ = ["LOOPBACK", "HttpClient", "LoadResult", "Reply", "get_many", "run_load"]

LOOPBACK = "127.0.0.1"


@dataclasses.dataclass
class Reply:
    """A whole HTTP response, read and closed. Reads like Flask's test
    responses (``status_code``, ``data``, ``get_json()``), so
    :class:`tests.dash_browser.DashBrowser` can use an :class:`HttpClient`."""

    status_code: int
    headers: Message
    data: bytes

    def get_json(self) -> t.Any:
        return jsonlib.loads(self.data)

    def get_data(self, as_text: bool = False) -> t.Any:
        return self.data.decode("utf-8", "replace") if as_text else self.data


class HttpClient:
    """Requests to one server on 127.0.0.1, with :mod:`http.client`.

    A new connection for every request, or with ``keep_alive=True`` one
    connection kept open between requests (reopened when the server closes
    it; a request that finds an idle connection closed by the server is sent
    once more on a new one, as browsers do, and counted in ``retries``).

    :param base_url: ``http://127.0.0.1:<port>``; any other host is refused.
    :param timeout: seconds for connecting and for each read.
    """

    def __init__(
        self, base_url: str, *, keep_alive: bool = False, timeout: float = 30.0
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname != LOOPBACK or not parts.port:
            raise ValueError(f"only http://{LOOPBACK}:<port> is allowed: {base_url!r}")
        self.port = parts.port
        self.keep_alive = keep_alive
        self.timeout = timeout
        self.retries = 0
        self._connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: t.Mapping[str, str] | None = None,
    ) -> Reply:
        headers = dict(headers or {})
        if not self.keep_alive:
            headers.setdefault("Connection", "close")
        for attempt in range(2):
            connection = self._connection or http.client.HTTPConnection(
                LOOPBACK, self.port, timeout=self.timeout
            )
            self._connection = connection
            # An open socket here has already carried a response.
            reused = connection.sock is not None
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                try:
                    data = response.read()
                finally:
                    response.close()
            except (ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 0:
                    self.retries += 1
                    continue
                raise
            except BaseException:
                self.close()
                raise
            if not self.keep_alive:
                self.close()
            return Reply(response.status, response.headers, data)
        raise AssertionError("unreachable")

    def get(self, path: str, headers: t.Mapping[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post(
        self,
        path: str,
        json: t.Any = None,
        headers: t.Mapping[str, str] | None = None,
    ) -> Reply:
        body = jsonlib.dumps(json).encode("utf-8")
        return self.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def get_many(
    base_url: str,
    path: str,
    count: int,
    *,
    concurrency: int = 4,
    headers: t.Mapping[str, str] | None = None,
) -> list[Reply]:
    """GET ``path`` ``count`` times, each on a new connection, ``concurrency``
    at a time; the replies in order."""

    def get(_: int) -> Reply:
        with HttpClient(base_url) as client:
            return client.get(path, headers=headers)

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(get, range(count)))


@dataclasses.dataclass
class LoadResult:
    """What :func:`run_load` saw."""

    requests: int
    errors: list[str]
    duration: float
    retries: int
    #: Responses per ``X-Served-By`` header value (the worker's pid).
    served_by: collections.Counter[str]

    @property
    def per_second(self) -> float:
        return self.requests / self.duration if self.duration else 0.0


J = t.TypeVar("J")


def run_load(
    base_url: str,
    jobs: t.Sequence[J],
    send: t.Callable[[HttpClient, J], tuple[Reply, str | None]],
    *,
    concurrency: int,
    time_limit: float,
    keep_alive: bool = True,
) -> LoadResult:
    """Send ``jobs`` from ``concurrency`` threads, each with its own client.

    ``send(client, job)`` makes one request and returns the reply and what is
    wrong with it (``None``: nothing). Thread *k* sends jobs *k*,
    *k + concurrency*, ... A job that raises is an error; jobs still unsent
    after ``time_limit`` seconds are errors too, so the run is bounded.
    """
    errors: list[str] = []
    served_by: collections.Counter[str] = collections.Counter()
    retries = 0
    sent = 0
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + time_limit

    def worker(offset: int) -> None:
        nonlocal retries, sent
        mine = jobs[offset::concurrency]
        done = 0
        with HttpClient(base_url, keep_alive=keep_alive, timeout=30) as client:
            for job in mine:
                if time.monotonic() > deadline:
                    break
                try:
                    reply, problem = send(client, job)
                except Exception as error:  # every failure is counted, not raised
                    reply, problem = None, f"{job!r}: {type(error).__name__}: {error}"
                done += 1
                with lock:
                    if problem is not None:
                        errors.append(problem)
                    if reply is not None:
                        served_by[reply.headers.get("X-Served-By", "?")] += 1
            with lock:
                sent += done
                retries += client.retries
                if done < len(mine):
                    errors.append(f"{len(mine) - done} jobs unsent after {time_limit}s")

    threads = [
        threading.Thread(target=worker, args=(k,), name=f"load-{k}")
        for k in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Each request ends within its socket timeout after the deadline.
        thread.join(max(deadline - time.monotonic(), 0) + 60)
        if thread.is_alive():
            raise RuntimeError(f"{thread.name} is stuck after the time limit")
    return LoadResult(sent, errors, time.monotonic() - start, retries, served_by)


@dataclasses.dataclass(frozen=True)
class Timed:
    """A reply, and when its request was sent and answered (monotonic)."""

    reply: Reply
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def status(self) -> int:
        return self.reply.status_code

    @property
    def text(self) -> str:
        return self.reply.data.decode("utf-8", "replace")


def timed_get(base_url: str, path: str, timeout: float = 30) -> Timed:
    """GET ``path`` on a new connection, timed; ``timeout`` bounds a hung one."""
    with HttpClient(base_url, timeout=timeout) as client:
        start = time.monotonic()
        reply = client.get(path)
        return Timed(reply, start, time.monotonic())


def wait_for(check: t.Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout}s: {what}")
        time.sleep(0.01)
