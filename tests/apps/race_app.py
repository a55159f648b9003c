"""A Dash app whose first requests race Dash's set-up (see
test_servers_dash_race.py).

Serve it with ``gunicorn 'tests.apps.race_app:create_app()'``. Its image
callbacks are registered with ``images.callback``, so through
:func:`dash.callback`'s global list, which Dash copies into the app on the
first request; ``echo`` is a plain :func:`dash.callback` beside them. Every
response says which worker made it (``X-Served-By``).

Each image callback ``race-<n>`` sets ``img-<n>.src`` from ``shade-<n>`` and
``size``, built on the server (written on the image's NEXT, which the page's
relay sets as ``src``); :func:`image_update` is the request dash-renderer
sends for it, and :func:`expected_answer` what the answer must be.
"""

from __future__ import annotations

import os
import typing as t

import dash
from dash import Dash, Input, Output, dcc, html
from flask import Flask, Response
from PIL import Image

from flask_dash_images import DynamicImages
from flask_dash_images.dash.clientside import NEXT

#: How many image callbacks the app has.
IMAGES = 4


def create_app() -> Flask:
    """The Flask server of the Dash app."""
    server = Flask(__name__)
    images = DynamicImages(server)
    for n in range(IMAGES):
        images.callback(
            Output(f"img-{n}", "src"),
            Input(f"shade-{n}", "value"),
            Input("size", "value"),
            name=f"race-{n}",
            clientside=False,
        )(_drawer(n))

    dash.callback(Output("echo", "children"), Input("shade-0", "value"))(echo)

    dash_app = Dash(__name__, server=server)
    dash_app.layout = html.Div(
        [dcc.Input(id="size", type="number", value=8)]
        + [
            component
            for n in range(IMAGES)
            for component in (
                dcc.Input(id=f"shade-{n}", type="number", value=n),
                html.Img(id=f"img-{n}"),
            )
        ]
        + [html.Div(id="echo")]
    )

    @server.after_request
    def served_by(response: Response) -> Response:
        response.headers["X-Served-By"] = str(os.getpid())
        return response

    return server


def _drawer(n: int) -> t.Callable[[int, int], Image.Image]:
    # A function of its own per callback: the registry knows each by identity.
    def draw(shade: int, size: int) -> Image.Image:
        return Image.new("L", (size, size), (shade * 16 + n) % 256)

    draw.__qualname__ = draw.__name__ = f"draw_{n}"
    return draw


def echo(shade: int) -> str:
    """The plain callback's answer."""
    return f"shade {shade}"


# -- for the test -------------------------------------------------------------


def update_body(output: str, inputs: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The body dash-renderer posts to ``/_dash-update-component`` when the
    first of ``inputs`` (``{"<id>.<property>": value}``, in the callback's
    order) has changed, for ``output`` (``"<id>.<property>"``)."""
    component, _, prop = output.rpartition(".")
    return {
        "output": output,
        "outputs": {"id": component, "property": prop},
        "inputs": [
            {
                "id": key.rpartition(".")[0],
                "property": key.rpartition(".")[2],
                "value": v,
            }
            for key, v in inputs.items()
        ],
        "state": [],
        "changedPropIds": [next(iter(inputs))],
    }


def image_update(n: int, shade: int, size: int) -> dict[str, t.Any]:
    """The request for ``img-<n>``'s URL (on its NEXT)."""
    return update_body(
        f"img-{n}.{NEXT}", {f"shade-{n}.value": shade, "size.value": size}
    )


def expected_answer(n: int, shade: int, size: int) -> dict[str, t.Any]:
    """What :func:`image_update` must be answered with."""
    src = f"/image_generator/race-{n}.png?shade={shade}&size={size}"
    return {f"img-{n}": {NEXT: {"src": src}}}


def echo_update(shade: int) -> dict[str, t.Any]:
    """The request for the plain callback's ``echo.children``."""
    return update_body("echo.children", {"shade-0.value": shade})
