"""The app factory: a module-level ``DynamicImages()``, a top-level
generator, and ``create_app()`` hosting Dash at ``/dash/`` on a Flask
server (``gunicorn 'tests.apps.deployment.factory:create_app()'``)."""

from __future__ import annotations

import json

from dash import Dash, Input, Output
from flask import Flask

from flask_dash_images import DynamicImages
from tests.apps.deployment import figure

images = DynamicImages()


@images.callback(
    Output("picture", "src"), Input("n", "value"), events=("click",), name="grid"
)
def draw(n):
    return figure.grid(n)


def create_app() -> Flask:
    server = Flask(__name__)
    server.config.from_prefixed_env()
    images.init_app(server)
    dash_app = Dash(__name__, server=server, url_base_pathname="/dash/")
    dash_app.layout = figure.layout()
    dash_app.callback(Output("clicked", "children"), Input("picture", "data-click"))(
        json.dumps
    )
    figure.warm_up(server, "/dash/")
    return server
