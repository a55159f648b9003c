"""Matplotlib figures per second, drawn in the request's thread or in render
worker processes (``DASH_IMAGES_RENDER_PROCESSES``):
``python -m bench.figure_rate [--quick]``.

Two Flask apps serve the same generator, :func:`line_figure`: a matplotlib
line plot of 10,000 points, 400x300 px, encoded as PNG by the library.
Not deterministic, so every request draws. Variants:

- ``threads, 1 client``: ``RENDER_PROCESSES=0`` (the default), one thread
  sends the batch: the rate of one core;
- ``threads, 2 clients``: the same app, two threads send it: drawing holds
  the GIL, so two threads of one process share one core's worth;
- ``processes, 2 clients``: ``RENDER_PROCESSES=2``: each of two threads'
  renders runs in a worker process of its own;
- ``bare pool, 2 processes``: no Flask, no library around it: the same
  figures drawn and encoded (:func:`draw_and_encode`) by a
  ``multiprocessing`` pool of two processes: the most two processes get out
  of this machine at that moment (a shared machine's other load shows here
  first), the ceiling for ``processes, 2 clients``.

A round sends a batch of :data:`BATCH` requests, each for a figure of its own
(a seed), straight into the WSGI app (:class:`common.WsgiRequest`), split
between the client threads; the figure is ``BATCH`` over the wall-clock
seconds of the batch (the work is in several threads and processes). The
variants take turns, as :func:`common.interleave` does. The goal: on this
2-core machine, processes draw at least 1.7x as many figures per second as
threads, stated as a ratio of seconds per figure (processes / threads,
smaller is better) by the convention of :class:`common.Goal`.
"""

from __future__ import annotations

import concurrent.futures
import gc
import io
import multiprocessing
import sys
import time
import typing as t

from flask import Flask
from PIL import Image

from flask_dash_images import DynamicImages
from flask_dash_images.core import render
from flask_dash_images.settings import DEFAULTS

from . import common

if t.TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Figures per batch (per round and variant): short batches in many rounds,
#: so that a burst of load from elsewhere hits the variants alike.
BATCH = 12
POINTS = 10_000
WIDTH, HEIGHT = 400, 300
#: Processes draw at least this many times as many figures per second.
GOAL = 1.7


def line_figure(seed: int) -> Figure:
    """A line plot of :data:`POINTS` points of a random walk, 400x300 px.

    At a module's top level: a render worker process gets it by name.
    """
    import numpy as np
    from matplotlib.figure import Figure

    walk = np.random.default_rng(seed).standard_normal(POINTS).cumsum()
    figure = Figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    axes = figure.add_subplot()
    axes.plot(walk, linewidth=0.7)
    axes.set_title(f"random walk {seed}", fontsize=9)
    axes.grid(True, linewidth=0.3)
    return figure


def draw_and_encode(seed: int) -> int:
    """:func:`line_figure` encoded as the route encodes it; its size."""
    png = render.FORMATS["png"]
    limit = DEFAULTS["DASH_IMAGES_MAX_PIXELS"]
    return len(render.encode(line_figure(seed), png, {}, limit))


def make_app(processes: int) -> tuple[Flask, list[common.WsgiRequest]]:
    """An app with :func:`line_figure` drawn with ``processes`` worker
    processes, and a request for each figure of a batch."""
    # By its module's import name, also when this file runs as __main__: a
    # worker process imports that module to find the function.
    from bench.figure_rate import line_figure as generator

    images = DynamicImages()
    images.generator(name="line_figure")(generator)
    app = Flask(__name__)
    app.config["DASH_IMAGES_RENDER_PROCESSES"] = processes
    images.init_app(app)
    with app.test_request_context():
        urls = [images.url_for("line_figure", seed=seed) for seed in range(BATCH)]
    return app, [common.WsgiRequest(app, url) for url in urls]


def check(request: common.WsgiRequest) -> None:
    image = Image.open(io.BytesIO(request.expect("200")))
    if image.format != "PNG" or image.size != (WIDTH, HEIGHT):
        raise AssertionError(f"{image.format} {image.size}, not a {WIDTH}x{HEIGHT} PNG")


class Batch:
    """Sends a batch of requests from ``clients`` threads; call it for the
    seconds the batch took by the wall clock."""

    def __init__(self, requests: list[common.WsgiRequest], clients: int) -> None:
        self.requests = requests
        self.clients = clients
        self.pool = concurrent.futures.ThreadPoolExecutor(clients)

    def __call__(self) -> float:
        shares = [self.requests[k :: self.clients] for k in range(self.clients)]
        gc.collect()
        start = time.perf_counter()
        for done in [self.pool.submit(self._send, share) for share in shares]:
            done.result()
        return time.perf_counter() - start

    @staticmethod
    def _send(requests: list[common.WsgiRequest]) -> None:
        for request in requests:
            status, body = request()
            if not status.startswith("200"):
                raise AssertionError(f"{status}: {body[:200]!r}")

    def close(self) -> None:
        self.pool.shutdown()


