"""alt=: the image's alt text, filled in with the values its URL carries, by
the browser's URL function (run in V8) and by the server's callback alike."""

from __future__ import annotations

import json

import dash
import pytest
from dash import ALL, Input, Output, State, dcc, html
from PIL import Image

from flask_dash_images import RegistrationError
from flask_dash_images.core import urls
from flask_dash_images.dash.clientside import ASK, NEXT

from .dash_browser import DashBrowser, component_key, post_update


def line(x, y):
    return Image.new("L", (2, 2))


def make(dash_factory, images, clientside, alt, *, config=None, name="line", **options):
    """One image callback ``line(x, y)`` on Inputs ``x`` and ``y``."""
    dash_app = dash_factory(
        html.Div([dcc.Input(id="x"), dcc.Input(id="y"), html.Img(id="img")]),
        config=config,
    )
    images.callback(
        Output("img", "src"),
        Input("x", "value"),
        Input("y", "value"),
        name=name,
        clientside=clientside,
        alt=alt,
        **options,
    )(line)
    return DashBrowser(dash_app)


class Wildcard(list):
    """An ALL input's ``{id, property, value}`` items, as the renderer posts
    them."""


def post(page, output, inputs, outputs, state=()):
    """The server callback's answer: ``{component key: props}``, or None for
    a 204 (nothing updated)."""
    callback = page.callback_for(output)
    body = {
        "output": output,
        "outputs": outputs,
        "inputs": [
            value if isinstance(value, Wildcard) else dict(spec, value=value)
            for spec, value in zip(
                # The relay's ask is post_update's to add.
                [d for d in callback["inputs"] if d["property"] != ASK],
                inputs,
                strict=True,
            )
        ],
        "state": [
            dict(spec, value=value)
            for spec, value in zip(callback["state"], state, strict=True)
        ],
        "changedPropIds": [],
    }
    response = post_update(page.client, "/_dash-update-component", body)
    if response.status_code == 204:
        return None
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]


OUTPUT = "..img.src...img.alt.."
OUTPUTS = [{"id": "img", "property": "src"}, {"id": "img", "property": "alt"}]


def build(page, clientside, x, y):
    """``[src, alt]`` as the browser's function or the server's callback
    builds them; None where the picture is left as it is."""
    if clientside:
        try:
            return page.page.run(OUTPUT, x, y, outputs_list=OUTPUTS)
        except dash.exceptions.PreventUpdate:
            return None
    props = post(page, OUTPUT, [x, y], OUTPUTS)
    return None if props is None else [props["img"]["src"], props["img"]["alt"]]


TEXTS = [
    (3, 4, "Line to (3, 4)"),
    (2.5, -1e21, "Line to (2.5, -1e+21)"),
    ("a {b} {{c}}", "'quoted' \"twice\"", "Line to (a {b} {{c}}, 'quoted' \"twice\")"),
    ("ünï 🖼 \u2028", "</script>", "Line to (ünï 🖼 \u2028, </script>)"),
    ("", 0, "Line to (, 0)"),
    (True, False, "Line to (true, false)"),
    ([1, "a", None], {"z": 1, "a": [2.5]}, 'Line to ([1,"a",null], {"a":[2.5],"z":1})'),
    ("null", "3", "Line to (null, 3)"),
]


@pytest.mark.parametrize("clientside", [True, False], ids=["browser", "server"])
def test_the_alt_text_holds_the_values_the_url_carries(
    dash_factory, images, clientside
):
    page = make(dash_factory, images, clientside, "Line to ({x}, {y})")
    for x, y, text in TEXTS:
        src, alt = build(page, clientside, x, y)
        assert alt == text
        assert (
            src == f"/image_generator/line.png?{urls.encode_query(['x', 'y'], [x, y])}"
        )


def test_browser_and_server_write_the_same_alt_text(dash_factory, images):
    template = "{{x}} = {x}; «{y}» '\"</script><!--"
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Input(id="x"),
                dcc.Input(id="y"),
                html.Img(id="img"),
                html.Img(id="img2"),
            ]
        )
    )
    for output, clientside in [("img", True), ("img2", False)]:
        images.callback(
            Output(output, "src"),
            Input("x", "value"),
            Input("y", "value"),
            name=output,
            clientside=clientside,
            alt=template,
        )(line)
    page = DashBrowser(dash_app)
    server_outputs = [{"id": "img2", "property": p} for p in ("src", "alt")]
    for x, y, _ in TEXTS:
        in_browser = page.page.run(OUTPUT, x, y, outputs_list=OUTPUTS)[1]
        on_server = post(page, "..img2.src...img2.alt..", [x, y], server_outputs)
        assert in_browser == on_server["img2"]["alt"]
        assert in_browser.startswith("{x} = ")
        assert in_browser.endswith("» '\"</script><!--")


