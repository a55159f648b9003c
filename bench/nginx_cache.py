"""A public picture from nginx's cache versus straight from gunicorn:
``python -m bench.nginx_cache [--quick]``.

The deployment of ``tests/test_servers_nginx.py``: a redis-server, two
gunicorn instances of ``tests/apps/cdn_app.py`` (1 gthread worker x 4
threads each) sharing it as the server cache, and nginx in front with the
README's settings (:data:`tests.nginx.PROXY_LOCATION`), all on 127.0.0.1.
The picture is ``public_tile`` (``public=True, deterministic=True,
max_age=60``), a 64x64 PNG, fetched once through nginx beforehand, so
that:

- ``nginx HIT``: the request goes to nginx, which answers from its cache
  (each answer must say ``X-Cache-Status: HIT``);
- ``gunicorn``: the same URL straight to the instances, taking turns: the
  app's 200 path (no If-None-Match, so no 304) with the picture in Redis
  (each answer's ``Server-Timing`` must say ``hit``).

The same client for both: Python threads, one keep-alive connection per
thread and server, every answer checked (status, bytes, the header above).
Each round sends one batch of :data:`BATCH` requests per variant, taking
turns (A B, then B A), with 1 client thread, then with 4. rps is a batch's
requests over its wall-clock time; p50 and p99 are over every request of a
variant. The client shares the 2 cores with the servers and, in Python, is
the slower party in the ``nginx HIT`` case: that figure is a lower bound.

Writes ``bench/results/nginx_cache.txt``; ``--quick`` is a short smoke run
that only prints. The whole run stays under a minute.
"""

from __future__ import annotations

import functools
import shutil
import statistics
import sys
import tempfile
import threading
import time
import typing as t
import uuid
from pathlib import Path

from tests.apps.cdn_app import create_app, url_for
from tests.http_load import HttpClient
from tests.nginx import NginxServer, find_nginx
from tests.servers import GunicornServer, RedisServer, ServerGroup

from . import common

APP = "tests.apps.cdn_app:create_app()"
PARAMS = {"colour": "#336699", "width": 64, "height": 64}
#: Requests per variant per round.
BATCH = 200
#: Client threads, one section each.
CONCURRENCY = (1, 4)
#: Seconds each section may take (it stops after at least 3 rounds).
BUDGET = 18.0
HIT = 'hit;desc="server cache"'

Check = t.Callable[[t.Any], "str | None"]


def run(quick: bool) -> common.Report:
    """Requests per second and latency: nginx's cache versus gunicorn."""
    nginx_binary = find_nginx()
    redis_binary = shutil.which("redis-server")
    if nginx_binary is None or redis_binary is None:
        raise SystemExit("bench.nginx_cache needs nginx and redis-server installed")
    batch = 40 if quick else BATCH
    sections, notes = [], []
    with tempfile.TemporaryDirectory(prefix="bench-nginx-cache-") as name:
        directory = Path(name)
        print("nginx_cache: starting servers ...", file=sys.stderr, flush=True)
        with (
            RedisServer(redis_binary, directory) as redis,
            ServerGroup(directory) as group,
        ):
            env = {
                "CDN_APP_SECRET_KEY": "bench-nginx-cache",
                "CDN_APP_CACHE": redis.url,
                "CDN_APP_CACHE_PREFIX": f"{uuid.uuid4().hex}:",
            }
            instances = [
                group.gunicorn(
                    APP, workers=1, worker_class="gthread", threads=4, env=env
                )
                for _ in range(2)
            ]
            with NginxServer(nginx_binary, directory, instances) as nginx:
                url = url_for(create_app(env), "public_tile", **PARAMS)
                reference = warm(nginx, instances, url)
                variants = {
                    "nginx HIT": ([nginx.url], _from_nginx(reference)),
                    "gunicorn": ([s.url for s in instances], _from_redis(reference)),
                }
                for concurrency in CONCURRENCY:
                    print(
                        f"nginx_cache: {concurrency} client thread(s) ...",
                        file=sys.stderr,
                        flush=True,
                    )
                    table, figures = measure(
                        variants, url, batch, concurrency, quick=quick
                    )
                    sections.append(
                        f"{concurrency} client thread(s), {batch} requests per"
                        f" batch, {figures['rounds']} rounds\n\n{table}"
                    )
                    notes.append(
                        (
                            f"nginx HIT vs gunicorn (Redis hit), {concurrency}"
                            " client thread(s): rps | p50 ms | p99 ms",
                            figures["summary"],
                        )
                    )
    text = (
        "Two gunicorn instances (1 gthread worker x 4 threads each) sharing a"
        " redis-server, nginx 1 worker in front (the README's settings);"
        f" a {PARAMS['width']}x{PARAMS['height']} public PNG"
        f" ({len(reference)} bytes). nginx HIT: answered from nginx's cache;"
        " gunicorn: the same URL straight to the instances, taking turns (a"
        " 200 from the Redis cache). Keep-alive connections, Python client"
        " threads on the same 2 cores. rps: per batch, median and 10th"
        " percentile over rounds; ratio: per round, nginx's rps over"
        " gunicorn's; p50/p99: over every request.\n\n" + "\n\n".join(sections)
    )
    return common.Report(
        "nginx_cache",
        "A public picture from nginx's cache versus gunicorn",
        text,
        notes=notes,
    )


