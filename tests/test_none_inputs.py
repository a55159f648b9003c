"""An Input whose value is None leaves the picture as it is, unless
``allow_none=True``; on the browser path and the server path alike."""

from __future__ import annotations

import pytest
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from PIL import Image

from .dash_browser import DashBrowser

PATHS = pytest.mark.parametrize("clientside", [None, False], ids=["browser", "server"])


def layout():
    return html.Div(
        [
            dcc.Input(id="size", type="number", value=2),
            dcc.Dropdown(id="colour", options=["red", "blue"], value="red"),
            dcc.Input(id="label", value="x"),
            html.Img(id="img"),
        ]
    )


@pytest.fixture
def seen():
    return []


@pytest.fixture
def page(dash_factory, images, seen, request):
    def make(**options):
        dash_app = dash_factory(layout())

        @images.callback(
            Output("img", "src"),
            Input("size", "value"),
            Input("colour", "value"),
            State("label", "value"),
            **options,
        )
        def draw(size, colour, label):
            seen.append((size, colour, label))
            return Image.new("RGB", (size or 1, size or 1), colour or "white")

        return DashBrowser(dash_app)

    return make


@PATHS
@pytest.mark.parametrize("inputs", [[None, "red"], [2, None], [None, None]])
def test_a_none_input_leaves_the_picture_as_it_is(page, clientside, inputs):
    with pytest.raises(PreventUpdate):
        page(clientside=clientside).update("img.src", inputs, ["x"])


@PATHS
@pytest.mark.parametrize(
    ("inputs", "state"),
    [([0, "red"], ["x"]), ([2, ""], ["x"]), ([2, "red"], [None]), ([2, "red"], [""])],
)
def test_zero_empty_strings_and_a_none_state_are_values(
    page, seen, clientside, inputs, state
):
    browser = page(clientside=clientside)
    url = browser.update("img.src", inputs, state)
    assert browser.get(url).status_code == 200
    assert seen == [(*inputs, *state)]


@PATHS
def test_allow_none_passes_none_to_the_generator(page, seen, clientside):
    browser = page(clientside=clientside, allow_none=True)
    url = browser.update("img.src", [None, None], ["x"])
    assert browser.get(url).status_code == 200
    assert seen == [(None, None, "x")]


@PATHS
def test_with_all_only_the_pictures_whose_input_is_none_stay(
    dash_factory, images, clientside
):
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id={"t": "n", "i": i}, value=i) for i in range(3)]
            + [html.Img(id={"t": "img", "i": i}) for i in range(3)]
        )
    )
    images.callback(
        Output({"t": "img", "i": ALL}, "src"),
        Input({"t": "n", "i": ALL}, "value"),
        clientside=clientside,
    )(lambda n: Image.new("L", (n, n)))
    ids = [{"t": "img", "i": i} for i in range(3)]
    values = [(f'{{"i":{i},"t":"n"}}', v) for i, v in enumerate([2, None, 3])]
    srcs = DashBrowser(dash_app).update(
        '{"i":["ALL"],"t":"img"}.src', [values], outputs=ids
    )
    assert srcs[1] is None  # no update: the picture stays as it was
    assert "n=2" in srcs[0] and "n=3" in srcs[2]