class BarePool:
    """The batch's figures drawn by a pool of two processes, no library."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("forkserver")
        self.pool = context.Pool(2)

    def __call__(self) -> float:
        gc.collect()
        start = time.perf_counter()
        # By name, as the library's workers get the generator.
        from bench.figure_rate import draw_and_encode

        self.pool.map(draw_and_encode, range(BATCH), chunksize=1)
        return time.perf_counter() - start

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


def run(quick: bool) -> common.Report:
    """Matplotlib figures per second: threads vs worker processes."""
    rounds = 3 if quick else 21
    _, threads_requests = make_app(0)
    processes_app, processes_requests = make_app(2)
    runner = processes_app.extensions["dash_images"].service.runner
    check(threads_requests[0])
    # Before the bare pool: the first render starts the forkserver, with the
    # modules the library preloads in it (a forkserver another pool started
    # first would lack them, and every new worker would import matplotlib).
    check(processes_requests[0])
    batches: dict[str, Batch | BarePool] = {
        "threads, 1 client": Batch(threads_requests, 1),
        "threads, 2 clients": Batch(threads_requests, 2),
        "processes, 2 clients": Batch(processes_requests, 2),
        "bare pool, 2 processes": BarePool(),
    }
    try:
        # Warm up: fonts and caches in this process; both workers started.
        for batch in batches.values():
            batch()
        if runner.idle != 2:
            raise AssertionError(f"{runner.idle} worker processes, not 2")
        samples: dict[str, list[float]] = {name: [] for name in batches}
        names = list(batches)
        for round_ in range(rounds):
            print(f"figure_rate: round {round_ + 1}/{rounds}", file=sys.stderr)
            for name in names if round_ % 2 == 0 else reversed(names):
                samples[name].append(batches[name]() / BATCH)
    finally:
        for batch in batches.values():
            batch.close()
        runner.close()
    return report(samples, rounds)


def report(samples: dict[str, list[float]], rounds: int) -> common.Report:
    base = "threads, 2 clients"
    rows = []
    for name, values in samples.items():
        speed = common.ratios(samples, base, name)  # threads' time / this one's
        rows.append(
            [
                name,
                f"{1 / common.median(values):.1f}",
                common.ms(common.median(values)),
                common.ms(common.p90(values)),
                f"{common.median(speed):.2f}",
            ]
        )
    per_figure = common.ratios(samples, "processes, 2 clients", base)
    rate = 1 / common.median(per_figure)
    ceiling = 1 / common.median(common.ratios(samples, "bare pool, 2 processes", base))
    text = (
        f"matplotlib line plot of {POINTS:,} points, {WIDTH}x{HEIGHT} px, PNG;"
        f" {rounds} rounds of a batch of {BATCH} requests per variant (a figure"
        " of its own each), straight into the WSGI app, timed by the wall"
        " clock; figures/s = the batch over its seconds (median of rounds);"
        f" rate vs threads = how many times the figures/s of '{base}' (median"
        " of the per-round ratios).\n\n"
        + common.table(
            [
                "variant",
                "figures/s",
                "median ms/figure",
                "p90 ms/figure",
                "rate vs threads",
            ],
            rows,
        )
        + f"\n\nprocesses / threads, figures per second: {rate:.2f}x"
        f" (goal >= {GOAL:g}x); a bare pool of two processes reached"
        f" {ceiling:.2f}x in the same rounds (what the machine gave two"
        " processes)."
    )
    goals = [
        common.Goal(
            f"processes / threads, seconds per figure (>= {GOAL:g}x figures/s)",
            common.median(per_figure),
            1 / GOAL,
        )
    ]
    notes = [
        (
            "matplotlib figures/s: threads | processes (2 cores)",
            f"{1 / common.median(samples[base]):.1f}"
            f" | {1 / common.median(samples['processes, 2 clients']):.1f}"
            f" ({rate:.2f}x; a bare pool of 2: {ceiling:.2f}x)",
        )
    ]
    return common.Report(
        "figure_rate",
        "Matplotlib figures per second: threads vs worker processes",
        text,
        goals,
        notes,
    )


if __name__ == "__main__":
    common.main(run)
