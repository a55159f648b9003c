"""Sizes are refused before any wait and before the generator runs: a
responsive box off the browser's grid or over DASH_IMAGES_MAX_PIXELS, a
pixel ratio no browser has, a hidpi scale other than 1 or 2."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from dash import Input, Output, dcc, html
from PIL import Image

from flask_dash_images.core import sizes

from .conftest import decode


@pytest.fixture
def calls():
    return []


@pytest.fixture
def responsive(dash_factory, images, calls):
    """A responsive picture at ``/image_generator/box.png``; its client."""
    dash_app = dash_factory(
        html.Div([dcc.Input(id="n", value=1), html.Img(id="img")]),
        config={"DASH_IMAGES_MAX_PIXELS": 2000 * 2000},
    )

    @images.callback(
        Output("img", "src"), Input("n", "value"), responsive=True, name="box"
    )
    def box(n, *, width, height, scale):
        calls.append((width, height, scale))
        return Image.new("L", (width, height or width))

    return dash_app.server.test_client()


def ask(client, width, height=None, scale=1):
    height = "null" if height is None else height
    return client.get(
        f"/image_generator/box.png?n=1&width={width}&height={height}&scale={scale}"
    )


@pytest.mark.parametrize(
    ("width", "height", "scale"),
    [
        (50, None, 1),
        (350, 100, 1),
        (100, 200, 2),
        (63, None, 1.25),  # 50 CSS px at 1.25: 62.5, which JavaScript rounds up
        (125, 63, 1.25),
        (13, None, 0.25),
        (1500, 1050, 0.75),
    ],
)
def test_boxes_a_browser_asks_for_are_drawn(responsive, calls, width, height, scale):
    response = ask(responsive, width, height, scale)
    assert response.status_code == 200
    assert decode(response.data).size == (width, height or width)
    assert calls == [(width, height, scale)]


@pytest.mark.parametrize(
    ("width", "height", "scale", "message"),
    [
        (51, None, 1, "parameter 'width' must be a multiple of 50 CSS pixels"),
        (100, 99, 1, "parameter 'height' must be a multiple of 50 CSS pixels"),
        (62, None, 1.25, "parameter 'width' must be a multiple of 50 CSS pixels"),
        (100, None, 1.1, "parameter 'scale' must be a pixel ratio from 0.25 to 10"),
        (100, None, 0, "parameter 'scale' must be a pixel ratio"),
        (100, None, "true", "parameter 'scale' must be a pixel ratio"),
        (0, None, 1, "parameter 'width' must be 1 to 16384"),
        (16400, None, 1, "parameter 'width' must be 1 to 16384"),
        (100, 0, 1, "parameter 'height' must be 1 to 16384"),
        (100.0, None, 1, "parameter 'width' must be 1 to 16384"),
        (2050, None, 1, "2050 x 2050 = 4202500 pixels, more than"),
        (16350, 16350, 1, "more than DASH_IMAGES_MAX_PIXELS (4000000)"),
        (4000, 1050, 1, "4000 x 1050 = 4200000 pixels"),
    ],
)
def test_boxes_no_browser_asks_for_are_400_before_drawing(
    responsive, calls, width, height, scale, message
):
    response = ask(responsive, width, height, scale)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert calls == []


def test_a_client_gets_only_the_browsers_widths(responsive, calls):
    answers = [ask(responsive, width).status_code for width in range(51, 351)]
    assert answers.count(200) == 6  # 100, 150, ..., 350
    assert sorted(w for w, _, _ in calls) == list(range(100, 351, 50))


@pytest.mark.parametrize("scale", [0, 3, 1.5, "2", True])
def test_a_hidpi_scale_other_than_1_or_2_is_400_before_drawing(
    dash_factory, images, calls, scale
):
    dash_app = dash_factory(html.Div([dcc.Input(id="n"), html.Img(id="img")]))

    @images.callback(Output("img", "src"), Input("n", "value"), hidpi=True, name="h")
    def draw(n, *, scale):
        calls.append(scale)
        return Image.new("L", (n * scale, n * scale))

    client = dash_app.server.test_client()
    scale = {"2": '"2"', True: "true"}.get(scale, scale)
    response = client.get(f"/image_generator/h.png?n=2&scale={scale}")
    assert response.status_code == 400
    assert b"parameter 'scale' must be 1 or 2" in response.data
    assert calls == []


def test_a_bad_size_is_400_at_once_while_every_render_slot_is_taken(responsive, calls):
    slots = responsive.application.extensions["dash_images"].service.slots
    slots.wait = 30  # a request that waited for a slot would hang the test
    for _ in range(slots.size):
        slots.acquire()
    response = ask(responsive, 0)
    assert response.status_code == 400
    assert calls == []


def test_the_page_script_measures_on_the_same_grid():
    script = (
        resources.files("flask_dash_images.dash")
        .joinpath("assets/dash_images.js")
        .read_text()
    )
    assert f"var STEP = {sizes.STEP};" in script
    steps = sizes.RATIO_STEPS
    assert re.search(
        rf"Math\.max\({sizes.MIN_RATIO}, Math\.round\(\(window\.devicePixelRatio"
        rf" \|\| 1\) \* {steps}\) / {steps}\)",
        script,
    )
