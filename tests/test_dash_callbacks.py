"""Image callbacks driven through Dash's own callback endpoint."""

from __future__ import annotations

import pytest
from dash import ALL, MATCH, Input, Output, State, dcc, html
from PIL import Image, ImageDraw

from flask_dash_images import image_callback

from .conftest import decode, same_pixels


def line_picture(x: int, y: int) -> Image.Image:
    """The old README's demo: a line from the corner to (x, y)."""
    image = Image.new("RGB", (200, 200), "white")
    ImageDraw.Draw(image).line((0, 0, x, y), fill="navy", width=3)
    return image


def line_layout() -> html.Div:
    return html.Div(
        [
            dcc.Input(id="x", type="number", value=100),
            dcc.Input(id="y", type="number", value=50),
            html.Img(id="picture"),
        ]
    )


def test_image_callback_serves_the_generators_picture(dash_factory, browser):
    dash_app = dash_factory(line_layout())

    @image_callback(
        dash_app, Output("picture", "src"), Input("x", "value"), Input("y", "value")
    )
    def draw(x, y):
        return line_picture(x, y)

    page = browser(dash_app)
    url = page.update("picture.src", [120, 30])
    assert url.startswith("/image_generator/") and ".png?" in url

    response = page.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert same_pixels(decode(response.data), line_picture(120, 30))


def test_images_callback_registers_through_dash_callback(dash_factory, images, browser):
    dash_app = dash_factory(line_layout())

    @images.callback(Output("picture", "src"), Input("x", "value"), Input("y", "value"))
    def draw(x, y):
        return line_picture(x, y)

    page = browser(dash_app)
    response = page.get(page.update("picture.src", [10, 190]))
    assert same_pixels(decode(response.data), line_picture(10, 190))


def test_the_decorated_function_is_returned_unchanged(dash_factory):
    dash_app = dash_factory(line_layout())

    def draw(x, y):
        return line_picture(x, y)

    decorated = image_callback(
        dash_app, Output("picture", "src"), Input("x", "value"), Input("y", "value")
    )(draw)
    assert decorated is draw
    assert same_pixels(decorated(5, 5), line_picture(5, 5))


def test_state_values_reach_the_generator_after_inputs(dash_factory, images, browser):
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Input(id="size", value=8),
                dcc.Input(id="colour", value="red"),
                html.Img(id="swatch"),
            ]
        )
    )
    calls = []

    @images.callback(
        Output("swatch", "src"), Input("size", "value"), State("colour", "value")
    )
    def swatch(size, colour):
        calls.append((size, colour))
        return Image.new("RGB", (size, size), colour)

    page = browser(dash_app)
    response = page.get(page.update("swatch.src", [12], ["#00ff00"]))
    assert calls == [(12, "#00ff00")]
    assert same_pixels(decode(response.data), Image.new("RGB", (12, 12), "#00ff00"))


def test_values_keep_their_json_types(dash_factory, images, browser):
    dash_app = dash_factory(html.Div([dcc.Store(id="data"), html.Img(id="out")]))
    seen = []

    @images.callback(Output("out", "src"), Input("data", "data"))
    def show(data):
        seen.append(data)
        return Image.new("L", (1, 1))

    page = browser(dash_app)
    value = {
        "int": 1,
        "float": 1.5,
        "bool": True,
        "none": None,
        "text": "a&b=c#d?e%f/g+h ünï 🖼",
        "list": [1, [2.25, "x"]],
    }
    assert page.get(page.update("out.src", [value])).status_code == 200
    assert seen == [value]
    assert type(seen[0]["int"]) is int and type(seen[0]["bool"]) is bool


