"""6. Requests per second under gunicorn (sync workers, 1 and 2 of them) on
127.0.0.1, for the 200x200 line picture, served by ``bench.apps:gunicorn_app()``:

- ``image route``: ``GET /image_generator/server.png?x=..&y=..``;
- ``bare view``: ``GET /bare?x=..&y=..``, the same picture from a bare view;
- ``native``: the ``POST /_dash-update-component`` answering base64.

Each round sends a fixed number of requests per variant, taking turns, from
client threads on raw sockets (one connection per request, as sync workers
close them). The client shares the machine's cores with the workers.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import socket
import subprocess
import sys
import threading
import time
import typing as t
from pathlib import Path

from . import common
from .apps import X, Y, update

ROOT = Path(__file__).resolve().parent.parent
WORKERS = (1, 2)
START_TIMEOUT = 30.0


def http(method: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


REQUESTS = {
    "image route": http("GET", f"/image_generator/server.png?x={X}&y={Y}"),
    "bare view": http("GET", f"/bare?x={X}&y={Y}"),
    "native": http(
        "POST", "/_dash-update-component", json.dumps(update("native")).encode()
    ),
}


def send(port: int, request: bytes) -> bytes:
    """One request on a new connection; the whole response."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def hammer(port: int, request: bytes, count: int, concurrency: int) -> None:
    """Send ``request`` ``count`` times from ``concurrency`` threads."""
    tickets = itertools.count()
    failures: list[bytes] = []

    def client() -> None:
        while next(tickets) < count:
            response = send(port, request)
            if not response.startswith(b"HTTP/1.1 200"):
                failures.append(response[:200])

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise AssertionError(f"{len(failures)} requests failed, first: {failures[0]!r}")


@contextlib.contextmanager
def gunicorn(workers: int) -> t.Iterator[int]:
    """gunicorn serving ``bench.apps:gunicorn_app()`` on 127.0.0.1; its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn",
            "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}",
            "--chdir", str(ROOT),
            "--log-level", "warning",
            "bench.apps:gunicorn_app()",
        ]
    )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                # Every worker imports the app before it accepts: ask each.
                for _ in range(workers * 2):
                    send(port, REQUESTS["bare view"])
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(quick: bool) -> common.Report:
    """Requests per second under gunicorn, 1 and 2 workers, 200x200 picture."""
    sections, notes = [], []
    count = 20 if quick else 100
    for workers in WORKERS:
        concurrency = 2 * workers
        with gunicorn(workers) as port:
            # One call is one batch of ``count`` requests.
            samples = common.interleave(
                {
                    name: functools.partial(hammer, port, request, count, concurrency)
                    for name, request in REQUESTS.items()
                },
                rounds=3 if quick else 21,
                batch_seconds=0,
                budget=3 if quick else 25,
            )
        rps = {name: [count / s for s in values] for name, values in samples.items()}
        rows = [
            [
                name,
                f"{common.median(rps[name]):.0f}",
                f"{sorted(rps[name])[len(rps[name]) // 10]:.0f}",
                f"{common.median(common.ratios(samples, 'bare view', name)):.3f}",
            ]
            for name in samples
        ]
        sections.append(
            f"{workers} worker(s), {concurrency} client threads, {count} requests"
            f" per batch, {len(samples['native'])} rounds;"
            " ratio = its rps / bare view's\n\n"
            + common.table(["variant", "median rps", "p10 rps", "rps / bare"], rows)
        )
        medians = {name: f"{common.median(values):.0f}" for name, values in rps.items()}
        notes.append(
            (
                f"gunicorn, {workers} worker(s): rps of {' | '.join(medians)}",
                " | ".join(medians.values()),
            )
        )
    return common.Report(
        "gunicorn_rps",
        "Requests per second under gunicorn on loopback",
        "\n\n".join(sections),
        notes=notes,
    )


if __name__ == "__main__":
    common.main(run)
