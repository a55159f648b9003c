"""ALL outputs, URLs built on the server: picture i gets item i of each ALL
input, and only when the items and the pictures match one to one; otherwise
no picture gets a URL. Other inputs are shared, lists too (both builders).
(The browser's URL builder: test_clientside_js.)"""

from __future__ import annotations

import json
import logging

import pytest
from dash import ALL, Input, Output, dcc, html
from PIL import Image

from .conftest import decode
from .dash_browser import DashBrowser, post_update

IMAGES = 3
OUTPUT = '{"i":["ALL"],"t":"img"}.src'
TILES = '{"index":["ALL"],"type":"t"}.src'


@pytest.fixture
def drawn():
    return []


@pytest.fixture
def page(dash_factory, images, drawn):
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id="width", value=2)]
            + [dcc.Input(id={"t": "shade", "i": i}, value=i) for i in range(5)]
            + [dcc.Input(id={"t": "tint", "i": i}, value=i) for i in range(5)]
            + [html.Img(id={"t": "img", "i": i}) for i in range(IMAGES)]
        )
    )

    @images.callback(
        Output({"t": "img", "i": ALL}, "src"),
        Input({"t": "shade", "i": ALL}, "value"),
        Input({"t": "tint", "i": ALL}, "value"),
        Input("width", "value"),
        clientside=False,
    )
    def tile(shade, tint, width):
        drawn.append((shade, tint, width))
        return Image.new("L", (width, 1), shade)

    return DashBrowser(dash_app)


def update(page, shades, tints, images=IMAGES):
    """Ask the URL callback for the pictures' URLs, fetch them, and return
    them: Dash answers 200 with a URL per picture, or 204 (PreventUpdate)
    when the callback leaves the pictures as they are."""
    body = {
        "output": OUTPUT,
        "outputs": [
            {"id": {"t": "img", "i": i}, "property": "src"} for i in range(images)
        ],
        "inputs": [
            [
                {"id": {"t": kind, "i": i}, "property": "value", "value": v}
                for i, v in enumerate(values)
            ]
            for kind, values in (("shade", shades), ("tint", tints))
        ]
        + [{"id": "width", "property": "value", "value": 2}],
        "changedPropIds": [],
    }
    response = post_update(page.client, "/_dash-update-component", body)
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.data
    srcs = [props["src"] for props in response.get_json()["response"].values()]
    for src in srcs:
        assert page.get(src).status_code == 200
    return srcs


def test_each_picture_gets_its_own_items(page, drawn):
    srcs = update(page, [10, 20, 30], [1, 2, 3])
    assert len(srcs) == IMAGES
    assert drawn == [(10, 1, 2), (20, 2, 2), (30, 3, 2)]


@pytest.mark.parametrize(
    ("shades", "tints"),
    [
        ([10, 20], [1, 2, 3]),
        ([10, 20, 30, 40], [1, 2, 3]),
        ([10, 20, 30], [1, 2]),
        ([10, 20, 30], [1, 2, 3, 4]),
        ([10, 20], [1, 2]),
        ([], []),
        ([10, 20, 30, 40], [1, 2, 3, 4]),
    ],
    ids=lambda v: json.dumps(v),
)
def test_items_that_do_not_match_the_pictures_give_no_url(
    page, drawn, shades, tints, caplog
):
    with caplog.at_level(logging.WARNING):
        assert update(page, shades, tints) == []
    assert drawn == []
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    message = record.getMessage()
    assert f"{IMAGES} images but" in message and "for an ALL input" in message
    assert "the picture is left as it is" in message


def test_no_pictures_and_no_items_is_fine(page, drawn, caplog):
    with caplog.at_level(logging.WARNING):
        assert update(page, [], [], images=0) == []
    assert drawn == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("clientside", [False, True], ids=["server", "browser"])
def test_a_shared_list_value_reaches_every_picture_whole(
    dash_factory, images, clientside
):
    # A multi-select dropdown's value is a list, as an ALL input's is; only
    # the ALL input is spread over the pictures, the dropdown's value is
    # shared, even when it has as many items as there are pictures.
    tiles = [{"type": "t", "index": i} for i in range(2)]
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Dropdown(
                    id="colors", options=["red", "blue"], value=["red"], multi=True
                )
            ]
            + [dcc.Input(id={"type": "n", "index": i}, value=i) for i in range(2)]
            + [html.Img(id=tile) for tile in tiles]
        )
    )
    drawn = []

    @images.callback(
        Output({"type": "t", "index": ALL}, "src"),
        Input({"type": "n", "index": ALL}, "value"),
        Input("colors", "value"),
        name="tiles",
        clientside=clientside,
    )
    def draw(n, colors):
        drawn.append((n, colors))
        return Image.new("L", (1 + n, 1))

    page = DashBrowser(dash_app)
    assert (page.callback_for(TILES)["clientside_function"] is not None) == clientside
    numbers = [({"type": "n", "index": i}, 10 + i) for i in range(2)]
    srcs = page.update(TILES, [numbers, ["red", "blue"]], outputs=tiles)
    assert srcs == [
        f"/image_generator/tiles.png?n={n}&colors=%5B%22red%22,%22blue%22%5D"
        for n in (10, 11)
    ]
    assert [decode(page.get(src).data).size for src in srcs] == [(11, 1), (12, 1)]
    assert drawn == [(10, ["red", "blue"]), (11, ["red", "blue"])]
