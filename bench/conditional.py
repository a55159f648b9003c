"""3. What the image route answers without the generator: a 304 for a
deterministic picture, and a hit in the server cache (Flask-Caching's
SimpleCache), each against a full render of the 1024x768 line picture.

Variants, through the WSGI app:

- ``full render``: ``deterministic=True, cache_timeout=False`` (never cached),
  so every request draws and encodes;
- ``304``: ``deterministic=True`` with ``If-None-Match`` set to its ETag;
- ``cache hit``: the same URL without ``If-None-Match``, the cache warm.

The generator's calls are counted: the 304s and cache hits must make none.
"""

from __future__ import annotations

from flask import Flask
from flask_caching import Cache

from flask_dash_images import DynamicImages

from . import common, pictures
from .apps import X, Y

WIDTH, HEIGHT = 1024, 768
GOAL = 0.05


def make_variants() -> tuple[dict[str, common.WsgiRequest], list[str]]:
    calls: list[str] = []
    cache = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 100})
    images = DynamicImages(cache=cache)

    def generator(name: str, **options: object) -> None:
        def draw(x: int, y: int) -> object:
            calls.append(name)
            return pictures.line(x, y, WIDTH, HEIGHT)

        images.generator(name=name, deterministic=True, max_age=60, **options)(draw)

    generator("uncached", cache_timeout=False)
    generator("cached")
    app = Flask(__name__)
    images.init_app(app)
    with app.test_request_context():
        uncached = images.url_for("uncached", x=X, y=Y)
        cached = images.url_for("cached", x=X, y=Y)
    full = common.WsgiRequest(app, uncached)
    etag = app.test_client().get(cached).headers["ETag"]  # and warms the cache
    variants = {
        "full render": full,
        "304": common.WsgiRequest(app, cached, headers={"If-None-Match": etag}),
        "cache hit": common.WsgiRequest(app, cached),
    }
    variants["304"].expect("304")
    if variants["cache hit"].expect("200") != full.expect("200"):
        raise AssertionError("the cache hit is not the same picture")
    return variants, calls


def run(quick: bool) -> common.Report:
    """304 and cache hit vs a full 1024x768 render."""
    variants, calls = make_variants()
    before = calls.count("cached")
    samples = common.interleave(
        variants, rounds=5 if quick else 31, budget=3 if quick else 25, clock=common.CPU
    )
    generator_calls = calls.count("cached") - before
    rows = common.timing_rows(samples, base="full render")
    text = (
        f"line picture {WIDTH}x{HEIGHT}, {len(samples['304'])} rounds,"
        f" ratio = variant / full render; the cached generator ran"
        f" {generator_calls} times during the timed requests (0 expected)\n\n"
        + common.table(common.TIMING_HEADERS + common.RATIO_HEADERS, rows)
    )
    goals = [
        common.Goal(
            f"{name} / full 1024x768 render",
            common.median(common.ratios(samples, name, "full render")),
            GOAL,
        )
        for name in ("304", "cache hit")
    ]
    if generator_calls:
        raise AssertionError(f"the generator ran {generator_calls} times, not 0")
    return common.Report(
        "conditional",
        "A 304 and a cache hit vs a full render (deterministic=True, WSGI)",
        text,
        goals,
    )


if __name__ == "__main__":
    common.main(run)
