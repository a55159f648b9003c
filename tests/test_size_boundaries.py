"""The limits of a responsive picture's size, at the limit and one past it:
the largest pixel ratio, the smallest, and exactly DASH_IMAGES_MAX_PIXELS."""

from __future__ import annotations

import pytest
from dash import Input, Output, dcc, html
from PIL import Image

from flask_dash_images.core.sizes import MAX_RATIO, MIN_RATIO

from .conftest import decode


def responsive(dash_factory, images, max_pixels):
    """A responsive picture at ``/image_generator/box.png``; its client."""
    dash_app = dash_factory(
        html.Div([dcc.Input(id="n", value=1), html.Img(id="img")]),
        config={"DASH_IMAGES_MAX_PIXELS": max_pixels},
    )

    @images.callback(
        Output("img", "src"), Input("n", "value"), responsive=True, name="box"
    )
    def box(n, *, width, height, scale):
        return Image.new("L", (width, height or width))

    client = dash_app.server.test_client()
    assert client.get("/").status_code == 200  # the Dash app sets up
    return client


def ask(client, width, height, scale):
    height = "null" if height is None else height
    return client.get(
        f"/image_generator/box.png?n=1&width={width}&height={height}&scale={scale}"
    )


@pytest.mark.parametrize(
    ("width", "scale", "status"),
    [
        # 50 CSS pixels at the ratios a browser can have, and a step past them.
        (500, MAX_RATIO, 200),
        (513, MAX_RATIO + 0.25, 400),
        (13, MIN_RATIO, 200),
        (0, MIN_RATIO - 0.25, 400),
    ],
)
def test_the_pixel_ratio_limits_are_inclusive(
    dash_factory, images, width, scale, status
):
    client = responsive(dash_factory, images, 4096 * 4096)
    response = ask(client, width, None, scale)
    assert response.status_code == status, response.data
    if status == 400:
        assert b"parameter 'scale' must be a pixel ratio from 0.25 to 10" in (
            response.data
        )
    else:
        assert decode(response.data).size == (width, width)


@pytest.mark.parametrize(("limit", "status"), [(100 * 50, 200), (100 * 50 - 1, 400)])
def test_a_box_of_exactly_max_pixels_is_drawn_and_one_pixel_more_is_not(
    dash_factory, images, limit, status
):
    client = responsive(dash_factory, images, limit)
    response = ask(client, 100, 50, 1)
    assert response.status_code == status, response.data
    if status == 200:
        assert decode(response.data).size == (100, 50)
    else:
        assert response.get_data(as_text=True) == (
            "400 Bad Request: the picture would be 100 x 50 = 5000 pixels, more"
            f" than DASH_IMAGES_MAX_PIXELS ({limit})\n"
        )
