"""1. Route overhead: the image route against bare Flask views that draw and
encode the same picture, all called straight through the WSGI app.

Variants, all on one Flask app:

- ``bare``: ``/bare?x=..&y=..``, a view that draws and saves with the same
  Pillow settings (:data:`bench.pictures.PNG_OPTIONS`) and sends only the
  picture;
- ``same work``: a bare view written by hand that answers as the route must
  (the contract): at the same rule shape (``<guid>.<ext>`` in a blueprint),
  with an ETag from the bytes and 304 on If-None-Match, ``Cache-Control``,
  ``nosniff`` and ``Server-Timing`` for drawing and encoding. The goal is
  measured against it: the rest is what the library adds;
- ``route``: the image route with default options (no signing, no cache);
- ``route deterministic``: ``deterministic=True, max_age=60`` (ETag from the URL);
- ``route signed``: default options on an app with a SECRET_KEY (signed URLs).

``bench/route_instructions.py`` counts the instructions of the same variants
(no noise), and splits ``same work`` into the rule shape and the headers.

``--profile`` prints where the image route spends its time on the 1x1 picture.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import typing as t

from flask import Flask

from flask_dash_images import DynamicImages

from . import common, pictures
from .apps import X, Y, add_bare_view, add_same_work_view

PICTURES: dict[str, tuple[t.Callable[[int, int], t.Any], float]] = {
    # name: (picture, goal for route / same work)
    "1x1": (pictures.dot, 1.10),
    "200x200 line": (pictures.line, 1.03),
}


def make_variants(
    picture: t.Callable[[int, int], t.Any], *, shape: bool = False
) -> dict[str, common.WsgiRequest]:
    """The variants, each serving ``picture(X, Y)``.

    :param shape: also ``rule shape``: ``bare`` at the route's rule shape in
        a blueprint, without the route's headers (``same work`` minus them).
    """
    images = DynamicImages()
    images.generator(name="route")(picture)
    images.generator(name="deterministic", deterministic=True, max_age=60)(picture)
    app, signed = Flask(__name__), Flask(__name__)
    signed.config["SECRET_KEY"] = "benchmark"
    for each in (app, signed):
        images.init_app(each)
    add_bare_view(app, picture)
    add_same_work_view(app, picture)
    add_same_work_view(app, picture, "/shape", answer=False)

    def url(target: Flask, name: str) -> str:
        with target.test_request_context():
            return images.url_for(name, x=X, y=Y)

    variants = {
        "bare": common.WsgiRequest(app, f"/bare?x={X}&y={Y}"),
        "same work": common.WsgiRequest(
            app, f"/same/image_generator/same.png?x={X}&y={Y}"
        ),
        "rule shape": common.WsgiRequest(
            app, f"/shape/image_generator/shape.png?x={X}&y={Y}"
        ),
        "route": common.WsgiRequest(app, url(app, "route")),
        "route deterministic": common.WsgiRequest(app, url(app, "deterministic")),
        "route signed": common.WsgiRequest(signed, url(signed, "route")),
    }
    if not shape:
        del variants["rule shape"]
    bodies = {name: request.expect("200") for name, request in variants.items()}
    if len(set(bodies.values())) != 1:
        raise AssertionError("the variants do not serve the same bytes")
    return variants


def run(quick: bool) -> common.Report:
    """Image route vs bare Flask views, same generate + encode."""
    sections, goals, notes = [], [], []
    for label, (picture, limit) in PICTURES.items():
        variants = make_variants(picture)
        samples = common.interleave(
            variants,
            rounds=5 if quick else 61,
            budget=3 if quick else 30,
            clock=common.CPU,
        )
        sections.append(
            f"{label} picture, {len(samples['bare'])} rounds\n\n"
            + common.table(
                [
                    *common.TIMING_HEADERS,
                    "/ bare median",
                    "/ same work median",
                    "/ same work p90",
                ],
                [_row(samples, name) for name in samples],
            )
        )
        ratio = common.median(common.ratios(samples, "route", "same work"))
        goals.append(
            common.Goal(f"route / bare view doing the same work, {label}", ratio, limit)
        )
        to_bare = common.median(common.ratios(samples, "route", "bare"))
        notes.append(
            (f"route / bare view sending the picture alone, {label}", f"{to_bare:.2f}x")
        )
    return common.Report(
        "route_overhead",
        "Route overhead: image route vs bare Flask views (WSGI, no client)",
        "\n\n".join(sections),
        goals,
        notes,
    )


def _row(samples: t.Mapping[str, t.Sequence[float]], name: str) -> list[str]:
    values = samples[name]
    to_same = common.ratios(samples, name, "same work")
    return [
        name,
        common.ms(common.median(values)),
        common.ms(common.p90(values)),
        f"{common.median(common.ratios(samples, name, 'bare')):.3f}",
        f"{common.median(to_same):.3f}",
        f"{common.p90(to_same):.3f}",
    ]


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