@pytest.mark.parametrize("clientside", [True, False], ids=["browser", "server"])
def test_a_plain_alt_text_is_set_as_it_is(dash_factory, images, clientside):
    page = make(dash_factory, images, clientside, "A line from the corner")
    assert build(page, clientside, 1, 2)[1] == "A line from the corner"


@pytest.mark.parametrize("clientside", [True, False], ids=["browser", "server"])
def test_none_leaves_the_picture_and_its_alt_as_they_are(
    dash_factory, images, clientside
):
    page = make(dash_factory, images, clientside, "Line to ({x}, {y})")
    assert build(page, clientside, 1, None) is None


@pytest.mark.parametrize("clientside", [True, False], ids=["browser", "server"])
def test_allow_none_writes_null(dash_factory, images, clientside):
    page = make(dash_factory, images, clientside, "{x}/{y}", allow_none=True)
    assert build(page, clientside, None, "n")[1] == "null/n"


@pytest.mark.parametrize("clientside", [True, False], ids=["browser", "server"])
def test_without_alt_there_is_no_alt_output(dash_factory, images, clientside):
    page = make(dash_factory, images, clientside, None)
    # (a server-built URL goes through the image's NEXT to its relay)
    outputs = [d["output"] for d in page.dependencies if d["output"] != f"img.{NEXT}"]
    assert outputs == ["img.src"]


def test_signed_urls_get_their_alt_text_on_the_server(dash_factory, images):
    page = make(
        dash_factory,
        images,
        None,
        "to {x}, {y}",
        config={"SECRET_KEY": "k", "DASH_IMAGES_SIGN": True},
    )
    src, alt = build(page, False, 7, "b")
    assert "&_sig=" in src and alt == "to 7, b"
    assert page.get(src).status_code == 200


@pytest.mark.parametrize("clientside", [True, False], ids=["browser", "server"])
def test_hidpi_alt_text_has_the_src_scale(dash_factory, images, clientside):
    dash_app = dash_factory(html.Div([dcc.Input(id="n"), html.Img(id="img")]))
    images.callback(
        Output("img", "src"),
        Input("n", "value"),
        clientside=clientside,
        hidpi=True,
        alt="{n} drawn at {scale}x",
    )(lambda n, *, scale: Image.new("L", (1, 1)))
    page = DashBrowser(dash_app)
    output = "..img.src...img.srcSet...img.alt.."
    outputs = [{"id": "img", "property": p} for p in ("src", "srcSet", "alt")]
    if clientside:
        src, srcset, alt = page.page.run(output, 5, outputs_list=outputs)
    else:
        props = post(page, output, [5], outputs)["img"]
        src, srcset, alt = props["src"], props["srcSet"], props["alt"]
    assert src.endswith("?n=5&scale=1") and srcset.endswith("?n=5&scale=2 2x")
    assert alt == "5 drawn at 1x"


@pytest.mark.parametrize("clientside", [True, False], ids=["browser", "server"])
def test_responsive_alt_text_has_the_box(dash_factory, images, clientside):
    dash_app = dash_factory(html.Div([dcc.Input(id="n"), html.Img(id="img")]))
    images.callback(
        Output("img", "src"),
        Input("n", "value"),
        clientside=clientside,
        responsive=True,
        alt="{n}: {width} by {height} at {scale}",
    )(lambda n, *, width, height, scale: Image.new("L", (1, 1)))
    page = DashBrowser(dash_app)
    output = "..img.src...img.alt.."
    box = {"width": 800, "height": None, "scale": 2}
    if clientside:
        src, alt = page.page.run(output, box, 3, outputs_list=OUTPUTS)
    else:
        props = post(page, output, [box, 3], OUTPUTS)["img"]
        src, alt = props["src"], props["alt"]
    assert src.endswith("?n=3&width=800&height=null&scale=2")
    assert alt == "3: 800 by null at 2"


