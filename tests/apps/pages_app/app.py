"""The app factory: a Dash app with pages, set up with the extension."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Dash, html

from tests.apps.pages_app.extensions import images

PAGES = Path(__file__).with_name("pages")


def create_app() -> Dash:
    dash_app = Dash(__name__, use_pages=True, pages_folder=str(PAGES))
    images.init_app(dash_app.server)
    dash_app.layout = html.Div([dash.page_container])
    return dash_app
