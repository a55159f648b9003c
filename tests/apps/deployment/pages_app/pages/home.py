"""The home page."""

from __future__ import annotations

import dash
from dash import dcc, html

dash.register_page(__name__, path="/")

layout = html.Div([html.H1("Home"), dcc.Link("Plot", href="/plot")])