IDS = [{"t": "img", "i": i} for i in range(3)]


@pytest.mark.parametrize("clientside", [True, False], ids=["browser", "server"])
@pytest.mark.parametrize("hidpi", [False, True], ids=["1x", "hidpi"])
def test_all_outputs_get_an_alt_text_each(dash_factory, images, clientside, hidpi):
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id="label")]
            + [dcc.Input(id={"t": "k", "i": i}) for i in range(3)]
            + [html.Img(id=i) for i in IDS]
        )
    )
    images.callback(
        Output({"t": "img", "i": ALL}, "src"),
        Input({"t": "k", "i": ALL}, "value"),
        State("label", "value"),
        clientside=clientside,
        hidpi=hidpi,
        alt="{label} #{k}",
    )(lambda k, label, **scale: Image.new("L", (1, 1)))
    page = DashBrowser(dash_app)
    props = ["src", *["srcSet"] * hidpi, "alt"]
    pattern = '{"i":["ALL"],"t":"img"}'
    output = "".join(f"..{pattern}.{p}." for p in props) + "."
    outputs = [[{"id": i, "property": p} for i in IDS] for p in props]
    # Image 1's k is None: that picture (and its alt) is left as it is.
    ks = [10, None, "z"]
    if clientside:
        result = page.page.run(output, ks, "tile", outputs_list=outputs)
    else:
        response = post(
            page,
            output,
            [
                Wildcard(
                    {"id": {"t": "k", "i": i}, "property": "value", "value": k}
                    for i, k in enumerate(ks)
                )
            ],
            outputs,
            ["tile"],
        )
        keys = [component_key(i) for i in IDS]
        result = [[response.get(k, {}).get(p) for k in keys] for p in props]
        # Dash leaves an image out of its answer when nothing of it changed.
        result = [[dash.no_update if v is None else v for v in c] for c in result]
    alts = result[-1]
    assert alts == ["tile #10", dash.no_update, "tile #z"]
    assert result[0][1] is dash.no_update
    assert "k=10&label=%22tile%22" in result[0][0]


@pytest.mark.parametrize("alt", ["{x!r}", "{x:>5}", "{}", "{y!s:^9}"])
def test_an_alt_field_that_is_not_a_plain_name_is_refused(images, alt):
    # Each value appears as its URL writes it, the same in the browser and on
    # the server: no format spec, conversion or position, at decoration.
    decorate = images.callback(
        Output("img", "src"), Input("x", "value"), Input("y", "value"), alt=alt
    )
    with pytest.raises(RegistrationError, match=r"use plain \{name\} fields"):
        decorate(line)
    assert len(images.registry) == 0


def test_the_same_callback_with_another_alt_text_is_refused(dash_factory, images):
    # Not the first alt text kept quietly: the page would say what the
    # second decoration did not ask for.
    page = make(dash_factory, images, True, "Line to {x}")
    with pytest.raises(RegistrationError, match="already has the id 'line'"):
        images.callback(
            Output("img", "src"),
            Input("x", "value"),
            Input("y", "value"),
            name="line",
            clientside=True,
            alt="Line to {y}",
        )(line)
    assert build(page, True, 1, 2)[1] == "Line to 1"


def test_the_page_is_whole_whatever_the_alt_text(dash_factory, images):
    # The function is inlined in the page: an alt text cannot end its script.
    page = make(dash_factory, images, True, "</script><script>alert(1)</script>{x}")
    html_text = page.get("/").get_data(as_text=True)
    assert "<script>alert(1)" not in html_text
    assert build(page, True, 1, 2)[1] == "</script><script>alert(1)</script>1"


def test_the_alt_parts_are_json_in_the_page(dash_factory, images):
    page = make(dash_factory, images, True, "Line to ({x}, {y})")
    text = page.get("/").get_data(as_text=True)
    parts = json.dumps([["Line to (", "x"], [", ", "y"], [")", None]])
    assert parts in text


def test_a_url_that_cannot_be_built_gives_no_alt_either(dash_factory, images):
    page = make(dash_factory, images, False, "{x}")
    # A query over DASH_IMAGES_MAX_URL_LENGTH: the picture is left as it is.
    props = post(page, OUTPUT, [1, "x" * 5000], OUTPUTS)
    assert props is None
