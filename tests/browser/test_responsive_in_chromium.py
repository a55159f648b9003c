"""responsive=True in Chromium: pictures drawn for the box they fill, in device
pixels, redrawn when the box changes, never in a loop."""

from __future__ import annotations

import pytest
from dash import ALL, Input, Output, dcc, html
from PIL import Image

from .helpers import image_selector, page_log

pytestmark = pytest.mark.browser


def boxed(component_id, width, height=None):
    style = {"width": "100%"}
    if height is not None:
        style["height"] = f"{height}px"
    named = {"id": f"box-{component_id}"} if isinstance(component_id, str) else {}
    return html.Div(
        html.Img(id=component_id, style=style),
        style={"width": f"{width}px", "padding": "7px"},
        **named,
    )


def wait_for_natural_width(page, selector, width):
    page.wait_for_function(
        "([s, w]) => { const i = document.querySelector(s);"
        " return i !== null && i.complete && i.naturalWidth === w; }",
        arg=[selector, width],
    )


def calls_app(dash_factory, images, calls, layout, output, inputs, **options):
    dash_app = dash_factory(layout)

    @images.callback(output, *inputs, responsive=True, **options)
    def draw(shade, *, width, height, scale):
        calls.append((shade, width, height))
        return Image.new("L", (width, height or width // 2), shade)

    return dash_app


def test_the_picture_is_drawn_for_its_box_in_device_pixels(
    dash_factory, images, new_context, live_server
):
    calls = []
    dash_app = calls_app(
        dash_factory,
        images,
        calls,
        html.Div([dcc.Input(id="shade", value=90), boxed("pic", 380)]),
        Output("pic", "src"),
        [Input("shade", "value")],
    )
    page = new_context(device_scale_factor=2).new_page()
    page.goto(live_server(dash_app))
    # 380 CSS pixels round up to 400; times the device pixel ratio of 2.
    wait_for_natural_width(page, "#pic", 800)
    assert calls[-1][1:] == (800, None)
    src = page.get_attribute("#pic", "src")
    assert "width=800&height=null" in src

    # The box grows: after the debounce one new picture, for the new box.
    page.evaluate("document.getElementById('box-pic').style.width = '530px'")
    wait_for_natural_width(page, "#pic", 1100)
    page.wait_for_timeout(600)
    widths = [width for _, width, _ in calls]
    assert widths[-1] == 1100 and widths.count(1100) == 1
    # No loop: nothing more is drawn once the box is still.
    drawn = len(calls)
    page.wait_for_timeout(800)
    assert len(calls) == drawn
    requests = [u for s, u in page_log(page).image_responses()]
    assert len(requests) == len(set(requests))


def test_a_css_height_is_passed_and_no_update_before_a_size(
    dash_factory, images, new_context, live_server
):
    calls = []
    dash_app = calls_app(
        dash_factory,
        images,
        calls,
        html.Div([dcc.Input(id="shade", value=90), boxed("pic", 200, height=120)]),
        Output("pic", "src"),
        [Input("shade", "value")],
    )
    page = new_context(device_scale_factor=1).new_page()
    page.goto(live_server(dash_app))
    wait_for_natural_width(page, "#pic", 200)
    assert calls == [(90, 200, 150)]  # 120 CSS pixels round up to 150


@pytest.mark.parametrize(
    ("css_width", "ratio", "width", "scale"),
    [(2100, 2, 3675, 1.75), (1440, 3, 3988, 2.75), (600, 2, 1200, 2)],
)
def test_a_box_over_the_pixel_limit_is_drawn_at_the_largest_ratio_within_it(
    dash_factory, images, new_context, live_server, css_width, ratio, width, scale
):
    # A full-width picture on a dense screen: the default limit is 4096 x
    # 4096; 2100 CSS px at 2x would be 4200 squared. The picture comes, at
    # 1.75x: no 400.
    calls = []
    dash_app = dash_factory(
        html.Div([dcc.Input(id="shade", value=90), boxed("pic", css_width)])
    )

    @images.callback(Output("pic", "src"), Input("shade", "value"), responsive=True)
    def draw(shade, *, width, height, scale):
        calls.append((width, height, scale))
        return Image.new("L", (8, 8), shade)  # small, whatever the box

    page = new_context(
        device_scale_factor=ratio, viewport={"width": css_width + 100, "height": 600}
    ).new_page()
    page.goto(live_server(dash_app))
    wait_for_natural_width(page, "#pic", 8)
    assert calls == [(width, None, scale)]  # each width squared is within 4096**2
    assert page.get_attribute("#pic", "data-dash-images-state") == "loaded"


def test_all_pictures_each_get_their_own_box_in_device_pixels(
    dash_factory, images, new_context, live_server
):
    calls = []
    ids = [{"t": "img", "i": i} for i in range(2)]
    dash_app = calls_app(
        dash_factory,
        images,
        calls,
        html.Div(
            [dcc.Input(id={"t": "n", "i": i}, value=50 + i) for i in range(2)]
            + [boxed(ids[0], 120), boxed(ids[1], 260)]
        ),
        Output({"t": "img", "i": ALL}, "src"),
        [Input({"t": "n", "i": ALL}, "value")],
    )
    page = new_context(device_scale_factor=2).new_page()
    page.goto(live_server(dash_app))
    # Device pixels: 150 and 300 CSS pixels, times 2, each drawn once.
    wait_for_natural_width(page, image_selector(ids[0]), 300)
    wait_for_natural_width(page, image_selector(ids[1]), 600)
    assert sorted(calls) == [(50, 300, None), (51, 600, None)]
    state = page.get_attribute(image_selector(ids[0]), "data-dash-images-state")
    assert state == "loaded"


def test_match_pictures_each_get_their_own_box(
    dash_factory, images, new_context, live_server
):
    from dash import MATCH

    calls = []
    ids = [{"t": "img", "i": i} for i in range(2)]
    dash_app = calls_app(
        dash_factory,
        images,
        calls,
        html.Div(
            [dcc.Input(id={"t": "n", "i": i}, value=60 + i) for i in range(2)]
            + [boxed(ids[0], 90), boxed(ids[1], 180)]
        ),
        Output({"t": "img", "i": MATCH}, "src"),
        [Input({"t": "n", "i": MATCH}, "value")],
    )
    page = new_context(device_scale_factor=1).new_page()
    page.goto(live_server(dash_app))
    wait_for_natural_width(page, image_selector(ids[0]), 100)
    wait_for_natural_width(page, image_selector(ids[1]), 200)
    assert sorted(calls) == [(60, 100, None), (61, 200, None)]


def live_resize_observers(page):
    """The page's ResizeObservers that are still alive after a full garbage
    collection (Chromium's own count, through the DevTools protocol; what
    it held to count them is let go again)."""
    cdp = page.context.new_cdp_session(page)
    group = {"objectGroup": "counted"}
    try:
        cdp.send("HeapProfiler.collectGarbage")
        prototype = cdp.send(
            "Runtime.evaluate", {"expression": "ResizeObserver.prototype", **group}
        )["result"]["objectId"]
        found = cdp.send(
            "Runtime.queryObjects", {"prototypeObjectId": prototype, **group}
        )
        length = cdp.send(
            "Runtime.callFunctionOn",
            {
                "objectId": found["objects"]["objectId"],
                "functionDeclaration": "function () { return this.length; }",
                "returnByValue": True,
            },
        )
        return length["result"]["value"]
    finally:
        cdp.send("Runtime.releaseObjectGroup", group)
        cdp.detach()


def test_pictures_the_page_replaced_are_no_longer_watched(
    dash_factory, images, new_context, live_server
):
    # A long-lived page whose callbacks replace its pictures (tabs, pages,
    # a list): what watched the old ones' boxes goes with them.
    calls = []
    dash_app = calls_app(
        dash_factory,
        images,
        calls,
        html.Div(
            [
                dcc.Input(id="shade", value=90),
                html.Button("new", id="new"),
                html.Div(boxed("pic", 120), id="holder"),
            ]
        ),
        Output("pic", "src"),
        [Input("shade", "value")],
    )

    @dash_app.callback(
        Output("holder", "children"),
        Input("new", "n_clicks"),
        prevent_initial_call=True,
    )
    def replace(n):
        # Another <img> each time (React's key), with the same Dash id.
        return html.Div(boxed("pic", 120 + 50 * (n % 2)), key=str(n))

    page = new_context(device_scale_factor=1).new_page()
    page.goto(live_server(dash_app))
    wait_for_natural_width(page, "#pic", 150)
    assert live_resize_observers(page) == 1
    for n in range(1, 7):
        page.click("#new")
        wait_for_natural_width(page, "#pic", 150 if n % 2 == 0 else 200)
    assert live_resize_observers(page) == 1  # was 7: one per picture it ever had
