"""Render slots under a flood of slow pictures, on gunicorn (gthread):
``python -m bench.render_load [--quick]``.

gunicorn runs ``tests/apps/served_app.py`` on 127.0.0.1 with 2 gthread
workers of 8 threads each and a SimpleCache per worker. For each setting in
turn, for :data:`SECONDS` seconds:

- ``FLOOD`` client threads ask, again and again, for the ``slow`` picture:
  not deterministic (every request calls the generator), 0.5 s of CPU time
  burnt in Python (holding the GIL, as pure-Python drawing code would). A
  client sends its next request as soon as it has an answer, 503 included:
  impatient clients, the worst case;
- 2 client threads ask for ``/pid``, a route that draws nothing (``fast``);
- 2 client threads ask for a deterministic tile that both workers hold in
  their server cache (``cached``: each answer must say ``hit``);

each of these 4 pausing 50 ms between requests. Every request goes on a new
connection. Every picture is checked (a 200 with the right pixels); anything
but a 200, or a 503 for the slow picture, is an error.

Settings: ``before``: DASH_IMAGES_MAX_RENDERS=1000, DASH_IMAGES_RENDER_WAIT=1000,
no limit, as before render slots existed; ``after``: MAX_RENDERS=2,
RENDER_WAIT=1 (a CPU-bound generator on a 2-core machine); ``after +
processes``: the same with DASH_IMAGES_RENDER_PROCESSES=2, so the generator
burns its CPU in 2 render worker processes per gunicorn worker, away from
the GIL of the threads that answer; ``after + processes + timeout``: also
DASH_IMAGES_RENDER_TIMEOUT=1, which under this overload cuts renders short
(503 at 1 s) and kills and replaces their worker processes. The generator's
calls are timed by the app (``SERVED_APP_SPANS``; a render killed at the
timeout records none): the most running at once in one gunicorn worker is the
figure the slots bound (with processes, each render worker is counted for the
gunicorn worker whose forkserver forked it, seen in ``/proc`` during the run).

Writes ``bench/results/render_load.txt``; ``--quick`` is a short smoke run
that only prints. The whole run takes about a minute and a half.
"""

from __future__ import annotations

import collections
import dataclasses
import statistics
import sys
import tempfile
import threading
import time
import typing as t
from pathlib import Path

from tests.apps.served_app import (
    create_app,
    mismatch,
    most_at_once,
    params_for,
    read_spans,
    urls_for,
)
from tests.http_load import HttpClient
from tests.servers import GunicornServer

from . import common

APP = "tests.apps.served_app:create_app()"
WORKERS = 2
THREADS = 8
#: Client threads asking for the slow picture.
FLOOD = 16
#: CPU seconds the slow generator burns per call.
SLOW_SECONDS = 0.5
#: Seconds each setting is measured.
SECONDS = 15.0
#: The pause of the fast and cached clients between requests.
PAUSE = 0.05
HIT = 'hit;desc="server cache"'


@dataclasses.dataclass(frozen=True)
class Setting:
    name: str
    max_renders: int
    render_wait: float
    #: DASH_IMAGES_RENDER_PROCESSES.
    processes: int = 0
    #: DASH_IMAGES_RENDER_TIMEOUT (None: no limit).
    timeout: float | None = None


SETTINGS = (
    Setting("before", 1000, 1000.0),
    Setting("after", 2, 1.0),
    Setting("after + processes", 2, 1.0, processes=2),
    Setting("after + processes + timeout", 2, 1.0, processes=2, timeout=1.0),
)
#: What a 503 for a render over DASH_IMAGES_RENDER_TIMEOUT says.
TIMED_OUT = b"DASH_IMAGES_RENDER_TIMEOUT"


@dataclasses.dataclass
class Outcome:
    """What the clients saw under one setting."""

    setting: Setting
    seconds: float = 0.0
    #: Seconds per answer, by kind: ``slow 200``, ``slow 503``, ``fast``,
    #: ``cached``.
    latencies: dict[str, list[float]] = dataclasses.field(
        default_factory=lambda: collections.defaultdict(list)
    )
    errors: list[str] = dataclasses.field(default_factory=list)
    #: The most slow renders running at once in one worker, and in both.
    most_per_worker: int = 0
    most_in_all: int = 0
    renders: int = 0
    #: Slow requests answered 503 at the timeout (the others waited for a slot).
    timeouts: int = 0
    #: Render worker processes seen (started) during the run.
    render_workers: int = 0