def warm(nginx: NginxServer, instances: list[GunicornServer], url: str) -> bytes:
    """Draw the picture once (through nginx, which keeps it), check every
    path serves it from a cache; its bytes."""
    with nginx.client() as client:
        first = client.get(url)
        second = client.get(url)
    if first.status_code != 200 or first.headers.get("X-Cache-Status") != "MISS":
        raise AssertionError(f"first request: {first.status_code} {first.headers}")
    if _from_nginx(first.data)(second) is not None:
        raise AssertionError(f"not kept by nginx: {second.headers}")
    for server in instances:
        with server.client() as client:
            problem = _from_redis(first.data)(client.get(url))
        if problem is not None:
            raise AssertionError(f"{server.url}: {problem}")
    return first.data


def _from_nginx(reference: bytes) -> Check:
    def check(reply: t.Any) -> str | None:
        if reply.status_code != 200 or reply.data != reference:
            return f"{reply.status_code} {reply.data[:60]!r}"
        if reply.headers.get("X-Cache-Status") != "HIT":
            return f"X-Cache-Status {reply.headers.get('X-Cache-Status')}"
        return None

    return check


def _from_redis(reference: bytes) -> Check:
    def check(reply: t.Any) -> str | None:
        if reply.status_code != 200 or reply.data != reference:
            return f"{reply.status_code} {reply.data[:60]!r}"
        if HIT not in reply.headers.get("Server-Timing", ""):
            return f"Server-Timing {reply.headers.get('Server-Timing')}"
        return None

    return check


def hammer(
    targets: list[str],
    url: str,
    count: int,
    concurrency: int,
    check: Check,
    latencies: list[float],
) -> None:
    """GET ``url`` ``count`` times from ``concurrency`` threads, each with a
    keep-alive connection to every target, taking turns between them;
    every answer checked, every latency appended to ``latencies``."""
    failures: list[str] = []
    lock = threading.Lock()

    def client(share: int) -> None:
        clients = [
            HttpClient(target, keep_alive=True, timeout=10) for target in targets
        ]
        mine: list[float] = []
        try:
            for k in range(share):
                http = clients[k % len(clients)]
                start = time.perf_counter()
                reply = http.get(url)
                mine.append(time.perf_counter() - start)
                problem = check(reply)
                if problem is not None:
                    with lock:
                        failures.append(problem)
                    return
        finally:
            for http in clients:
                http.close()
            with lock:
                latencies.extend(mine)

    shares = [
        count // concurrency + (k < count % concurrency) for k in range(concurrency)
    ]
    threads = [threading.Thread(target=client, args=(n,)) for n in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        if thread.is_alive():
            raise RuntimeError("a client thread is stuck")
    if failures:
        raise AssertionError(f"{len(failures)} bad answers, first: {failures[0]}")


def measure(
    variants: t.Mapping[str, tuple[list[str], Check]],
    url: str,
    batch: int,
    concurrency: int,
    *,
    quick: bool,
) -> tuple[str, dict[str, t.Any]]:
    """One section: the table, and its figures."""
    latencies: dict[str, list[float]] = {name: [] for name in variants}
    samples = common.interleave(
        {
            name: functools.partial(
                hammer, targets, url, batch, concurrency, check, latencies[name]
            )
            for name, (targets, check) in variants.items()
        },
        rounds=3 if quick else 41,
        batch_seconds=0,  # one call is one batch
        budget=2 if quick else BUDGET,
    )
    rps = {name: [batch / s for s in values] for name, values in samples.items()}
    speedup = common.ratios(samples, "gunicorn", "nginx HIT")
    rows = []
    for name in variants:
        ms = sorted(x * 1000 for x in latencies[name])
        rows.append(
            [
                name,
                f"{common.median(rps[name]):.0f}",
                f"{sorted(rps[name])[len(rps[name]) // 10]:.0f}",
                f"{_percentile(ms, 50):.2f}",
                f"{_percentile(ms, 99):.2f}",
                f"{common.median(speedup):.2f}x" if name == "nginx HIT" else "1.00x",
            ]
        )
    table = common.table(
        ["variant", "median rps", "p10 rps", "p50 ms", "p99 ms", "rps ratio"], rows
    )
    summary = " vs ".join(f"{r[1]} | {r[3]} | {r[4]}" for r in rows)
    return table, {"rounds": len(samples["nginx HIT"]), "summary": summary}


def _percentile(ordered: list[float], q: int) -> float:
    if len(ordered) < 2:
        return ordered[0] if ordered else 0.0
    return statistics.quantiles(ordered, n=100, method="inclusive")[q - 1]


if __name__ == "__main__":
    common.main(run)
