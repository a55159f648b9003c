"""The plot page: the 16-axes figure, reporting clicks."""

from __future__ import annotations

import json

import dash
from dash import Input, Output

from tests.apps.deployment import figure
from tests.apps.deployment.pages_app.extensions import images

dash.register_page(__name__, path="/plot")

layout = figure.layout()


@images.callback(
    Output("picture", "src"), Input("n", "value"), events=("click",), name="grid"
)
def draw(n):
    return figure.grid(n)


@dash.callback(Output("clicked", "children"), Input("picture", "data-click"))
def clicked(event):
    return json.dumps(event)