def run(quick: bool) -> common.Report:
    """The fast route and a cached picture while slow renders flood gunicorn."""
    seconds = 3.0 if quick else SECONDS
    app = create_app({})
    slow_params = {**params_for(1), "seconds": SLOW_SECONDS, "spin": True}
    cached_params = params_for(2)
    [slow] = urls_for(app, "slow", [slow_params])
    [cached] = urls_for(app, "tile", [cached_params])
    outcomes = []
    for setting in SETTINGS:
        print(f"render_load: {setting.name} ...", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-render-load-") as directory:
            outcomes.append(
                measure(
                    setting,
                    Path(directory),
                    seconds,
                    (slow, slow_params),
                    (cached, cached_params),
                )
            )
    return report(outcomes, seconds)


def measure(
    setting: Setting,
    directory: Path,
    seconds: float,
    slow: tuple[str, dict[str, t.Any]],
    cached: tuple[str, dict[str, t.Any]],
) -> Outcome:
    spans_file = directory / "spans.log"
    spans_file.touch()
    env = {
        "SERVED_APP_CACHE": "simple",
        "SERVED_APP_MAX_RENDERS": str(setting.max_renders),
        "SERVED_APP_RENDER_WAIT": str(setting.render_wait),
        "SERVED_APP_RENDER_PROCESSES": str(setting.processes),
        "SERVED_APP_SPANS": str(spans_file),
    }
    if setting.timeout is not None:
        env["SERVED_APP_RENDER_TIMEOUT"] = str(setting.timeout)
    #: render worker pid -> the gunicorn worker it draws for.
    owners: dict[int, int] = {}
    outcome = Outcome(setting)
    server = GunicornServer(
        APP,
        directory,
        workers=WORKERS,
        worker_class="gthread",
        threads=THREADS,
        env=env,
        ready_path="/pid",
    )
    with server:
        warm(server, cached[0], len(server.worker_pids()))
        stop = threading.Event()
        lock = threading.Lock()

        def client(kind: str, path: str, params: dict[str, t.Any] | None) -> None:
            pause = 0.0 if kind == "slow" else PAUSE
            with HttpClient(server.url, timeout=120) as http:
                while not stop.is_set():
                    start = time.perf_counter()
                    try:
                        reply = http.get(path)
                    except Exception as error:  # counted, not raised
                        with lock:
                            outcome.errors.append(f"{kind}: {error!r}")
                        continue
                    elapsed = time.perf_counter() - start
                    status = reply.status_code
                    label, problem = kind, None
                    if kind == "slow" and status in (200, 503):
                        label = f"slow {status}"
                        if status == 503 and TIMED_OUT in reply.data:
                            with lock:
                                outcome.timeouts += 1
                    if status != 200 and label != "slow 503":
                        problem = f"{status} {reply.data[:100]!r}"
                    elif status == 200 and params is not None:
                        problem = mismatch(reply.data, params)
                        timing = reply.headers.get("Server-Timing", "")
                        if kind == "cached" and problem is None and HIT not in timing:
                            problem = f"not from the server cache: {timing}"
                    with lock:
                        outcome.latencies[label].append(elapsed)
                        if problem is not None:
                            outcome.errors.append(f"{kind}: {problem}")
                    stop.wait(pause)

        jobs = [("slow", slow[0], slow[1])] * FLOOD
        jobs += [("fast", "/pid", None)] * 2 + [("cached", cached[0], cached[1])] * 2
        threads = [
            threading.Thread(target=client, args=job, name=f"{job[0]}-{k}")
            for k, job in enumerate(jobs)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        workers = server.worker_pids()
        while time.perf_counter() - began < seconds:
            if setting.processes:
                find_render_workers(workers, owners)
            time.sleep(0.1)
        stop.set()
        for thread in threads:
            # A slow request sent just before the stop may still be drawing.
            thread.join(120)
            if thread.is_alive():
                raise RuntimeError(f"{thread.name} is stuck")
        outcome.seconds = time.perf_counter() - began
    spans = [s for s in read_spans(spans_file) if s.generator == "slow"]
    outcome.renders = len(spans)
    outcome.most_in_all = most_at_once(spans)
    outcome.render_workers = len(owners)
    # In a render worker process, a span's pid is that worker's.
    by_worker = collections.defaultdict(list)
    for span in spans:
        by_worker[owners.get(span.pid, span.pid)].append(span)
    outcome.most_per_worker = max(map(most_at_once, by_worker.values()), default=0)
    return outcome


def find_render_workers(workers: list[int], owners: dict[int, int]) -> None:
    """Note each live render worker process with its gunicorn worker: the
    children of the gunicorn worker's forkserver."""
    for worker in workers:
        for child in children(worker):
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"multiprocessing.forkserver" in cmdline:
                owners.update(dict.fromkeys(children(child), worker))


def children(pid: int) -> list[int]:
    """``pid``'s child processes: from each of its threads' ``children``
    file in ``/proc`` (a few reads, not a scan of every process, which
    would take CPU from the server measured)."""
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    for task in tasks:
        try:
            found += map(int, (task / "children").read_text().split())
        except OSError:
            continue
    return found


def warm(server: GunicornServer, path: str, workers: int) -> None:
    """Until every worker has answered ``path`` from its server cache."""
    hits: set[str] = set()
    deadline = time.monotonic() + 30
    while len(hits) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(hits)} of {workers} workers cached {path}")
        with HttpClient(server.url) as http:
            reply = http.get(path)
        if reply.status_code != 200:
            raise RuntimeError(f"{path}: {reply.status_code} {reply.data[:100]!r}")
        if HIT in reply.headers.get("Server-Timing", ""):
            hits.add(reply.headers["X-Served-By"])


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(outcomes: list[Outcome], seconds: float) -> common.Report:
    def ms(values: list[float], q: int) -> str:
        return f"{percentile(values, q) * 1000:.0f}" if values else "-"

    rows = []
    for o in outcomes:
        lat = o.latencies
        timeout = o.setting.timeout
        rows.append(
            [
                o.setting.name,
                f"{o.setting.max_renders}",
                f"{o.setting.render_wait:g}",
                f"{o.setting.processes}",
                "-" if timeout is None else f"{timeout:g}",
                ms(lat["fast"], 50),
                ms(lat["fast"], 99),
                ms(lat["cached"], 50),
                ms(lat["cached"], 99),
                f"{len(lat['slow 200'])}",
                ms(lat["slow 200"], 50),
                f"{len(lat['slow 503'])}",
                f"{o.timeouts}",
                ms(lat["slow 503"], 50),
                f"{o.render_workers}",
                f"{o.most_per_worker}",
                f"{o.most_in_all}",
                f"{len(o.errors)}",
            ]
        )
    table = common.table(
        [
            "setting",
            "max renders",
            "wait s",
            "processes",
            "timeout s",
            "fast p50 ms",
            "fast p99 ms",
            "cached p50 ms",
            "cached p99 ms",
            "slow 200",
            "slow 200 p50 ms",
            "slow 503",
            "of them timeouts",
            "slow 503 p50 ms",
            "render processes",
            "at once, 1 worker",
            "at once, both",
            "errors",
        ],
        rows,
    )
    counts = "; ".join(
        f"{o.setting.name}: {len(o.latencies['fast'])} fast,"
        f" {len(o.latencies['cached'])} cached, {o.renders} generator calls"
        f" in {o.seconds:.1f} s"
        for o in outcomes
    )
    errors = collections.Counter(e[:160] for o in outcomes for e in o.errors)
    lines = [
        f"gunicorn, {WORKERS} gthread workers x {THREADS} threads, SimpleCache;"
        f" {seconds:g} s per setting;"
        f" {FLOOD} clients flood the slow picture ({SLOW_SECONDS:g} s of CPU"
        " in Python per call, not deterministic), 2 ask for /pid (fast),"
        f" 2 for a cached tile (cached), these 4 pausing {PAUSE * 1000:.0f} ms;"
        " a new connection per request.",
        "",
        "before: no limit (the behaviour before render slots); after:"
        " DASH_IMAGES_MAX_RENDERS=2, DASH_IMAGES_RENDER_WAIT=1; + processes:"
        " DASH_IMAGES_RENDER_PROCESSES=2 (per gunicorn worker); + timeout:"
        " DASH_IMAGES_RENDER_TIMEOUT=1. of them timeouts: 503s for a render"
        " over the timeout (its worker process killed), the rest waited for a"
        " slot. render processes: render worker processes seen, in both"
        " gunicorn workers (started, replacements included). at once: the"
        " most slow generator calls running at the same moment, in one"
        " gunicorn worker and in both (the app's own timing of each call that"
        " finished).",
        "",
        table,
        "",
        f"requests answered: {counts}.",
    ]
    lines += [f"error x{n}: {message}" for message, n in errors.most_common(5)]
    notes = [
        (
            f"render slots, {o.setting.name} (max {o.setting.max_renders}):"
            " fast p99 | cached p99 ms | 503s | at once per worker",
            f"{ms(o.latencies['fast'], 99)} | {ms(o.latencies['cached'], 99)}"
            f" | {len(o.latencies['slow 503'])} | {o.most_per_worker}",
        )
        for o in outcomes
    ]
    return common.Report(
        "render_load",
        "Render slots under a flood of slow pictures (gunicorn gthread)",
        "\n".join(lines),
        notes=notes,
    )


if __name__ == "__main__":
    common.main(run)
