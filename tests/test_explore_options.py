"""Exploring like a map, the server's side: the "wheel" and "pan" events and
the preview= option are checked at decoration, pictures that report them
carry their coordinate map, and the page says which pictures preview.
(The page's side: tests/test_wheel_pan_js.py, and in Chromium
tests/browser/test_explore_in_chromium.py.)"""

from __future__ import annotations

import json

import pytest
from dash import Input, Output, dcc, html
from matplotlib.figure import Figure

from flask_dash_images import RegistrationError, image_callback

HEADER = "X-Dash-Images-Map"


def layout():
    return html.Div([dcc.Input(id="n", value=1), html.Img(id="img")])


def figure(n):
    fig = Figure(figsize=(4, 3), dpi=100)
    fig.add_subplot().set_xlim(0, n)
    return fig


def page_config(dash_app):
    page = dash_app.server.test_client().get("/").get_data(as_text=True)
    start = page.index('<script id="_dash-images-config" type="application/json">')
    return json.loads(page[start:].partition(">")[2].partition("</script>")[0])


def decorate(images, **options):
    images.callback(Output("img", "src"), Input("n", "value"), **options)(figure)
    (spec,) = images.registry
    return spec


@pytest.mark.parametrize(
    ("events", "preview"),
    [
        (("wheel",), True),
        (("pan",), True),
        (("wheel", "pan", "click", "dblclick"), True),
        (("brush",), True),
        (("brush-x", "wheel"), True),
        (("brush-y",), True),
        (("click", "hover", "dblclick"), False),
        ((), False),
    ],
)
def test_the_preview_is_on_where_an_event_moves_the_view(images, events, preview):
    assert decorate(images, events=events).previews is preview


@pytest.mark.parametrize("events", [("wheel",), ("pan",), ("brush",)])
def test_the_preview_may_be_turned_off(images, events):
    assert decorate(images, events=events, preview=False).previews is False


@pytest.mark.parametrize("brush", ["brush", "brush-x", "brush-y"])
def test_pan_and_a_brush_are_refused_together(images, brush):
    # Both are a drag on the picture: one of them could never happen.
    with pytest.raises(RegistrationError) as error:
        decorate(images, events=("pan", brush))
    message = str(error.value)
    assert f"'pan' and {brush!r} both" in message and "figure" in message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"events": ("click",), "preview": True}, "nothing to preview"),
        ({"preview": True}, "nothing to preview"),
        ({"events": ("wheel",), "preview": "yes"}, "preview must be True or False"),
        ({"events": ("wheel",), "preview": 1}, "preview must be True or False"),
    ],
)
def test_a_preview_that_could_show_nothing_is_refused(images, options, message):
    with pytest.raises(RegistrationError, match=message):
        decorate(images, **options)


def test_the_preview_is_an_option_of_dash_image_callbacks_only(images):
    with pytest.raises(RegistrationError, match="preview: an option of Dash image"):
        images.generator(preview=True)
    with pytest.raises(RegistrationError, match="events: an option of Dash image"):
        images.generator(events=("wheel",))


def test_unknown_events_name_wheel_and_pan_among_those_known(images):
    with pytest.raises(RegistrationError) as error:
        decorate(images, events=("zoom",))
    assert "'wheel'" in str(error.value) and "'pan'" in str(error.value)


def test_a_picture_that_zooms_or_pans_carries_its_map(dash_factory, images):
    dash_app = dash_factory(layout())
    images.callback(
        Output("img", "src"), Input("n", "value"), events=("wheel",), name="z"
    )(figure)
    images.callback(
        Output("other", "src"), Input("n", "value"), events="pan", name="p"
    )(figure)
    client = dash_app.server.test_client()
    for url in ("/image_generator/z.png?n=2", "/image_generator/p.png?n=2"):
        found = json.loads(client.get(url).headers[HEADER])
        (axes,) = found["axes"]
        assert axes["i"] == 0 and "inv" in axes


def test_the_page_names_the_pictures_that_preview(dash_factory, images):
    dash_app = dash_factory(layout())
    for name, options in [
        ("z", {"events": ("wheel", "click")}),
        ("b", {"events": ("brush-x",)}),
        ("off", {"events": ("pan",), "preview": False}),
        ("c", {"events": ("click",)}),
        ("quiet", {}),
    ]:
        images.callback(Output(name, "src"), Input("n", "value"), name=name, **options)(
            figure
        )
    assert page_config(dash_app) == {
        "events": {
            "z": ["wheel", "click"],
            "b": ["brush-x"],
            "off": ["pan"],
            "c": ["click"],
        },
        "preview": ["b", "z"],
    }


def test_image_callback_takes_the_preview_option_too(dash_factory, images):
    dash_app = dash_factory(layout())
    image_callback(
        dash_app,
        Output("img", "src"),
        Input("n", "value"),
        events=("wheel", "pan"),
        preview=False,
        name="one",
    )(figure)
    assert page_config(dash_app) == {"events": {"one": ["wheel", "pan"]}}
