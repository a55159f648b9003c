"""responsive=True with matplotlib in Chromium: a figure drawn with
``dpi=100 * scale`` has the same text size in CSS pixels on every screen, so
twice the pixels at a device pixel ratio of 2 (the README's example)."""

from __future__ import annotations

import pytest
from dash import Input, Output, dcc, html
from matplotlib.figure import Figure

from .helpers import read_image, wait_for_image

pytestmark = pytest.mark.browser

BOX = 400  # CSS pixels, a multiple of the 50-pixel step widths round up to


def text_box(picture):
    """``(width, height)`` in pixels of the bounding box of the dark pixels."""
    dark = picture.convert("L").point(lambda value: 255 if value < 128 else 0)
    left, top, right, bottom = dark.getbbox()
    return right - left, bottom - top


def test_a_matplotlib_figure_has_the_same_text_size_on_every_screen(
    dash_factory, images, new_context, live_server
):
    calls = []
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Input(id="word", value="Hg"),
                html.Div(
                    html.Img(id="chart", style={"width": "100%"}),
                    style={"width": f"{BOX}px"},
                ),
            ]
        )
    )

    # The README's example.
    @images.callback(Output("chart", "src"), Input("word", "value"), responsive=True)
    def chart(word, *, width, height, scale):
        calls.append((width, height, scale))
        height = height or width // 2
        figure = Figure(
            figsize=(width / (100 * scale), height / (100 * scale)), dpi=100 * scale
        )
        figure.text(0.5, 0.5, word, fontsize=40, ha="center", va="center")
        return figure

    base_url = live_server(dash_app)
    seen = {}
    for ratio in (1, 2):
        page = new_context(device_scale_factor=ratio).new_page()
        page.goto(base_url)
        picture = wait_for_image(page, "#chart")
        # As many pixels as the box has device pixels, drawn at the box's size.
        assert (picture.width, picture.height) == (BOX * ratio, BOX * ratio // 2)
        assert page.evaluate("document.querySelector('#chart').width") == BOX
        assert calls[-1] == (BOX * ratio, None, ratio)
        seen[ratio] = text_box(read_image(page, "#chart"))
        page.close()

    assert [scale for _, _, scale in calls] == [1, 2]
    (width_1x, height_1x), (width_2x, height_2x) = seen[1], seen[2]
    # Large text at 1x (40 points at 100 dpi: about 50 pixels from H to g)...
    assert 35 <= height_1x <= 70, seen
    # ...and twice as many pixels at 2x: the same size in CSS pixels.
    assert 1.8 <= height_2x / height_1x <= 2.2, seen
    assert 1.8 <= width_2x / width_1x <= 2.2, seen
