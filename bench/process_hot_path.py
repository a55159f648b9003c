"""The hot path with render worker processes on: a cache hit and a 304 for
a deterministic picture, with ``DASH_IMAGES_RENDER_PROCESSES=2`` against 0:
``python -m bench.process_hot_path [--quick]``.

Neither answer draws, so neither may touch a worker process: with processes
on they must cost what they cost without. Two apps, alike but for
``RENDER_PROCESSES``, serve the 200x200 line picture
(:func:`bench.pictures.line`, ``deterministic=True, max_age=60``) with a
SimpleCache each; through the WSGI app, timed in CPU time, in turns
(:func:`common.interleave`):

- ``304, processes N``: with ``If-None-Match`` set to the picture's ETag;
- ``cache hit, processes N``: the same URL, the server cache warm.

Every render is counted (the ``image_rendered`` signal, ``cached=False``):
after the one that fills each cache, none may happen; and the processes app
must still have the one worker process that render started.
"""

from __future__ import annotations

import multiprocessing

from flask import Flask
from flask_caching import Cache

from flask_dash_images import DynamicImages, image_rendered

from . import common, pictures
from .apps import X, Y

#: processes 2 / processes 0, for each answer.
GOAL = 1.10


def make_app(processes: int) -> tuple[Flask, dict[str, common.WsgiRequest]]:
    """An app drawing with ``processes`` worker processes, its cache warm,
    and its 304 and cache-hit requests."""
    cache = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 100})
    images = DynamicImages(cache=cache)
    images.generator(name="line", deterministic=True, max_age=60)(pictures.line)
    app = Flask(__name__)
    app.config["DASH_IMAGES_RENDER_PROCESSES"] = processes
    images.init_app(app)
    with app.test_request_context():
        url = images.url_for("line", x=X, y=Y)
    client = app.test_client()
    etag = client.get(url).headers["ETag"]  # drawn once: fills the cache
    hit = client.get(url)
    if "hit" not in hit.headers.get("Server-Timing", ""):
        raise AssertionError(f"not a cache hit: {hit.headers.get('Server-Timing')}")
    requests = {
        "304": common.WsgiRequest(app, url, headers={"If-None-Match": etag}),
        "cache hit": common.WsgiRequest(app, url),
    }
    requests["304"].expect("304")
    if requests["cache hit"].expect("200") != hit.data:
        raise AssertionError("the cache hit is not the picture drawn")
    return app, requests


def run(quick: bool) -> common.Report:
    """A 304 and a cache hit: RENDER_PROCESSES=2 vs 0."""
    _, threads = make_app(0)
    processes_app, processes = make_app(2)
    runner = processes_app.extensions["dash_images"].service.runner
    workers_before = len(multiprocessing.active_children())
    renders: list[object] = []

    def rendered(sender: object, **extra: object) -> None:
        if not extra["cached"]:
            renders.append(sender)

    variants = {}
    for answer in ("304", "cache hit"):
        variants[f"{answer}, processes 0"] = threads[answer]
        variants[f"{answer}, processes 2"] = processes[answer]
    with image_rendered.connected_to(rendered):
        samples = common.interleave(
            variants,
            rounds=5 if quick else 31,
            budget=3 if quick else 25,
            clock=common.CPU,
        )
    try:
        if renders:
            raise AssertionError(f"{len(renders)} renders while timing, not 0")
        workers_after = len(multiprocessing.active_children())
        if runner.idle != 1 or workers_after != workers_before:
            raise AssertionError(
                f"worker processes: {runner.idle} idle (1 expected),"
                f" {workers_before} before, {workers_after} after"
            )
    finally:
        runner.close()
    rows = []
    goals = []
    for answer in ("304", "cache hit"):
        off, on = f"{answer}, processes 0", f"{answer}, processes 2"
        ratio = common.ratios(samples, on, off)
        for name in (off, on):
            values = samples[name]
            mine = ratio if name == on else [1.0] * len(ratio)
            rows.append(
                [
                    name,
                    common.ms(common.median(values)),
                    common.ms(common.p90(values)),
                    f"{common.median(mine):.3f}",
                    f"{common.p90(mine):.3f}",
                ]
            )
        goals.append(
            common.Goal(f"{answer}: RENDER_PROCESSES=2 / 0", common.median(ratio), GOAL)
        )
    text = (
        f"line picture 200x200, deterministic, SimpleCache;"
        f" {len(samples['304, processes 0'])} rounds, CPU time; ratio = with"
        " RENDER_PROCESSES=2 / without, per round; renders while timing: 0,"
        " worker processes: the one that drew the picture first, untouched\n\n"
        + common.table(common.TIMING_HEADERS + common.RATIO_HEADERS, rows)
    )
    return common.Report(
        "process_hot_path",
        "A 304 and a cache hit with render worker processes on (WSGI)",
        text,
        goals,
    )


if __name__ == "__main__":
    common.main(run)
