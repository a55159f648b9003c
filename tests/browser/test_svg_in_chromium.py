"""SVG pictures in Chromium: drawn in an <img>, inert when opened alone."""

from __future__ import annotations

import re

import pytest
from dash import Input, Output, dcc, html

from .helpers import allow_console_errors, page_log

pytestmark = pytest.mark.browser

HOSTILE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    '<rect width="40" height="20" fill="#369"/>'
    "<script>document.title = 'scripted'; window.ran = true;</script>"
    '<foreignObject width="40" height="20"><iframe xmlns="http://www.w3.org/1999/xhtml"'
    ' src="https://example.invalid/"></iframe></foreignObject>'
    "</svg>"
)


def test_a_figure_in_an_img_has_its_size_in_points(dash_factory, images, open_app):
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
    # An SVG has no pixels of its own: the <img> lays out its 3x2 inches.
    size = page.evaluate(
        "() => { const i = document.getElementById('svg');"
        " return [i.naturalWidth, i.naturalHeight]; }"
    )
    assert size == [288, 192]  # points, as matplotlib writes them


def test_an_svg_opened_alone_runs_no_script(images, app, live_server, page):
    images.generator(name="hostile", format="svg")(lambda: HOSTILE)
    blocked_script = r"^Blocked script execution in '.*/hostile\.svg' because"
    blocked_frame = r"^Framing 'https://example\.invalid/' violates .*Content Security"
    allow_console_errors(page, blocked_script, blocked_frame)
    response = page.goto(live_server(app) + "/image_generator/hostile.svg")
    assert response is not None and response.status == 200
    assert response.headers["content-security-policy"].endswith("sandbox")
    page.wait_for_timeout(300)
    assert page.title() != "scripted"
    assert page.evaluate("() => window.ran === true") is False
    # Chromium says why: the sandbox stopped the script, the policy the frame.
    errors = page_log(page).console_errors
    assert any(re.search(blocked_script, e) for e in errors), errors
    assert any(re.search(blocked_frame, e) for e in errors), errors
