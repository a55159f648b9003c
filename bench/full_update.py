"""2. A full update (URL + picture) against Dash's native base64 callback.

For one change of an input, what the server does:

- ``server-side``: ``POST /_dash-update-component`` answers the URL, then
  ``GET`` the picture;
- ``clientside``: only the ``GET`` (the browser builds the URL);
- ``native``: ``POST /_dash-update-component`` answers
  ``data:image/png;base64,...``.

Everything goes straight through the WSGI app, and each variant parses the
JSON it gets, as the browser would. Pictures: the line at 200x200 and 1024x768.

``bare view`` is the floor for ``clientside``: a bare Flask view GET of the
same picture (no ETag, no Cache-Control, nothing decoded).
"""

from __future__ import annotations

import base64
import functools
import json
import typing as t

from . import common, pictures
from .apps import X, Y, add_bare_view, dash_app, update

SIZES = {"200x200": (200, 200), "1024x768": (1024, 768)}
GOAL_SIZE, GOAL = "200x200", 0.75


def make_variants(width: int, height: int) -> dict[str, t.Callable[[], object]]:
    picture = functools.partial(pictures.line, width=width, height=height)
    server = dash_app(picture).server
    add_bare_view(server, picture)

    def post(mode: str) -> common.WsgiRequest:
        return common.WsgiRequest(
            server, "/_dash-update-component", method="POST", json=update(mode)
        )

    def src(body: bytes, mode: str) -> str:
        return json.loads(body)["response"][f"{mode}-img"]["src"]

    server_post, native_post = post("server"), post("native")
    url = src(server_post.expect("200"), "server")
    server_get = common.WsgiRequest(server, url)
    # The URL the browser builds for the clientside image: the same query.
    client_get = common.WsgiRequest(server, url.replace("/server.", "/client."))
    bare_get = common.WsgiRequest(server, f"/bare?x={X}&y={Y}")

    def server_side() -> None:
        _, body = server_post()
        if src(body, "server") != url:
            raise AssertionError("the server-side callback built another URL")
        server_get()

    def native() -> None:
        _, body = native_post()
        src(body, "native")

    native_src = src(native_post.expect("200"), "native")
    native_image = base64.b64decode(native_src.partition(",")[2])
    if not native_image == client_get.expect("200") == bare_get.expect("200"):
        raise AssertionError("the variants do not send the same picture")
    return {
        "server-side": server_side,
        "clientside": client_get,
        "native": native,
        "bare view": bare_get,
    }


def run(quick: bool) -> common.Report:
    """Full update (URL + picture) vs Dash's native base64 callback."""
    sections, goals, notes = [], [], []
    for label, (width, height) in SIZES.items():
        samples = common.interleave(
            make_variants(width, height),
            rounds=5 if quick else 61,
            batch_seconds=0.05,
            budget=3 if quick else 35,
            clock=common.CPU,
        )
        rows = common.timing_rows(samples, base="native")
        sections.append(
            f"line picture {label} ({X}, {Y}), {len(samples['native'])} rounds,"
            " ratio = variant / native\n\n"
            + common.table(common.TIMING_HEADERS + common.RATIO_HEADERS, rows)
        )
        clientside = common.median(common.ratios(samples, "clientside", "native"))
        floor = common.median(common.ratios(samples, "bare view", "native"))
        server_side = common.median(common.ratios(samples, "server-side", "native"))
        what = f"full update, {label}: "
        if label == GOAL_SIZE:
            goals.append(common.Goal(what + "clientside / native", clientside, GOAL))
        else:
            notes.append((what + "clientside / native", f"{clientside:.3f}x"))
        notes.append((what + "bare Flask view / native (the floor)", f"{floor:.3f}x"))
        notes.append((what + "server-side / native", f"{server_side:.3f}x"))
    return common.Report(
        "full_update",
        "Full update (URL + picture) vs Dash's native base64 callback (WSGI)",
        "\n\n".join(sections),
        goals,
        notes,
    )


if __name__ == "__main__":
    common.main(run)
