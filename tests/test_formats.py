"""Formats: png, jpeg, webp, gif, avif, auto (Accept), encoder options, modes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from flask_dash_images import RegistrationError
from flask_dash_images.core.render import available_formats

from .conftest import decode

FORMATS = [
    ("png", "image/png", "PNG"),
    ("jpeg", "image/jpeg", "JPEG"),
    ("webp", "image/webp", "WEBP"),
    ("gif", "image/gif", "GIF"),
    pytest.param(
        "avif",
        "image/avif",
        "AVIF",
        marks=pytest.mark.skipif(
            "avif" not in available_formats(), reason="this Pillow has no AVIF encoder"
        ),
    ),
]


def register(images, name, mode="RGB", **options):
    @images.generator(name=name, **options)
    def picture():
        colour = {
            "RGB": (200, 30, 30),
            "RGBA": (200, 30, 30, 128),
            "L": 90,
            "LA": (90, 128),
            "P": 3,
            "I;16": 40000,
            "I": 40000,
            "F": 0.5,
            "1": 1,
            "CMYK": (0, 200, 200, 0),
        }[mode]
        return Image.new(mode, (16, 8), colour)

    return picture


def fetch(images, app, client, name, **headers):
    with app.test_request_context():
        url = images.url_for(name)
    return url, client.get(url, headers=headers)


@pytest.mark.parametrize(("fmt", "mimetype", "pillow"), FORMATS)
def test_each_format_gets_its_extension_mimetype_and_bytes(
    images, app, client, fmt, mimetype, pillow
):
    register(images, "pic", format=fmt)
    url, response = fetch(images, app, client, "pic")
    assert url.startswith(f"/image_generator/pic.{fmt}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    image = decode(response.data)
    assert image.format == pillow
    assert image.size == (16, 8)


def test_a_format_pillow_cannot_write_fails_at_decoration(images, monkeypatch):
    monkeypatch.setattr(
        "flask_dash_images.core.spec.render.available_formats", lambda: ("png",)
    )
    with pytest.raises(RegistrationError, match="Pillow here cannot write it"):
        register(images, "pic", format="avif")


def test_an_unknown_format_fails_at_decoration(images):
    with pytest.raises(RegistrationError, match="format='bmp'"):
        register(images, "pic", format="bmp")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("image/avif,image/webp,image/apng,image/*,*/*;q=0.8", "image/webp"),
        ("image/webp,*/*", "image/webp"),
        ("image/png", "image/png"),
        ("*/*", "image/png"),
        ("", "image/png"),
        ("image/webp;q=0.1, image/png;q=1", "image/png"),
        # (q=0, a refusal: test_negotiation.)
        ("image/png;q=0.5, image/webp;q=0.9", "image/webp"),
        ("image/png;q=0, image/webp;q=0.2", "image/webp"),
        ("image/webp;q=0.5, image/*;q=0.5", "image/webp"),
        ("image/webp;q=0.4, */*;q=0.5", "image/png"),
        pytest.param(
            "image/avif,*/*",
            "image/avif",
            marks=pytest.mark.skipif(
                "avif" not in available_formats(), reason="no AVIF"
            ),
        ),
    ],
)
def test_auto_picks_from_accept_and_varies_on_it(images, app, client, accept, expected):
    register(images, "pic", format="auto", deterministic=True)
    url, response = fetch(images, app, client, "pic", Accept=accept)
    assert url.startswith("/image_generator/pic.auto")
    assert response.mimetype == expected
    assert "Accept" in response.headers["Vary"]
    assert decode(response.data).size == (16, 8)


def test_auto_etags_differ_per_negotiated_format(images, app, client):
    register(images, "pic", format="auto", deterministic=True)
    _, webp = fetch(images, app, client, "pic", Accept="image/webp")
    _, png = fetch(images, app, client, "pic", Accept="image/png")
    assert webp.headers["ETag"] != png.headers["ETag"]
    _, again = fetch(
        images,
        app,
        client,
        "pic",
        Accept="image/png",
        **{"If-None-Match": webp.headers["ETag"]},
    )
    assert again.status_code == 200 and again.mimetype == "image/png"


def test_encoder_options_reach_pillow(images, app, client):
    register(images, "small", format="jpeg", quality=5)
    register(images, "large", format="jpeg", quality=95)
    register(images, "lossless", format="webp", lossless=True)
    assert len(fetch(images, app, client, "small")[1].data) < len(
        fetch(images, app, client, "large")[1].data
    )
    lossless = decode(fetch(images, app, client, "lossless")[1].data)
    assert lossless.convert("RGB").getpixel((3, 3)) == (200, 30, 30)


@pytest.mark.parametrize(
    ("mode", "fmt", "pixel"),
    [
        ("RGBA", "jpeg", (227, 142, 142)),  # flattened onto white
        ("LA", "jpeg", (172, 172, 172)),
        ("RGBA", "png", (200, 30, 30, 128)),  # PNG keeps alpha
        ("I;16", "png", 40000),  # PNG keeps 16 bits
        ("I", "png", 40000),
        ("I;16", "jpeg", 156),  # other formats: the top 8 bits
        ("F", "png", 128),  # floats: 0.0 black .. 1.0 white
        ("CMYK", "png", (255, 55, 55)),
        ("1", "webp", (255, 255, 255)),
        ("P", "jpeg", None),
    ],
)
def test_modes_convert_by_the_documented_rules(images, app, client, mode, fmt, pixel):
    register(images, "pic", mode=mode, format=fmt)
    response = fetch(images, app, client, "pic")[1]
    assert response.status_code == 200
    image = decode(response.data)
    if pixel is not None:
        got = image.getpixel((8, 4))
        if isinstance(pixel, tuple) and fmt == "jpeg":
            assert all(abs(a - b) <= 3 for a, b in zip(got, pixel, strict=True))
        elif fmt == "jpeg":
            assert abs(got - pixel) <= 3
        else:
            assert got == pixel


def test_gif_of_an_rgb_picture(images, app, client):
    register(images, "pic", format="gif")
    image = decode(fetch(images, app, client, "pic")[1].data)
    assert image.convert("RGB").getpixel((0, 0)) == (200, 30, 30)


def test_bytes_in_the_declared_format_pass_through(images, app, client):
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), "blue").save(buffer, "JPEG")
    data = buffer.getvalue()
    images.generator(name="ready", format="jpeg")(lambda: data)
    images.generator(name="wrong", format="png")(lambda: data)
    assert fetch(images, app, client, "ready")[1].data == data
    assert fetch(images, app, client, "wrong")[1].status_code == 500


@pytest.mark.parametrize("front_door", ["images.callback", "image_callback"])
def test_encoder_options_reach_pillow_from_dash_callbacks(
    dash_factory, images, front_door
):
    from dash import Input, Output, dcc, html

    from flask_dash_images import image_callback

    from .dash_browser import DashBrowser

    dash_app = dash_factory(
        html.Div([dcc.Input(id="q", value=1), html.Img(id="a"), html.Img(id="b")])
    )
    for output, quality in (("a", 5), ("b", 95)):
        options = {"format": "jpeg", "quality": quality}
        deps = (Output(output, "src"), Input("q", "value"))
        if front_door == "images.callback":
            decorator = images.callback(*deps, **options)
        else:
            decorator = image_callback(dash_app, *deps, **options)
        decorator(lambda q: Image.effect_noise((64, 64), 64).convert("RGB"))
    page = DashBrowser(dash_app)
    small, large = (page.get(page.update(f"{o}.src", [1])) for o in "ab")
    assert small.mimetype == large.mimetype == "image/jpeg"
    assert len(small.data) < len(large.data) / 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"deterministc": True},
            "unknown option 'deterministc' (did you mean 'deterministic'?)",
        ),
        ({"quality": 80}, "unknown option 'quality'"),
        ({"format": "jpeg", "lossless": True}, "unknown option 'lossless'"),
        ({"responsive": True}, "responsive: an option of Dash image callbacks"),
        ({"hidpi": True}, "hidpi: an option of Dash image callbacks"),
        ({"compress_levle": 3}, "did you mean 'compress_level'?"),
    ],
)
def test_an_option_pillow_would_ignore_fails_at_decoration(images, options, message):
    with pytest.raises(RegistrationError) as error:
        register(images, "typo", **options)
    assert message in str(error.value)
    assert len(images.registry) == 0


@pytest.mark.parametrize(
    "options",
    [
        {"format": "jpeg", "quality": 70, "progressive": True},
        {"format": "webp", "lossless": True},
        {"format": "auto", "quality": 70, "lossless": True},
        {"compress_level": 9, "optimize": True},
        {"format": "gif", "interlace": False},
    ],
)
def test_options_of_the_format_are_accepted(images, app, client, options):
    register(images, "fine", **options)
    _, response = fetch(images, app, client, "fine")
    assert response.status_code == 200


def test_option_typos_fail_on_every_decorator(images, dash_factory):
    from dash import Input, Output, html

    from flask_dash_images import image_callback

    dash_app = dash_factory(html.Div([html.Img(id="img")]))
    with pytest.raises(RegistrationError, match="did you mean 'deterministic'"):
        images.callback(Output("img", "src"), Input("img", "title"), deterministc=1)(
            lambda title: None
        )
    with pytest.raises(RegistrationError, match="did you mean 'max_age'"):
        image_callback(dash_app, Output("img", "src"), Input("img", "title"), maxage=1)(
            lambda title: None
        )