def test_several_image_callbacks_in_one_app(dash_factory, images, browser):
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id="n", value=3)] + [html.Img(id=f"img{i}") for i in range(3)]
        )
    )
    for i in range(3):
        images.callback(Output(f"img{i}", "src"), Input("n", "value"))(
            lambda n, i=i: Image.new("L", (n + i, 1))
        )

    page = browser(dash_app)
    urls = [page.update(f"img{i}.src", [4]) for i in range(3)]
    assert len(set(urls)) == 3
    assert [decode(page.get(url).data).size for url in urls] == [(4, 1), (5, 1), (6, 1)]


def test_dict_ids_and_match(dash_factory, images, browser):
    dash_app = dash_factory(
        html.Div(
            [
                item
                for i in range(2)
                for item in (
                    dcc.Input(id={"type": "shade", "index": i}, value=i * 100),
                    html.Img(id={"type": "thumb", "index": i}),
                )
            ]
        )
    )

    @images.callback(
        Output({"type": "thumb", "index": MATCH}, "src"),
        Input({"type": "shade", "index": MATCH}, "value"),
    )
    def thumb(shade):
        return Image.new("L", (4, 4), shade)

    page = browser(dash_app)
    output = '{"index":["MATCH"],"type":"thumb"}.src'
    url = page.update(
        output,
        [({"type": "shade", "index": 1}, 100)],
        outputs={"type": "thumb", "index": 1},
    )
    assert decode(page.get(url).data).getpixel((0, 0)) == 100


def test_all_output_gives_each_image_its_own_input(dash_factory, images, browser):
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id="width", value=2)]
            + [dcc.Input(id={"type": "shade", "index": i}, value=i) for i in range(3)]
            + [html.Img(id={"type": "thumb", "index": i}) for i in range(3)]
        )
    )

    @images.callback(
        Output({"type": "thumb", "index": ALL}, "src"),
        Input({"type": "shade", "index": ALL}, "value"),
        Input("width", "value"),
    )
    def thumb(shade, width):
        return Image.new("L", (width, 1), shade * 50)

    page = browser(dash_app)
    ids = [{"type": "thumb", "index": i} for i in range(3)]
    srcs = page.update(
        '{"index":["ALL"],"type":"thumb"}.src',
        [[({"type": "shade", "index": i}, i) for i in range(3)], 5],
        outputs=ids,
    )
    pictures = [decode(page.get(src).data) for src in srcs]
    assert [p.size for p in pictures] == [(5, 1)] * 3
    assert [p.getpixel((0, 0)) for p in pictures] == [0, 50, 100]


def test_prevent_initial_call_reaches_dash(dash_factory, images, browser):
    dash_app = dash_factory(line_layout())
    images.callback(
        Output("picture", "src"), Input("x", "value"), prevent_initial_call=True
    )(lambda x: line_picture(x, x))
    page = browser(dash_app)
    assert page.callback_for("picture.src")["prevent_initial_call"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((Output("a", "children"), Input("b", "value")), "'src'"),
        (([Output("a", "src")], Input("b", "value")), "exactly one Output"),
        ((Output("a", "src"), Output("c", "src")), "exactly one Output"),
        ((Output("a", "src"), "b.value"), "not an Input or a State"),
        (("a.src",), "exactly one Output"),
    ],
)
def test_bad_dependencies_fail_at_decoration(images, args, message):
    with pytest.raises(ValueError, match=message):
        images.callback(*args)


def test_the_same_function_for_the_same_output_twice_fails(images):
    def draw(x):
        return Image.new("L", (1, 1))

    images.callback(Output("a", "src"), Input("b", "value"))(draw)
    with pytest.raises(ValueError, match="name="):
        images.callback(Output("a", "src"), Input("c", "value"))(draw)


def test_responsive_pictures_take_no_hidpi(images):
    # responsive already draws in device pixels; hidpi's scale=2 would ask
    # the generator to draw twice that.
    with pytest.raises(ValueError, match=r"responsive=True .* hidpi=True"):
        images.callback(
            Output("a", "src"), Input("b", "value"), responsive=True, hidpi=True
        )(lambda b, width, height, scale: Image.new("L", (1, 1)))
