"""4. Bytes on the wire: the picture as an image response against the base64
JSON that Dash's native callback answers, per picture.

Response bodies only (HTTP headers are a few hundred bytes either way):

- ``image``: the image route's body, all a clientside update downloads;
- ``server-side``: the URL's JSON from ``/_dash-update-component`` + the image;
- ``native``: the JSON with ``data:image/png;base64,...``; ``native gzip``:
  the same compressed (Dash's ``compress=True``, level 6).
"""

from __future__ import annotations

import functools
import gzip
import json

from . import common, pictures
from .apps import dash_app, update

PICTURES = {
    "line 200x200": pictures.line,
    "line 1024x768": functools.partial(pictures.line, width=1024, height=768),
    "fractal 400x300": lambda x, y: pictures.fractal(),
    "chart 640x480": lambda x, y: pictures.chart(),
}


def measure(picture: object) -> dict[str, int]:
    server = dash_app(picture).server  # type: ignore[arg-type]

    def post(mode: str) -> bytes:
        return common.WsgiRequest(
            server, "/_dash-update-component", method="POST", json=update(mode)
        ).expect("200")

    url_json = post("server")
    url = json.loads(url_json)["response"]["server-img"]["src"]
    image = common.WsgiRequest(server, url).expect("200")
    native = post("native")
    return {
        "image": len(image),
        "server-side": len(url_json) + len(image),
        "native": len(native),
        "native gzip": len(gzip.compress(native, 6)),
    }


def run(quick: bool) -> common.Report:
    """Image bytes vs the base64 JSON response, per picture."""
    rows, notes = [], []
    for label, picture in PICTURES.items():
        sizes = measure(picture)
        plain = sizes["image"] / sizes["native"]
        gzipped = sizes["image"] / sizes["native gzip"]
        server_side = sizes["server-side"] / sizes["native"]
        ratios = [f"{r:.3f}" for r in (plain, gzipped, server_side)]
        rows.append([label, *sizes.values(), *ratios])
        notes.append(
            (
                f"bytes, {label}: image / native JSON",
                f"{plain:.3f}x ({gzipped:.3f}x gzip)",
            )
        )
    headers = [
        "picture",
        "image",
        "server-side",
        "native",
        "native gzip",
        "image / native",
        "image / native gzip",
        "server-side / native",
    ]
    return common.Report(
        "wire_bytes",
        "Bytes on the wire: image response vs Dash's base64 JSON",
        "Response bodies in bytes\n\n" + common.table(headers, rows),
        notes=notes,
    )


if __name__ == "__main__":
    common.main(run)
