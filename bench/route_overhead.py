"""1. Route overhead: the image route against a bare Flask view doing the same
generate + encode, both called straight through the WSGI app.

Variants, all on one Flask app:

- ``bare``: ``/bare?x=..&y=..``, a view that draws and saves with the same
  Pillow settings (:data:`bench.pictures.PNG_OPTIONS`);
- ``route``: the image route with default options (no signing, no cache);
- ``route deterministic``: ``deterministic=True, max_age=60`` (ETag from the URL);
- ``route signed``: default options on an app with a SECRET_KEY (signed URLs);
- ``bare + headers``: the bare view plus the HTTP answers the route gives
  (ETag from the bytes, Cache-Control, nosniff, ``make_conditional``), which
  splits the overhead into what HTTP semantics cost and what the library adds.

``--profile`` prints where the image route spends its time on the 1x1 picture.
"""

from __future__ import annotations

import cProfile
import hashlib
import pstats
import sys
import typing as t

from flask import Flask, Response, request

from flask_dash_images import DynamicImages

from . import common, pictures
from .apps import X, Y, add_bare_view

PICTURES: dict[str, tuple[t.Callable[[int, int], t.Any], float]] = {
    # name: (picture, goal for route / bare)
    "1x1": (pictures.dot, 1.10),
    "200x200 line": (pictures.line, 1.03),
}


def make_variants(
    picture: t.Callable[[int, int], t.Any],
) -> dict[str, common.WsgiRequest]:
    images = DynamicImages()
    images.generator(name="route")(picture)
    images.generator(name="deterministic", deterministic=True, max_age=60)(picture)
    app, signed = Flask(__name__), Flask(__name__)
    signed.config["SECRET_KEY"] = "benchmark"
    for each in (app, signed):
        images.init_app(each)
    add_bare_view(app, picture)
    add_headers_view(app, picture)

    def url(target: Flask, name: str) -> str:
        with target.test_request_context():
            return images.url_for(name, x=X, y=Y)

    variants = {
        "bare": common.WsgiRequest(app, f"/bare?x={X}&y={Y}"),
        "route": common.WsgiRequest(app, url(app, "route")),
        "route deterministic": common.WsgiRequest(app, url(app, "deterministic")),
        "route signed": common.WsgiRequest(signed, url(signed, "route")),
        "bare + headers": common.WsgiRequest(app, f"/headers?x={X}&y={Y}"),
    }
    bodies = {name: request.expect("200") for name, request in variants.items()}
    if len(set(bodies.values())) != 1:
        raise AssertionError("the variants do not serve the same bytes")
    return variants


def add_headers_view(app: Flask, picture: t.Callable[[int, int], t.Any]) -> None:
    def headers() -> Response:
        data = pictures.png(picture(int(request.args["x"]), int(request.args["y"])))
        response = Response(data, mimetype="image/png")
        response.set_etag(hashlib.blake2b(data, digest_size=16).hexdigest())
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.cache_control.private = True
        response.cache_control.no_cache = True
        return response.make_conditional(request)

    app.add_url_rule("/headers", "headers", headers)


def run(quick: bool) -> common.Report:
    """Image route vs a bare Flask view, same generate + encode."""
    sections, goals = [], []
    for label, (picture, limit) in PICTURES.items():
        variants = make_variants(picture)
        samples = common.interleave(
            variants,
            rounds=5 if quick else 61,
            budget=3 if quick else 30,
            clock=common.CPU,
        )
        rows = common.timing_rows(samples, base="bare")
        sections.append(
            f"{label} picture, {len(samples['bare'])} rounds,"
            " ratio = variant / bare\n\n"
            + common.table(common.TIMING_HEADERS + common.RATIO_HEADERS, rows)
        )
        ratio = common.median(common.ratios(samples, "route", "bare"))
        goals.append(common.Goal(f"route / bare view, {label}", ratio, limit))
    return common.Report(
        "route_overhead",
        "Route overhead: image route vs a bare Flask view (WSGI, no client)",
        "\n\n".join(sections),
        goals,
    )


def profile(count: int = 3000) -> None:
    """cProfile of the image route serving the 1x1 picture ``count`` times."""
    route = make_variants(pictures.dot)["route"]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        route()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats("flask_dash_images", 25)


if __name__ == "__main__":
    if "--profile" in sys.argv:
        profile()
    else:
        common.main(run)
