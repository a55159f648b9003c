"""The README's Quick start (a module-level Dash app, ``DynamicImages(app.
server)``, a top-level generator), drawing the 16-axes figure."""

from __future__ import annotations

import json

from dash import Dash, Input, Output

from flask_dash_images import DynamicImages
from tests.apps.deployment import figure

app = Dash(__name__)
images = DynamicImages(app.server)
# Read after init_app, as a user may: it is read again at the first request.
app.server.config.from_prefixed_env()
server = app.server

app.layout = figure.layout()


@images.callback(
    Output("picture", "src"), Input("n", "value"), events=("click",), name="grid"
)
def draw(n):
    return figure.grid(n)


@app.callback(Output("clicked", "children"), Input("picture", "data-click"))
def clicked(event):
    return json.dumps(event)


figure.warm_up(server, "/")

if __name__ == "__main__":
    app.run(debug=True)
