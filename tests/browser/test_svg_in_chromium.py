"""SVG pictures in Chromium: drawn in an <img>, inert when opened alone."""

from __future__ import annotations

import pytest
from dash import Input, Output, dcc, html

from .helpers import allow_console_errors

pytestmark = pytest.mark.browser

HOSTILE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    '<rect width="40" height="20" fill="#369"/>'
    "<script>document.title = 'scripted'; window.ran = true;</script>"
    '<foreignObject width="40" height="20"><iframe xmlns="http://www.w3.org/1999/xhtml"'
    ' src="https://example.invalid/"></iframe></foreignObject>'
    "</svg>"
)


def test_a_figure_is_drawn_in_an_img_at_any_zoom(dash_factory, images, open_app):
    from matplotlib.figure import Figure

    dash_app = dash_factory(
        html.Div([dcc.Input(id="t", value="crisp"), html.Img(id="svg")])
    )

    @images.callback(Output("svg", "src"), Input("t", "value"), format="svg")
    def chart(title):
        figure = Figure(figsize=(3, 2), dpi=100)
        figure.add_subplot().plot([0, 1], [1, 0])
        figure.suptitle(title)
        return figure

    page = open_app(dash_app)
    page.wait_for_function(
        "() => { const i = document.getElementById('svg');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    # An SVG has no pixels of its own: drawn at 4x it is still its 3x2 inches.
    size = page.evaluate(
        "() => { const i = document.getElementById('svg');"
        " return [i.naturalWidth, i.naturalHeight]; }"
    )
    assert size == [288, 192]  # points, as matplotlib writes them


def test_an_svg_opened_alone_runs_no_script(images, app, live_server, page):
    images.generator(name="hostile", format="svg")(lambda: HOSTILE)
    allow_console_errors(page, "Content Security Policy", "sandbox", "Blocked")
    response = page.goto(live_server(app) + "/image_generator/hostile.svg")
    assert response is not None and response.status == 200
    assert response.headers["content-security-policy"].endswith("sandbox")
    page.wait_for_timeout(300)
    assert page.title() != "scripted"
    assert page.evaluate("() => window.ran === true") is False
