"""The factory: ``gunicorn 'tests.apps.deployment.pages_app.app:create_app()'``."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Dash, html
from flask import Flask

from tests.apps.deployment import figure
from tests.apps.deployment.pages_app.extensions import images

PAGES = Path(__file__).with_name("pages")


def create_app() -> Flask:
    dash_app = Dash(__name__, use_pages=True, pages_folder=str(PAGES))
    images.init_app(dash_app.server)
    dash_app.server.config.from_prefixed_env()
    dash_app.layout = html.Div([dash.page_container])
    figure.warm_up(dash_app.server, "/")
    return dash_app.server
