"""The apps the benchmarks drive: a picture served three ways from one Dash app,
and the bare Flask view that is the baseline for the image route.

In the Dash app every way has its own inputs and image, so that one change
triggers exactly one of them:

- ``server``: :func:`image_callback`, the URL built by a Dash callback
  (``POST /_dash-update-component``), then the browser GETs the picture;
- ``client``: the same with ``clientside=True``, only the GET;
- ``native``: a plain Dash callback returning ``data:image/png;base64,...``.
"""

from __future__ import annotations

import base64
import hashlib
import time
import typing as t

import dash
from dash import Input, Output, dcc, html
from flask import Blueprint, Flask, Response, request
from PIL import Image

from flask_dash_images import image_callback

from . import pictures

__all__ = [
    "MODES",
    "add_bare_view",
    "add_same_work_view",
    "dash_app",
    "data_url",
    "gunicorn_app",
    "update",
]

Picture = t.Callable[[int, int], Image.Image]

MODES = ("server", "client", "native")
X, Y = 120, 80


def data_url(image: Image.Image) -> str:
    """What a native Dash callback returns for an image's ``src``."""
    return "data:image/png;base64," + base64.b64encode(pictures.png(image)).decode()


def dash_app(picture: Picture) -> dash.Dash:
    """``picture(x, y)`` served the three ways of :data:`MODES`.

    The image route's generators are named ``server`` and ``client``.
    """
    app = dash.Dash(__name__)
    app.layout = html.Div(
        [
            html.Div(
                [
                    dcc.Input(id=f"{mode}-x", type="number", value=X),
                    dcc.Input(id=f"{mode}-y", type="number", value=Y),
                    html.Img(id=f"{mode}-img"),
                ]
            )
            for mode in MODES
        ]
    )

    def draw(x: int, y: int) -> Image.Image:
        return picture(x, y)

    for mode in ("server", "client"):
        image_callback(
            app,
            Output(f"{mode}-img", "src"),
            Input(f"{mode}-x", "value"),
            Input(f"{mode}-y", "value"),
            name=mode,
            clientside=mode == "client",
        )(draw)

    @app.callback(
        Output("native-img", "src"),
        Input("native-x", "value"),
        Input("native-y", "value"),
    )
    def native(x: int, y: int) -> str:
        return data_url(picture(x, y))

    return app


def update(mode: str, x: int = X, y: int = Y) -> dict[str, t.Any]:
    """The body dash-renderer POSTs to ``/_dash-update-component`` when
    ``<mode>-x`` changes."""
    return {
        "output": f"{mode}-img.src",
        "outputs": {"id": f"{mode}-img", "property": "src"},
        "inputs": [
            {"id": f"{mode}-x", "property": "value", "value": x},
            {"id": f"{mode}-y", "property": "value", "value": y},
        ],
        "changedPropIds": [f"{mode}-x.value"],
        "state": [],
    }


def add_bare_view(app: Flask, picture: Picture, rule: str = "/bare") -> None:
    """The baseline: a bare Flask view that makes and encodes the same picture,
    with the same Pillow settings, at ``rule?x=..&y=..``."""

    def bare() -> Response:
        image = picture(int(request.args["x"]), int(request.args["y"]))
        return Response(pictures.png(image), mimetype="image/png")

    app.add_url_rule(rule, "bare", bare)


def add_same_work_view(
    app: Flask, picture: Picture, prefix: str = "/same", *, answer: bool = True
) -> None:
    """A bare view written by hand that answers as the image route must, at
    ``<prefix>/image_generator/<guid>.<ext>?x=..&y=..``: the route's rule
    shape in a blueprint, an ETag from the bytes (304 on If-None-Match),
    ``Cache-Control``, ``nosniff`` and ``Server-Timing``.

    :param answer: ``False``: only the rule shape, sending the picture alone
        (for splitting the cost of the shape from that of the headers).
    """
    blueprint = Blueprint(prefix.strip("/"), __name__, url_prefix=prefix)

    def same_work(guid: str, ext: str) -> Response:
        started = time.perf_counter()
        image = picture(int(request.args["x"]), int(request.args["y"]))
        drawn = time.perf_counter()
        data = pictures.png(image)
        encoded = time.perf_counter()
        if not answer:
            return Response(data, mimetype="image/png")
        etag = hashlib.blake2b(data, digest_size=16).hexdigest()
        headers = {
            "ETag": f'"{etag}"',
            "Cache-Control": "private, no-cache",
            "X-Content-Type-Options": "nosniff",
        }
        if etag in request.if_none_match:
            return Response(status=304, headers=headers)
        headers["Server-Timing"] = (
            f"generator;dur={(drawn - started) * 1000:.3f},"
            f" encode;dur={(encoded - drawn) * 1000:.3f}"
        )
        return Response(data, mimetype="image/png", headers=headers)

    blueprint.add_url_rule("/image_generator/<guid>.<ext>", "image", same_work)
    app.register_blueprint(blueprint)


def gunicorn_app() -> Flask:
    """For ``gunicorn 'bench.apps:gunicorn_app()'``: the 200x200 line picture
    by the three ways, and the bare view."""
    app = dash_app(pictures.line)
    add_bare_view(app.server, pictures.line)
    return app.server
