"""A bounded load run on gunicorn, and a check that workers do not grow.

    python -m bench.load [--requests 20000] [--concurrency 16] [--workers 4]

1. Starts gunicorn (sync workers) with ``tests/apps/served_app.py`` on
   127.0.0.1, signed URLs on, no server cache (every request renders).
2. Warm-up: a few hundred requests, half of them matplotlib figures, so
   every worker has loaded what it needs.
3. Load: ``--requests`` requests from ``--concurrency`` threads with
   keep-alive clients; nine in ten GET a picture of its own (a Pillow tile),
   one in ten asks the Dash callback for a URL. Every answer is checked: the
   picture decoded and compared with what its URL asked for. Errors: none
   allowed.
4. Memory: each worker's RSS (``/proc/<pid>/status``), then ``--renders``
   more distinct pictures (a third matplotlib figures), then RSS again; every
   worker must grow less than ``--max-growth-mb``.

The report goes to ``bench/results/load.txt``; the exit status is 1 when
there were errors or a worker grew too much. Everything is bounded: unsent
requests after ``--time-limit`` seconds per phase count as errors.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
import typing as t
from importlib import metadata
from pathlib import Path

from tests.apps.served_app import (
    Job,
    create_app,
    params_for,
    send,
    swatch_update,
    urls_for,
)
from tests.http_load import HttpClient, LoadResult, Reply, run_load
from tests.servers import GunicornServer, rss_bytes

APP = "tests.apps.served_app:create_app()"
ENV = {"SERVED_APP_SECRET_KEY": "bench-load"}
RESULT = Path(__file__).parent / "results" / "load.txt"
PACKAGES = (
    "flask-dash-images",
    "dash",
    "flask",
    "werkzeug",
    "pillow",
    "matplotlib",
    "gunicorn",
)
MiB = 2**20


class Phase(t.NamedTuple):
    name: str
    result: LoadResult
    latencies: list[float]


def main(argv: t.Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--renders", type=int, default=2_500)
    parser.add_argument("--warm-up", type=int, default=400)
    parser.add_argument("--max-growth-mb", type=float, default=15.0)
    parser.add_argument(
        "--time-limit",
        type=float,
        default=150.0,
        help="seconds each phase may take (default: 150)",
    )
    parser.add_argument("--output", type=Path, default=RESULT)
    args = parser.parse_args(argv)

    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    app = create_app(ENV)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as directory:
        server = GunicornServer(APP, Path(directory), workers=args.workers, env=ENV)
        with server:
            workers = server.worker_pids()
            print(f"gunicorn at {server.url}, workers {workers}", file=sys.stderr)
            dash_callback = _dash_callback(server.url)

            def phase(name: str, jobs: list[Job]) -> Phase:
                print(f"{name}: {len(jobs)} requests ...", file=sys.stderr)
                latencies: list[float] = []
                result = run_load(
                    server.url,
                    jobs,
                    lambda client, job: _send(client, job, latencies),
                    concurrency=args.concurrency,
                    time_limit=args.time_limit,
                )
                return Phase(name, result, latencies)

            # Indices keep every picture distinct across the phases.
            warm_up = phase("warm-up", _image_jobs(app, range(args.warm_up), plots=2))
            rss_warm = _rss(workers)
            load = phase(
                "load",
                _load_jobs(app, dash_callback, args.warm_up, args.requests),
            )
            rss_before = _rss(workers)
            first = args.warm_up + args.requests
            memory = phase(
                "memory",
                _image_jobs(app, range(first, first + args.renders), plots=3),
            )
            rss_after = _rss(workers)
            workers_after = server.worker_pids()
    load_after = os.getloadavg()

    growth = {pid: rss_after[pid] - rss_before[pid] for pid in workers}
    problems = []
    for item in (warm_up, load, memory):
        if item.result.errors:
            problems.append(f"{item.name}: {len(item.result.errors)} errors")
    if workers_after != workers:
        problems.append(f"workers changed during the run: {workers} -> {workers_after}")
    too_big = {pid: g for pid, g in growth.items() if g >= args.max_growth_mb * MiB}
    if too_big:
        problems.append(f"workers grew {args.max_growth_mb} MiB or more: {too_big}")

    lines = _report(
        args,
        started,
        (load_before, load_after),
        workers,
        (warm_up, load, memory),
        (rss_warm, rss_before, rss_after),
        problems,
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 1 if problems else 0


def _dash_callback(base_url: str) -> dict[str, t.Any]:
    with HttpClient(base_url) as client:
        reply = client.get("/_dash-dependencies")
    if reply.status_code != 200:
        raise SystemExit(f"/_dash-dependencies: {reply.status_code}")
    for dependency in reply.get_json():
        if dependency["output"] == "swatch.src":
            return t.cast(dict[str, t.Any], dependency)
    raise SystemExit("the app has no callback for swatch.src")


def _image_jobs(app: t.Any, indices: t.Iterable[int], plots: int = 0) -> list[Job]:
    """GETs of distinct pictures; every ``plots``-th a matplotlib figure."""
    params = [params_for(i, plot=bool(plots) and i % plots == 0) for i in indices]
    tiles = iter(urls_for(app, "tile", [p for p in params if "seed" not in p]))
    figures = iter(urls_for(app, "plot", [p for p in params if "seed" in p]))
    return [("GET", next(figures if "seed" in p else tiles), p) for p in params]


def _load_jobs(
    app: t.Any, callback: dict[str, t.Any], first: int, count: int
) -> list[Job]:
    """Nine in ten: a tile's GET; one in ten: the Dash callback's POST."""
    jobs = _image_jobs(app, range(first, first + count))
    for k in range(0, count, 10):
        p = jobs[k][2]
        jobs[k] = ("POST", swatch_update(callback, p), p)
    return jobs


def _send(
    client: HttpClient, job: Job, latencies: list[float]
) -> tuple[Reply, str | None]:
    start = time.perf_counter()
    reply, problem = send(client, job)
    latencies.append(time.perf_counter() - start)
    return reply, problem


def _rss(pids: t.Iterable[int]) -> dict[int, int]:
    return {pid: rss_bytes(pid) for pid in pids}


def _percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _report(
    args: argparse.Namespace,
    started: datetime.datetime,
    loadavg: tuple[tuple[float, ...], tuple[float, ...]],
    workers: list[int],
    phases: tuple[Phase, ...],
    rss: tuple[dict[int, int], ...],
    problems: list[str],
) -> list[str]:
    versions = []
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{name} {metadata.version(name)}")
    lines = [
        "bench/load.py: bounded load on gunicorn, 127.0.0.1",
        f"date: {started:%Y-%m-%d %H:%M UTC}",
        f"machine: nproc {len(os.sched_getaffinity(0))}, {platform.platform()},"
        f" Python {platform.python_version()}",
        f"packages: {', '.join(versions)}",
        "load average (1/5/15 min) before: {}, after: {}".format(
            *(" ".join(f"{x:.2f}" for x in avg) for avg in loadavg)
        ),
        f"server: gunicorn, {len(workers)} sync workers, signed URLs, no server"
        " cache (every picture request renders)",
        f"client: {args.concurrency} threads, http.client keep-alive connections",
        "",
        "phase    requests errors retries  seconds    req/s   p50 ms   p95 ms   p99 ms",
    ]
    for name, result, latencies in phases:
        ms = [x * 1000 for x in latencies]
        lines.append(
            f"{name:<8} {result.requests:>8} {len(result.errors):>6}"
            f" {result.retries:>7} {result.duration:>8.1f} {result.per_second:>8.0f}"
            f" {_percentile(ms, 50):>8.1f} {_percentile(ms, 95):>8.1f}"
            f" {_percentile(ms, 99):>8.1f}"
        )
    load = phases[1]
    lines += [
        "",
        f"warm-up: {args.warm_up} distinct pictures, half matplotlib figures",
        f"load: {args.requests} requests, each a distinct picture; 1 in 10 a Dash"
        " callback POST (/_dash-update-component)",
        f"memory: {args.renders} more distinct pictures, a third matplotlib figures",
        "requests per worker (load): "
        + ", ".join(f"{pid}: {n}" for pid, n in sorted(load.result.served_by.items())),
        "",
        "worker RSS (MiB)  after warm-up  before memory  after memory  growth",
    ]
    rss_warm, rss_before, rss_after = rss
    for pid in workers:
        growth = rss_after[pid] - rss_before[pid]
        lines.append(
            f"  {pid:<15} {rss_warm[pid] / MiB:>13.1f} {rss_before[pid] / MiB:>14.1f}"
            f" {rss_after[pid] / MiB:>13.1f} {growth / MiB:>+7.1f}"
        )
    growth = max(rss_after[pid] - rss_before[pid] for pid in workers)
    lines.append(
        f"largest growth over {args.renders} renders: {growth / MiB:+.1f} MiB"
        f" (limit {args.max_growth_mb:g} MiB)"
    )
    errors = collections.Counter(
        e.split(":", 1)[-1].strip()[:120] for p in phases for e in p.result.errors
    )
    for message, count in errors.most_common(10):
        lines.append(f"error x{count}: {message}")
    lines += ["", "result: " + ("FAIL: " + "; ".join(problems) if problems else "PASS")]
    return lines


if __name__ == "__main__":
    sys.exit(main())
