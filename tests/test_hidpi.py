"""hidpi=True: srcSet gets a 2x URL; the generator gets scale=1 or 2."""

from __future__ import annotations

import pytest
from dash import ALL, Input, Output, dcc, html
from PIL import Image

from flask_dash_images import RegistrationError

from .conftest import decode
from .dash_browser import DashBrowser, post_update


def swatch(size, *, scale):
    return Image.new("L", (size * scale, size * scale), 100 * scale)


def test_the_browser_sets_src_and_srcset(dash_factory, images):
    dash_app = dash_factory(html.Div([dcc.Input(id="n", value=3), html.Img(id="img")]))
    images.callback(Output("img", "src"), Input("n", "value"), hidpi=True)(swatch)
    page = DashBrowser(dash_app)
    src, srcset = page.page.run("..img.src...img.srcSet..", 5)
    assert src.endswith("?size=5&scale=1")
    url_2x, descriptor = srcset.split(" ")
    assert descriptor == "2x" and url_2x.endswith("?size=5&scale=2")
    assert decode(page.get(src).data).size == (5, 5)
    assert decode(page.get(url_2x).data).size == (10, 10)


def test_src_and_srcset_come_from_one_server_callback(dash_factory, images):
    dash_app = dash_factory(html.Div([dcc.Input(id="n", value=3), html.Img(id="img")]))
    images.callback(
        Output("img", "src"), Input("n", "value"), hidpi=True, clientside=False
    )(swatch)
    page = DashBrowser(dash_app)
    body = {
        "output": "..img.src...img.srcSet..",
        "outputs": [
            {"id": "img", "property": "src"},
            {"id": "img", "property": "srcSet"},
        ],
        "inputs": [{"id": "n", "property": "value", "value": 5}],
        "changedPropIds": [],
    }
    props = post_update(page.client, "/_dash-update-component", body).get_json()
    props = props["response"]["img"]
    src, srcset = props["src"], props["srcSet"]
    assert src.endswith("?size=5&scale=1")
    url_2x, descriptor = srcset.split(" ")
    assert descriptor == "2x" and url_2x.endswith("?size=5&scale=2")
    assert decode(page.get(src).data).size == (5, 5)
    two = decode(page.get(url_2x).data)
    assert two.size == (10, 10) and two.getpixel((0, 0)) == 200


def test_hidpi_with_all_outputs(dash_factory, images):
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id={"t": "n", "i": i}, value=i + 1) for i in range(2)]
            + [html.Img(id={"t": "img", "i": i}) for i in range(2)]
        )
    )
    images.callback(
        Output({"t": "img", "i": ALL}, "src"),
        Input({"t": "n", "i": ALL}, "value"),
        hidpi=True,
        clientside=False,
    )(swatch)
    page = DashBrowser(dash_app)
    ids = [{"t": "img", "i": i} for i in range(2)]
    pattern = '{"i":["ALL"],"t":"img"}'
    body = {
        "output": f"..{pattern}.src...{pattern}.srcSet..",
        "outputs": [
            [{"id": i, "property": "src"} for i in ids],
            [{"id": i, "property": "srcSet"} for i in ids],
        ],
        "inputs": [
            [
                {"id": {"t": "n", "i": i}, "property": "value", "value": i + 1}
                for i in range(2)
            ]
        ],
        "changedPropIds": [],
    }
    response = post_update(page.client, "/_dash-update-component", body).get_json()
    props = list(response["response"].values())
    sizes = [decode(page.get(p["srcSet"].split(" ")[0]).data).size for p in props]
    assert sizes == [(2, 2), (4, 4)]


@pytest.mark.parametrize("scale", ["3", "1.0", "%221%22", "0"])
def test_scale_must_be_1_or_2(dash_factory, images, scale):
    dash_app = dash_factory(html.Div([dcc.Input(id="n", value=3), html.Img(id="img")]))
    images.callback(Output("img", "src"), Input("n", "value"), hidpi=True, name="sw")(
        swatch
    )
    client = dash_app.server.test_client()
    assert client.get("/image_generator/sw.png?size=2&scale=2").status_code == 200
    response = client.get(f"/image_generator/sw.png?size=2&scale={scale}")
    assert response.status_code == 400
    assert b"'scale' must be 1 or 2" in response.data


def test_an_input_named_scale_clashes_with_hidpi(images):
    with pytest.raises(RegistrationError, match="multiple values for argument 'scale'"):
        images.callback(Output("img", "src"), Input("n", "value"), hidpi=True)(
            lambda scale: None
        )


@pytest.mark.parametrize("clientside", [False, True], ids=["server", "browser"])
def test_all_outputs_with_hidpi_and_no_matched_image_leave_the_page_alone(
    dash_factory, images, clientside
):
    # A pattern that matches no image yet (a list still empty): Dash wants
    # one empty list per output, never a 500.
    dash_app = dash_factory(html.Div([dcc.Input(id="n", value=3)]))
    images.callback(
        Output({"t": "img", "i": ALL}, "src"),
        Input("n", "value"),
        hidpi=True,
        clientside=clientside,
    )(swatch)
    page = DashBrowser(dash_app)
    output = '..{"i":["ALL"],"t":"img"}.src...{"i":["ALL"],"t":"img"}.srcSet..'
    if clientside:
        spec = [[], []]
        assert page.page.run(output, 3, outputs_list=spec) == [[], []]
        return
    response = post_update(
        page.client,
        "/_dash-update-component",
        {
            "output": output,
            "outputs": [[], []],
            "inputs": [{"id": "n", "property": "value", "value": 3}],
            "changedPropIds": ["n.value"],
            "state": [],
        },
    )
    assert response.status_code == 200
    assert response.get_json()["response"] == {}
